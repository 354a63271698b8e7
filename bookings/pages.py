"""The citizen's booking pages, on the phone: office -> service -> date -> slot, then the booking's own
page (code, QR, cancel, move, live state). No account and no NIK; a phone number only with consent.

Every page works without JavaScript (forms and links); the booking page's script only refreshes it.
Public POSTs (and the pages that carry their forms) are rate-limited per address.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from bookings import codes
from bookings.context import (
    blank_explanation,
    client_address,
    clock,
    clock_zone,
    day_label,
    env,
    public_base,
    qr_svg,
    rate_limited,
    reason_text,
)
from bookings.limits import mask_phone
from bookings.models import Booking, BookingService
from bookings.services import booking as svc
from bookings.services.availability import availability, bookable_services, horizon, next_with_room, office_settings
from bookings.checkin import window
from queue_service.domain.clock import office_day, zone_abbreviation
from queue_service.domain.errors import DomainError, ValidationFailed
from queue_service.extensions import db
from queue_service.models import Office, Service
from queue_service.web.access import office_or_404
from queue_service.clock import now
from queue_service.web.helpers import commit_and_emit

bp = Blueprint("bookings", __name__)

MAX_PHONE_INPUT = 30


def _service(office: Office, code: str) -> tuple[Service, BookingService]:
    for service, settings in bookable_services(db.session, office):
        if service.code == code:
            return service, settings
    abort(404, description=f"Service {code!r} of office {office.code} takes no bookings.")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404, description="Not a date (YYYY-MM-DD).")


def _locale() -> str:
    return str(get_locale() or "id")


def _no_store(response):
    response = response if isinstance(response, Response) else Response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --------------------------------------------------------------------------- office -> service -> date -> slot

@bp.get("/book")
def offices():
    found = [(o, bookable_services(db.session, o)) for o in db.session.scalars(select(Office).order_by(Office.name))]
    return render_template("bookings/offices.html", offices=[(o, s) for o, s in found if s])


@bp.get("/book/<office_code>")
def services(office_code: str):
    office = office_or_404(office_code)
    items = bookable_services(db.session, office)
    remote = any(settings.remote_enabled for _service, settings in items)
    return render_template("bookings/services.html", office=office, services=[svc_ for svc_, _s in items],
                           remote=remote)


def _dates_view(office: Office, service: Service, settings: BookingService, *, move_token: str | None = None):
    t = now()
    days = horizon(t, office, settings.slot_settings())
    found = availability(db.session, office=office, service=service, settings=settings, days=days, now=t, env=env())
    min_days = settings.min_days_ahead
    rows = [{"day": d, "label": day_label(d), "left": a.left,
             "reason": None if a.bookable else reason_text(a.reason, a.reason_name, min_days=min_days),
             "no_blanks": a.reason == "no_blanks"} for d, a in sorted(found.items())]
    return render_template("bookings/dates.html", office=office, service=service, rows=rows, move_token=move_token,
                           explain_blanks=any(r["no_blanks"] for r in rows) and blank_explanation())


@bp.get("/book/<office_code>/<service_code>")
def dates(office_code: str, service_code: str):
    office = office_or_404(office_code)
    service, settings = _service(office, service_code)
    return _dates_view(office, service, settings)


def _slots_page(office, service, settings, day, *, errors=None, form=None, status=200, move=None):
    t = now()
    a = availability(db.session, office=office, service=service, settings=settings, days=[day], now=t,
                     env=env())[day]
    slots = [{"key": s.slot.key, "label": f"{s.slot.start:%H:%M}–{s.slot.end:%H:%M}", "left": s.left,
              "reason": None if s.left else reason_text(s.reason)} for s in a.slots]
    nxt = [] if a.bookable else next_with_room(db.session, office=office, service=service, settings=settings,
                                               after=day, now=t, env=env())
    page = render_template(
        "bookings/slots.html", office=office, service=service, day=day, day_text=day_label(day), slots=slots,
        left=a.left, reason=None if a.bookable else reason_text(a.reason, a.reason_name,
                                                               min_days=settings.min_days_ahead),
        no_blanks=a.reason == "no_blanks", explain_blanks=blank_explanation(),
        next_days=[{"day": n.day, "label": day_label(n.day), "left": n.left} for n in nxt],
        zone=zone_abbreviation(office.timezone), errors=errors or {}, form=form or {}, move=move)
    return _no_store(page), status


@bp.route("/book/<office_code>/<service_code>/<day>", methods=["GET", "POST"])
@rate_limited
def slots(office_code: str, service_code: str, day: str):
    office = office_or_404(office_code)
    service, settings = _service(office, service_code)
    the_day = _day(day)
    if request.method == "GET":
        return _slots_page(office, service, settings, the_day)
    form = {"slot": request.form.get("slot", ""), "phone": request.form.get("phone", "")[:MAX_PHONE_INPUT],
            "consent": request.form.get("consent") == "yes"}
    if not form["slot"]:
        return _slots_page(office, service, settings, the_day, status=400, form=form,
                           errors={"slot": _("Pilih salah satu jam.")})
    try:
        booking, events = svc.book(db.session, office=office, service=service, day=the_day, slot_key=form["slot"],
                                   now=now(), env=env(), phone=form["phone"], consent=form["consent"],
                                   address=client_address(), via="web", locale=_locale())
    except DomainError as exc:
        db.session.rollback()
        return _slots_page(office, service, settings, the_day, status=exc.status, form=form,
                           errors=_form_errors(exc))
    commit_and_emit(events)
    return redirect(url_for("bookings.booking_page", token=booking.token), 303)


def _form_errors(exc: DomainError) -> dict:
    """A service refusal as the form's field errors, in the page's language."""
    if isinstance(exc, svc.LimitReached):
        texts = {"address_limit": _("Batas booking dari jaringan ini untuk hari ini sudah tercapai (%(n)s). "
                                    "Silakan coba lagi besok atau datang langsung.", n=exc.details.get("limit")),
                 "phone_limit": _("Nomor ini sudah dipakai untuk %(n)s booking hari ini.", n=exc.details.get("limit")),
                 "phone_active_limit": _("Nomor ini sudah memiliki %(n)s booking yang belum digunakan. Batalkan "
                                         "salah satunya dulu.", n=exc.details.get("limit"))}
        key = "phone" if exc.details.get("reason", "").startswith("phone") else "form"
        return {key: texts.get(exc.details.get("reason"), exc.message)}
    if isinstance(exc, svc.NoPlace):
        return {"slot": _("Jam ini baru saja penuh: %(why)s. Pilih jam atau tanggal lain.",
                          why=reason_text(exc.details.get("reason"), exc.details.get("name", "")))}
    if isinstance(exc, ValidationFailed):
        field = exc.details.get("field", "form")
        texts = {"phone": _("Nomor HP tidak valid: tulis nomor seluler Indonesia, misalnya 0812-3456-7890."),
                 "consent": _("Centang persetujuan untuk menyimpan nomor HP, atau kosongkan nomornya."),
                 "slot": _("Jam itu tidak ada pada tanggal ini. Pilih salah satu jam dari daftar.")}
        return {field: texts.get(field, exc.message)}
    return {"form": exc.message}


# --------------------------------------------------------------------------- the booking's own page

def _booking(token: str) -> Booking:
    if not codes.TOKEN_RE.match(token or ""):
        abort(404)
    b = db.session.scalar(select(Booking).where(Booking.token == token))
    if b is None:
        abort(404)
    return b


def booking_state(b: Booking) -> dict:
    """The page's facts (also its JSON for the script): never the phone number in full."""
    office = b.office
    tz = office.timezone
    w = window(b.slot_start, b.slot_end, office_settings(db.session, office).rules())
    ticket = b.ticket
    return {
        "code": codes.display(b.code), "status": b.status, "service": b.service.name(_locale()),
        "service_code": b.service.code, "office": office.name, "office_code": office.code,
        "day": b.day.isoformat(), "day_text": day_label(b.day), "slot": b.slot_key,
        "time": f"{clock(b.slot_start, tz)}–{clock_zone(b.slot_end, tz)}",
        "checkin": f"{clock(w.opens, tz)}–{clock_zone(w.closes, tz)}",
        "phone": mask_phone(b.phone) if b.phone else None,
        "ticket": ({"code": ticket.code, "status": ticket.status,
                    "counter": ticket.counter.number if ticket.counter and ticket.status in ("called", "serving")
                    else None,
                    "url": url_for("status.page", token=ticket.token)} if ticket is not None else None),
    }


