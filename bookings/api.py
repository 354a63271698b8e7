"""Booking endpoints for a provincial portal or a WhatsApp bot (JSON, in the OpenAPI document).

* ``GET /api/v1/offices/<office>/bookings/availability?service=&from=&to=`` - public, rate-limited;
* ``POST /api/v1/offices/<office>/bookings`` - book for a citizen (staff token of the office);
* ``GET|POST .../bookings/<code>``, ``.../cancel``, ``.../move``, ``.../checkin`` - staff of the office;
* ``GET /api/v1/offices/<office>/bookings?date=`` - the day's bookings (staff).
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select

from bookings import codes
from bookings.context import env, public_base, rate_limited
from bookings.models import Booking
from bookings.services import booking as svc
from bookings.services import checkin as checkin_svc
from bookings.services.availability import availability, bookable_services
from bookings.services.notify import booking_url
from queue_service.domain.clock import office_day
from queue_service.domain.urls import status_url
from queue_service.extensions import db
from queue_service.web.access import ensure_office, office_or_404, principal, require
from queue_service import hooks
from queue_service.clock import now
from queue_service.web.helpers import commit_and_emit, field, json_body

bp = Blueprint("bookings_api", __name__, url_prefix="/api/v1")

STAFF = ("clerk", "manager")
MAX_RANGE_DAYS = 62


def _date(text: str | None, name: str) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        abort(400, description=f"Parameter '{name}' must be a date YYYY-MM-DD.")


def _bookable(office, code: str):
    for service, settings in bookable_services(db.session, office):
        if service.code == code:
            return service, settings
    abort(404, description=f"Service {code!r} of office {office.code} takes no bookings.")


def booking_json(b: Booking) -> dict:
    ticket = b.ticket
    return {"code": codes.display(b.code), "office": b.office.code, "service": b.service.code,
            "date": b.day.isoformat(), "slot": b.slot_key, "slot_start": b.slot_start.isoformat(),
            "slot_end": b.slot_end.isoformat(), "status": b.status, "url": booking_url(public_base(), b),
            "reminders": bool(b.phone),
            "ticket": ({"code": ticket.code, "status": ticket.status,
                        "status_url": status_url(public_base(), ticket.token)} if ticket else None)}


@bp.get("/offices/<office_code>/bookings/availability")
@rate_limited
def api_availability(office_code: str):
    office = office_or_404(office_code)
    code = request.args.get("service", "")
    if not code or len(code) > 32:
        abort(400, description="Parameter 'service' (a service code) is required.")
    service, settings = _bookable(office, code)
    today = office_day(now(), office.timezone)
    start = _date(request.args.get("from"), "from") if request.args.get("from") else today
    end = _date(request.args.get("to"), "to") if request.args.get("to") else start + timedelta(
        days=settings.max_days_ahead)
    if end < start or (end - start).days > MAX_RANGE_DAYS:
        abort(400, description=f"'to' must be on or after 'from', at most {MAX_RANGE_DAYS} days later.")
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    found = availability(db.session, office=office, service=service, settings=settings, days=days, now=now(),
                         env=env())
    return jsonify({"office": office.code, "service": service.code, "days": [
        {"date": d.isoformat(), "left": a.left, "reason": a.reason, "reason_name": a.reason_name or None,
         "slots": [{"slot": s.slot.key, "start": s.slot.start_utc.isoformat(), "end": s.slot.end_utc.isoformat(),
                    "left": s.left, "reason": s.reason} for s in a.slots]}
        for d, a in sorted(found.items())]})


@bp.post("/offices/<office_code>/bookings")
@require(roles=STAFF)
def api_book(office_code: str):
    office = office_or_404(office_code)
    ensure_office(office)
    data = json_body()
    code = field(data, "service", str, max_length=32)
    day = _date(field(data, "date", str, max_length=10), "date")
    slot = field(data, "slot", str, max_length=5)
    phone = field(data, "phone", str, required=False, nullable=True, max_length=30)
    consent = field(data, "consent", bool, required=False, default=False)
    locale = field(data, "locale", str, required=False, default="id", max_length=5)
    service, _settings = _bookable(office, code)
    b, events = svc.book(db.session, office=office, service=service, day=day, slot_key=slot, now=now(), env=env(),
                         phone=phone, consent=consent, address=None, via=f"api:{principal().name}"[:80],
                         locale=locale)
    body = booking_json(b)
    commit_and_emit(events)
    return jsonify(body), 201


def _staff_booking(office_code: str, booking_code: str) -> Booking:
    office = office_or_404(office_code)
    ensure_office(office)
    if len(booking_code) > 20:
        abort(404, description="No booking with this code at this office.")
    return svc.by_code(db.session, office, booking_code)


@bp.get("/offices/<office_code>/bookings/<booking_code>")
@require(roles=STAFF)
def api_booking(office_code: str, booking_code: str):
    return jsonify(booking_json(_staff_booking(office_code, booking_code)))


@bp.post("/offices/<office_code>/bookings/<booking_code>/cancel")
@require(roles=STAFF)
def api_cancel(office_code: str, booking_code: str):
    b = _staff_booking(office_code, booking_code)
    _b, events = svc.cancel(db.session, booking=b, now=now(), env=env(), actor=principal().actor)
    body = booking_json(b)
    commit_and_emit(events)
    return jsonify(body)


@bp.post("/offices/<office_code>/bookings/<booking_code>/move")
@require(roles=STAFF)
def api_move(office_code: str, booking_code: str):
    b = _staff_booking(office_code, booking_code)
    data = json_body()
    day = _date(field(data, "date", str, max_length=10), "date")
    slot = field(data, "slot", str, max_length=5)
    _b, events = svc.move(db.session, booking=b, day=day, slot_key=slot, now=now(), env=env(),
                          actor=principal().actor)
    body = booking_json(b)
    commit_and_emit(events)
    return jsonify(body)


@bp.post("/offices/<office_code>/bookings/<booking_code>/checkin")
@require(roles=STAFF)
def api_checkin(office_code: str, booking_code: str):
    office = office_or_404(office_code)
    ensure_office(office)
    if len(booking_code) > 20:
        abort(404, description="No booking with this code at this office.")
    result = checkin_svc.check_in(db.session, office=office, scanned=booking_code, now=now(),
                                  quota_caps=hooks.current().quota_caps,
                                  quota_holds=hooks.current().quota_holds, actor=principal().actor)
    body = {"outcome": result.outcome, "booking": booking_json(result.booking)}
    if result.come_back_at is not None:
        body["come_back_at"] = result.come_back_at.isoformat()
    commit_and_emit(result.events)
    return jsonify(body), 201 if result.ticket is not None and result.outcome != "already" else 200


@bp.get("/offices/<office_code>/bookings")
@require(roles=STAFF)
def api_day(office_code: str):
    office = office_or_404(office_code)
    ensure_office(office)
    day = _date(request.args.get("date"), "date") if request.args.get("date") else office_day(now(), office.timezone)
    rows = db.session.scalars(select(Booking).where(Booking.office_id == office.id, Booking.day == day)
                              .order_by(Booking.slot_start, Booking.place, Booking.id)).all()
    return jsonify({"office": office.code, "date": day.isoformat(), "bookings": [booking_json(b) for b in rows]})
