"""What the bookings feature tells the rest of the queue through ``queue_service.hooks`` (registered by
``bookings.web.init_app``; service layer: no Flask, no commit):

- ``quota_hold``: places of today's quota kept back from walk-ins for today's bookings not checked in yet
  (a check-in issues with ``held=True`` and takes one of them);
- ``stock_promise``: blanks later days' bookings will take from stock, per day (inventory's kiosk stock cap
  keeps ``promised_from_stock`` of them back; today's are the quota hold, so nothing is counted twice);
- ``queue_arrivals``: today's bookings still to come, as expected arrivals for the wait estimates.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bookings.advice import BookedVisit, expected_arrivals, show_rate
from bookings.models import Booking
from bookings.checkin import appointment
from bookings.services.availability import office_settings
from bookings.services.booking import slot_of
from queue_service.domain.clock import office_day
from queue_service.hooks import ExpectedArrival
from queue_service.models import Office, Service

#: days of record the show rate is learnt from
SHOW_RATE_DAYS = 60


def quota_hold(session: Session, service: Service, day: date, now: datetime) -> int:
    """Today's bookings of ``service`` not checked in yet (released no-shows give their place back)."""
    return session.scalar(select(func.count(Booking.id)).where(
        Booking.service_id == service.id, Booking.day == day, Booking.status == "booked")) or 0


def stock_promise(session: Session, service: Service, today: date) -> dict[date, int]:
    """Bookings of ``service`` per later day (after ``today``) still to come."""
    rows = session.execute(select(Booking.day, func.count(Booking.id)).where(
        Booking.service_id == service.id, Booking.day > today, Booking.status == "booked")
        .group_by(Booking.day)).all()
    return {d: int(n) for d, n in rows}


def office_show_rate(session: Session, office: Office, today: date) -> float:
    """The share of the office's bookings of the last ``SHOW_RATE_DAYS`` days that came."""
    since = today - timedelta(days=SHOW_RATE_DAYS)
    counts = dict(session.execute(select(Booking.status, func.count(Booking.id)).where(
        Booking.office_id == office.id, Booking.day >= since, Booking.day < today,
        Booking.status.in_(["checked_in", "late", "no_show"])).group_by(Booking.status)).all())
    missed = int(counts.get("no_show", 0))
    kept = sum(int(n) for s, n in counts.items() if s != "no_show")
    return show_rate(kept=kept, no_shows=missed)


def queue_arrivals(session: Session, office: Office, now: datetime) -> list[ExpectedArrival]:
    """Today's bookings still to come at ``office`` (window not closed), each with the office's show rate,
    joining at the place the office's queue rule gives them."""
    today = office_day(now, office.timezone)
    booked = session.scalars(select(Booking).where(
        Booking.office_id == office.id, Booking.day == today, Booking.status == "booked")).all()
    if not booked:
        return []
    rules = office_settings(session, office).rules()
    places: dict[tuple[int, str], int] = {}  # (service, slot) -> bookable places, the slot generated once
    visits = []
    for b in booked:
        key = (b.service_id, b.slot_key)
        if key not in places:
            slot = slot_of(session, b)
            places[key] = slot.bookable if slot is not None else 1
        at = appointment(b.slot_start, b.slot_end, place=b.place, places=places[key], spread=rules.spread)
        visits.append(BookedVisit(b.id, b.service_id, b.slot_start, b.slot_end, at, False))
    rate = office_show_rate(session, office, today)
    return [ExpectedArrival(service_id=a.service_id, at=a.queued_at, probability=a.probability)
            for a in expected_arrivals(visits, now=now, rules=rules, show_rate=rate)]
