"""Check-in at the kiosk: the booking becomes a ticket in the walk-in queue, placed by the office's rule.

What was scanned or typed (the QR's page address, a bare token, or the code) is looked up in the kiosk's
own office only. Inside the window the booking gets a ticket at once (its place was kept, so the
service's walk-in quota does not refuse it) with the ``queued_at`` its rule gives; early, the citizen
is told when to come back; late, the office's policy gives a walk-in ticket or sends them to book
again. Scanning twice gives the same ticket.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bookings import codes
from bookings.checkin import EARLY, LATE, OK, WRONG_DAY, Waiting, appointment, decide, queued_at_for
from bookings.models import Booking, BookingEvent
from bookings.services.availability import office_settings
from bookings.services.booking import end, slot_of
from queue_service.domain import status as st
from queue_service.domain.clock import office_day
from queue_service.domain.errors import Conflict, NotFound, ValidationFailed
from queue_service.models import Office, Ticket
from queue_service.hooks import QuotaCap, QuotaHold
from queue_service.services import tickets as svc

#: outcomes (the kiosk shows each in its words)
CHECKED_IN = "checked_in"
ALREADY = "already"
COME_BACK = "early"
LATE_WALK_IN = "late_walk_in"
REBOOK = "rebook"
OTHER_DAY = "wrong_day"


@dataclass
class CheckinResult:
    outcome: str
    booking: Booking
    ticket: Ticket | None = None
    come_back_at: datetime | None = None
    day: date | None = None
    events: list = field(default_factory=list)


def find(session: Session, office: Office, scanned: str) -> Booking:
    """The booking a scan or a typed code names, in ``office`` only (another office's is not found)."""
    scan = codes.parse_scan(scanned)
    if scan.kind == "invalid":
        raise ValidationFailed("That is not a booking code or a booking QR code.", field="code")
    column = Booking.token if scan.kind == "token" else Booking.code
    booking = session.scalar(select(Booking).where(column == scan.value, Booking.office_id == office.id)
                             .with_for_update())
    if booking is None:
        raise NotFound("No booking with this code at this office.")
    return booking


def _waiting(session: Session, ticket_service_id: int, day: date) -> list[Waiting]:
    rows = session.execute(
        select(Ticket.queued_at, Booking.id).outerjoin(Booking, Booking.ticket_id == Ticket.id)
        .where(Ticket.service_id == ticket_service_id, Ticket.service_day == day,
               Ticket.status == st.Status.WAITING).order_by(Ticket.queued_at, Ticket.id)).all()
    return [Waiting(q, b is not None) for q, b in rows]


def _requeue(session: Session, ticket: Ticket, queued_at: datetime, events: list) -> None:
    """Give the new ticket the booking's place in the queue, and its events the position that follows."""
    if queued_at == ticket.queued_at:
        return
    ticket.queued_at = queued_at
    position = svc.position_of(session, ticket)
    for event in events:
        if event.name == "ticket_issued":
            event.payload["position"] = position


def _log(session, booking, action, actor, now, detail=""):
    session.add(BookingEvent(booking_id=booking.id, action=action, actor=actor[:80], detail=detail[:200], at=now))


def check_in(session: Session, *, office: Office, scanned: str, now: datetime,
             quota_caps: Sequence[QuotaCap] = (), quota_holds: Sequence[QuotaHold] = (), device_id: int | None = None, actor: str = "kiosk") -> CheckinResult:
    """Check a booking in (the caller commits, then emits ``result.events`` and prints the ticket). ``quota_caps``
    and ``quota_holds`` (``queue_service.hooks``) apply to a late arrival's walk-in ticket only: a booking in its
    window comes for the place kept for it (``held``), which no stock cap may refuse."""
    booking = find(session, office, scanned)
    if booking.status in ("checked_in", "late") and booking.ticket is not None:
        return CheckinResult(ALREADY, booking, booking.ticket)
    if booking.status != "booked":
        raise Conflict("This booking was cancelled or released and cannot be used.", status=booking.status)
    rules = office_settings(session, office).rules()
    today = office_day(now, office.timezone)
    decision = decide(now=now, slot_start=booking.slot_start, slot_end=booking.slot_end, rules=rules,
                      today_matches=booking.day == today)
    if decision.outcome == WRONG_DAY:
        return CheckinResult(OTHER_DAY, booking, day=booking.day)
    if decision.outcome == EARLY:
        return CheckinResult(COME_BACK, booking, come_back_at=decision.come_back_at)
    service = booking.service
    if decision.outcome == LATE:
        if rules.late_policy == "rebook":
            end(booking, "no_show", now)
            _log(session, booking, "late", actor, now, "rebook")
            return CheckinResult(REBOOK, booking)
        # a walk-in like anyone arriving now: the service's quota applies
        ticket, events = svc.issue_ticket(session, office=office, service=service, now=now, device_id=device_id,
                                          actor=actor, quota_caps=quota_caps, quota_holds=quota_holds)
        booking.status, booking.checked_in_at, booking.ticket_id = "late", now, ticket.id
        booking.ticket = ticket
        _log(session, booking, "late", actor, now, f"walk-in {ticket.code}")
        return CheckinResult(LATE_WALK_IN, booking, ticket, events=events)
    assert decision.outcome == OK
    slot = slot_of(session, booking)
    places = slot.bookable if slot is not None else 1
    appt = appointment(booking.slot_start, booking.slot_end, place=booking.place, places=places, spread=rules.spread)
    queued_at = queued_at_for(rule=rules.queue_rule, now=now, appointment_at=appt,
                              waiting=_waiting(session, service.id, today))
    # its place was kept for it: the stock cap must not refuse it
    ticket, events = svc.issue_ticket(session, office=office, service=service, now=now, device_id=device_id,
                                      actor=actor, held=True)
    _requeue(session, ticket, queued_at, events)
    booking.status, booking.checked_in_at, booking.ticket_id = "checked_in", now, ticket.id
    booking.ticket = ticket
    _log(session, booking, "check_in", actor, now, ticket.code)
    return CheckinResult(CHECKED_IN, booking, ticket, events=events)
