"""Settings, counts and places left, read from the database.

``availability`` answers for a service and a range of days: it reads the office calendar, the
service's booking settings, the booked counters, and asks every registered cap provider (the
inventory feature's blank forecast) with the bookings held on every day of the horizon, so a
provider can protect later days' bookings.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from bookings.availability import Cap, DayAvailability, day_availability
from bookings.limits import Limits
from bookings.models import DAY_ROW, REMOTE_ROW, BookingCounter, BookingOffice, BookingService
from bookings.slots import SlotSettings, generate_slots
from queue_service.domain.calendar import OfficeCalendar
from queue_service.domain.clock import office_day
from queue_service.models import Office, Service
from queue_service.services.calendar import office_calendar

log = logging.getLogger(__name__)

#: (session, service, days asked, bookings not served yet per day over the horizon, now)
#: -> {day: Cap or (left, reason, detail)} (plain tuples: a provider need not import this feature)
CapProvider = Callable[[Session, Service, Sequence[date], Mapping[date, int], datetime], Mapping]


@dataclass
class Env:
    """What the bookings services need from the deployment (built by the web layer from its config)."""

    secret: str
    public_base: str = ""
    limits: Limits = field(default_factory=Limits)
    caps: Sequence[CapProvider] = ()
    #: travel time assumed for "when to leave home" when the citizen gave none
    default_travel_minutes: int = 30


def service_settings(session: Session, service: Service) -> BookingService | None:
    """The service's booking settings if it takes bookings, else None (also when the stored settings do not
    make sense - edited outside the manager's form: no bookings rather than a broken page)."""
    row = session.get(BookingService, service.id)
    if row is None or not row.enabled or not service.active:
        return None
    try:
        row.slot_settings()
    except ValueError:
        log.warning("booking settings of service %s are invalid; it takes no bookings", service.id)
        return None
    return row


def office_settings(session: Session, office: Office) -> BookingOffice:
    """The office's check-in and message settings (defaults, not stored, when never set)."""
    row = session.get(BookingOffice, office.id)
    if row is None:
        row = BookingOffice(office_id=office.id, early_minutes=30, late_minutes=15, late_from="start",
                            late_policy="walk_in", queue_rule="slot", spread=True, near_threshold=5,
                            reminder_days_before=1, reminder_time=time(18, 0))
    return row


def bookable_services(session: Session, office: Office) -> list[tuple[Service, BookingService]]:
    rows = session.execute(select(Service, BookingService).join(BookingService, BookingService.service_id == Service.id)
                           .where(Service.office_id == office.id, BookingService.enabled.is_(True),
                                  Service.active.is_(True))
                           .order_by(Service.sort_order, Service.id)).all()
    return [(s, b) for s, b in rows if service_settings(session, s) is not None]


_C = BookingCounter.__table__.c
_DAY_COUNTS = select(_C.day, _C.booked).where(_C.service_id == bindparam("sid"), _C.slot_key == DAY_ROW,
                                              _C.day >= bindparam("start"), _C.day <= bindparam("end"))
_SLOT_COUNTS = select(_C.day, _C.slot_key, _C.booked).where(
    _C.service_id == bindparam("sid"), _C.day >= bindparam("start"), _C.day <= bindparam("end"),
    _C.slot_key.not_in([DAY_ROW, REMOTE_ROW]))
_REMOTE_COUNT = select(_C.booked).where(_C.service_id == bindparam("sid"), _C.day == bindparam("day"),
                                        _C.slot_key == REMOTE_ROW)


def day_counts(session: Session, service_id: int, start: date, end: date) -> dict[date, int]:
    """Places booked per day (the day rows)."""
    return dict(session.execute(_DAY_COUNTS, {"sid": service_id, "start": start, "end": end}).all())


def slot_counts(session: Session, service_id: int, days: Iterable[date]) -> dict[date, dict[str, int]]:
    days = list(days)
    out: dict[date, dict[str, int]] = defaultdict(dict)
    if not days:
        return out
    for day, key, n in session.execute(_SLOT_COUNTS, {"sid": service_id, "start": min(days), "end": max(days)}):
        out[day][key] = n
    return out


