"""QR images of a ticket's public status URL, for the kiosk screen. Pure: ``qrcode`` only.

The URL is built by :func:`queue_service.domain.urls.status_url` (one place in the house); this
module only draws it. A QR never holds anything but that URL (an opaque token, no personal data).
"""
from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

__all__ = ["qr_png", "qr_svg"]

MAX_URL = 512


def _code(url: str, box_size: int, border: int) -> qrcode.QRCode:
    if not url or len(url) > MAX_URL:
        raise ValueError("a status URL of 1..512 characters is required")
    q = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    q.add_data(url)
    q.make(fit=True)
    return q


def qr_png(url: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """A black-on-white PNG of ``url`` (``border`` modules of quiet zone, as the standard asks)."""
    img = _code(url, box_size, border).make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def qr_svg(url: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """The same code as a scalable SVG (one path)."""
    img = _code(url, box_size, border).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    out = io.BytesIO()
    img.save(out)
    return out.getvalue()
