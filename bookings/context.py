"""What the bookings views share: the services' environment from the app, reasons in words, QR images,
the client's address. Flask lives here (and in the views), never in the services."""
from __future__ import annotations

import io
from datetime import date, datetime

import qrcode
import qrcode.image.svg
from flask import current_app, request
from flask_babel import format_date
from flask_babel import gettext as _
from qrcode.constants import ERROR_CORRECT_M

from bookings.limits import Limits
from bookings.services.availability import Env
from queue_service import hooks
from queue_service.domain.clock import local_time, zone_abbreviation

EXTENSION = "bookings"

#: defaults of the feature's settings (each overridable as ADMINDUK_<NAME>)
DEFAULTS = {
    "BOOKING_LIMIT_PER_ADDRESS": 20,
    "BOOKING_LIMIT_PER_PHONE": 3,
    "BOOKING_ACTIVE_PER_PHONE": 2,
    "BOOKING_RATE_LIMIT": "30 per minute",
    "BOOKING_BLANK_QUANTILE": 0.8,
    "BOOKING_TRAVEL_MINUTES": 30,
    "BOOKING_JOBS_EVERY_SECONDS": 5,
    "BOOKING_RELEASE_EVERY_SECONDS": 60,
    "BOOKING_WEBHOOK_EVERY_SECONDS": 10,
}


def state() -> dict:
    return state_of(current_app)


def public_base() -> str:
    return current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")


def env() -> Env:
    cfg = current_app.config
    return Env(secret=cfg["SECRET_KEY"], public_base=public_base(),
               limits=Limits(per_address_per_day=int(cfg["BOOKING_LIMIT_PER_ADDRESS"]),
                             per_phone_per_day=int(cfg["BOOKING_LIMIT_PER_PHONE"]),
                             active_per_phone=int(cfg["BOOKING_ACTIVE_PER_PHONE"])),
               caps=tuple(hooks.current().bookable_caps), default_travel_minutes=int(cfg["BOOKING_TRAVEL_MINUTES"]))


def client_address() -> str:
    return request.remote_addr or ""


def reason_text(reason: str | None, name: str = "", *, min_days: int = 0) -> str:
    """Why a day or a slot cannot be booked, in the page's language."""
    texts = {
        "weekday": _("Kantor tidak melayani pada hari ini"),
        "holiday": _("Libur nasional: %(name)s", name=name),
        "cuti_bersama": _("Cuti bersama: %(name)s", name=name),
        "closure": _("Kantor tutup: %(name)s", name=name),
        "past": _("Tanggal sudah lewat"),
        "too_soon": _("Booking paling lambat %(n)s hari sebelumnya", n=min_days),
        "too_far": _("Belum dibuka untuk booking"),
        "full": _("Penuh"),
        "day_cap": _("Kuota booking hari ini sudah penuh"),
        "cut_off": _("Pendaftaran untuk jam ini sudah ditutup"),
        "no_slots": _("Tidak ada jam booking pada hari ini"),
        "no_blanks": _("Blangko diperkirakan habis"),
    }
    return texts.get(reason or "", _("Tidak dapat dipesan"))


def blank_explanation() -> str:
    return _("Menurut perkiraan stok, kantor tidak akan memiliki blangko KTP-el pada hari itu, jadi tidak ada "
             "tempat yang dibuka agar Anda tidak datang sia-sia. Tempat dibuka lagi begitu kiriman blangko "
             "tercatat.")


def day_label(day: date) -> str:
    return format_date(day, "full")


def clock(moment: datetime, tz_name: str) -> str:
    return f"{local_time(moment, tz_name):%H:%M}"


def clock_zone(moment: datetime, tz_name: str) -> str:
    return f"{clock(moment, tz_name)} {zone_abbreviation(tz_name)}"


def qr_svg(text: str) -> bytes:
    if not text or len(text) > 512:
        raise ValueError("a QR text of 1..512 characters is required")
    q = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    q.add_data(text)
    q.make(fit=True)
    out = io.BytesIO()
    q.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- rate limits of the public endpoints

def init_rate_limit(app) -> None:
    """One limiter per app (``limits``): in memory for one process, in Redis when the deployment has a
    message queue on Redis (every process then counts the same requests)."""
    import limits
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    uri = app.config.get("MESSAGE_QUEUE") or ""
    storage = storage_from_string(uri if uri.startswith("redis://") else "memory://")
    state_of(app).update(rate_limiter=FixedWindowRateLimiter(storage),
                         rate_item=limits.parse(str(app.config["BOOKING_RATE_LIMIT"])))


def state_of(app) -> dict:
    return app.extensions.setdefault(EXTENSION, {})


def rate_limited(view):
    """429 with a message once an address has sent ``BOOKING_RATE_LIMIT`` requests to the public booking
    endpoints (pages, forms and API alike). Staff with an API token are not limited."""
    import functools

    from flask import abort

    from queue_service.web.access import principal

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        s = state()
        limiter = s.get("rate_limiter")
        if limiter is not None and principal().kind != "user":
            from bookings.limits import address_bucket
            if not limiter.hit(s["rate_item"], "bookings", address_bucket(client_address())):
                abort(429, description="Too many requests from this network; wait a minute and try again.")
        return view(*args, **kwargs)

    return wrapper