def remote_count(session: Session, service_id: int, day: date) -> int:
    return session.scalar(_REMOTE_COUNT, {"sid": service_id, "day": day}) or 0


def caps_for(session: Session, service: Service, days: Sequence[date], now: datetime, env: Env,
             horizon_end: date) -> dict[date, list[Cap]]:
    """Every provider's caps for ``days``; they see the bookings held from today to ``horizon_end``."""
    if not env.caps or not days:
        return {}
    held = _Lazy(lambda: held_bookings(session, service, now, horizon_end))  # read only by a provider that caps
    out: dict[date, list[Cap]] = defaultdict(list)
    for provider in env.caps:
        for day, cap in (provider(session, service, list(days), held, now) or {}).items():
            out[day].append(cap if isinstance(cap, Cap) else Cap(*cap))
    return out


class _Lazy(Mapping):
    """A mapping computed on first use (most services have no blank cap: their provider never reads it)."""

    def __init__(self, compute):
        self._compute, self._value = compute, None

    def _get(self) -> dict:
        if self._value is None:
            self._value = self._compute()
        return self._value

    def __getitem__(self, key):
        return self._get()[key]

    def __iter__(self):
        return iter(self._get())

    def __len__(self):
        return len(self._get())


def held_bookings(session: Session, service: Service, now: datetime, end: date) -> dict[date, int]:
    """Bookings not served yet per day from today to ``end``: later days' counters, and today's bookings
    still to come or checked in and not finished (a finished one took its blank off the ledger)."""
    from bookings.models import Booking
    from queue_service.domain import status as st
    from queue_service.models import Ticket

    today = office_day(now, service.office.timezone)
    held = {d: n for d, n in day_counts(session, service.id, today + timedelta(days=1), end).items() if n > 0}
    waiting = session.scalar(select(func.count(Booking.id)).outerjoin(Ticket, Ticket.id == Booking.ticket_id).where(
        Booking.service_id == service.id, Booking.day == today,
        (Booking.status == "booked") | ((Booking.status == "checked_in")
                                        & Ticket.status.in_([st.Status.WAITING, st.Status.CALLED,
                                                             st.Status.SERVING])))) or 0
    if waiting:
        held[today] = waiting
    return held


def availability(session: Session, *, office: Office, service: Service, settings: BookingService,
                 days: Sequence[date], now: datetime, env: Env,
                 calendar: OfficeCalendar | None = None) -> dict[date, DayAvailability]:
    """Places left on each of ``days`` (and in each slot), with the reason when none."""
    slot_settings = settings.slot_settings()
    cal = calendar or office_calendar(session, office)
    today = office_day(now, office.timezone)
    days = sorted(days)
    horizon_end = max([today + timedelta(days=slot_settings.max_days_ahead), *days]) if days else today
    statuses = {d: cal.status(d) for d in days}
    open_days = [d for d in days if statuses[d].open]
    caps = caps_for(session, service, open_days, now, env, horizon_end)
    counts = slot_counts(session, service.id, open_days)
    out = {}
    for d in days:
        slots = generate_slots(d, tz_name=office.timezone, opens_at=office.opens_at, closes_at=office.closes_at,
                               settings=slot_settings) if statuses[d].open else []
        out[d] = day_availability(day=d, now=now, today=today, calendar=statuses[d], slots=slots,
                                  booked_by_slot=counts.get(d, {}), settings=slot_settings,
                                  caps=caps.get(d, ()))
    return out


def horizon(now: datetime, office: Office, settings: SlotSettings) -> list[date]:
    """Every day a booking may be made for, from today."""
    today = office_day(now, office.timezone)
    return [today + timedelta(days=i) for i in range(settings.max_days_ahead + 1)]


def next_with_room(session: Session, *, office: Office, service: Service, settings: BookingService, after: date,
                   now: datetime, env: Env, limit: int = 3) -> list[DayAvailability]:
    """Up to ``limit`` days after ``after`` with places left (what a full day offers instead)."""
    days = [d for d in horizon(now, office, settings.slot_settings()) if d > after]
    found = availability(session, office=office, service=service, settings=settings, days=days, now=now, env=env)
    return [a for d, a in sorted(found.items()) if a.bookable][:limit]