@bp.get("/b/<token>")
def booking_page(token: str):
    b = _booking(token)
    data = booking_state(b)
    return _no_store(render_template("bookings/booking.html", b=data, token=token,
                                     changeable=b.status == "booked" and b.day >= office_day(now(), b.office.timezone)))


@bp.get("/b/<token>/state")
def booking_json(token: str):
    return _no_store(jsonify(booking_state(_booking(token))))


@bp.get("/b/<token>/qr.svg")
def booking_qr(token: str):
    b = _booking(token)
    body = qr_svg(f"{public_base()}/b/{b.token}")
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.post("/b/<token>/cancel")
@rate_limited
def cancel(token: str):
    b = _booking(token)
    _booked, events = svc.cancel(db.session, booking=b, now=now(), env=env(), actor="citizen")
    commit_and_emit(events)
    return redirect(url_for("bookings.booking_page", token=token), 303)


@bp.get("/b/<token>/move")
def move_dates(token: str):
    b = _booking(token)
    settings = db.session.get(BookingService, b.service_id)
    if b.status != "booked" or settings is None or not settings.enabled:
        abort(409, description="This booking can no longer be moved.")
    return _dates_view(b.office, b.service, settings, move_token=token)


@bp.route("/b/<token>/move/<day>", methods=["GET", "POST"])
@rate_limited
def move_slots(token: str, day: str):
    b = _booking(token)
    settings = db.session.get(BookingService, b.service_id)
    if b.status != "booked" or settings is None or not settings.enabled:
        abort(409, description="This booking can no longer be moved.")
    the_day = _day(day)
    move = {"token": token, "from": f"{day_label(b.day)} {b.slot_key}"}
    if request.method == "GET":
        return _slots_page(b.office, b.service, settings, the_day, move=move)
    key = request.form.get("slot", "")
    if not key:
        return _slots_page(b.office, b.service, settings, the_day, move=move, status=400,
                           errors={"slot": _("Pilih salah satu jam.")})
    try:
        _moved, events = svc.move(db.session, booking=b, day=the_day, slot_key=key, now=now(), env=env())
    except DomainError as exc:
        db.session.rollback()
        return _slots_page(b.office, b.service, settings, the_day, move=move, status=exc.status,
                           form={"slot": key}, errors=_form_errors(exc))
    commit_and_emit(events)
    return redirect(url_for("bookings.booking_page", token=token), 303)
