"""QR code as a raster image, for printers without native QR and for the PNG preview.

Pure (qrcode + Pillow, no I/O). The image is black on white ("L" mode), already left-padded so it
is centred on the paper: cheap clones ignore ``ESC a`` for raster images, so we do not rely on it.
"""
from __future__ import annotations

import qrcode
from PIL import Image

from .layout import IMAGE_QR_BORDER

__all__ = ["QR_MASK_PATTERN", "qr_matrix", "qr_image"]

_EC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}

#: Fixed mask pattern. Any of the 8 masks decodes everywhere; searching for the "best" one
#: (qrcode's default, ``None``) costs ~5 ms per ticket in pure Python, which is most of the
#: ticket's time budget. Set to ``None`` to search (bench/printer_bench.py reports both).
QR_MASK_PATTERN: int | None = 2


def qr_matrix(data: str, ec: str = "M", mask_pattern: int | None = QR_MASK_PATTERN) -> list[list[bool]]:
    """Dark/light modules of the symbol, without quiet zone."""
    q = qrcode.QRCode(error_correction=_EC[ec], border=0, mask_pattern=mask_pattern)
    q.add_data(data)
    q.make(fit=True)
    return q.get_matrix()


def qr_image(
    data: str,
    box: int,
    *,
    ec: str = "M",
    canvas_width: int | None = None,
    border: int = IMAGE_QR_BORDER,
    mask_pattern: int | None = QR_MASK_PATTERN,
) -> Image.Image:
    """The QR symbol with ``box`` pixels per module and ``border`` quiet modules.

    With ``canvas_width`` the image gets white left padding so the symbol sits in the centre of
    a line that wide (the right side is left off: it would only cost bytes).
    """
    matrix = qr_matrix(data, ec, mask_pattern)
    n = len(matrix)
    side = n + 2 * border
    white_row = b"\xff" * side
    pad = b"\xff" * border
    rows = [white_row] * border
    rows += [pad + bytes(0 if m else 255 for m in row) + pad for row in matrix]
    rows += [white_row] * border
    small = Image.frombytes("L", (side, side), b"".join(rows))
    img = small.resize((side * box, side * box), Image.NEAREST)
    if canvas_width is not None and canvas_width > img.width:
        left = (canvas_width - img.width) // 2
        canvas = Image.new("L", (left + img.width, img.height), 255)
        canvas.paste(img, (left, 0))
        img = canvas
    return img
