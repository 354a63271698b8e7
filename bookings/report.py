"""Booking figures of a period for the monthly report (a report section of the figures feature):
bookings made, kept (checked in on time or late), cancelled, no-shows, and how early people checked in.
Takes a session; never commits; no Flask."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bookings.models import Booking
from queue_service.domain.clock import as_utc
from queue_service.models import Service


@dataclass
class BookingFigures:
    made: int = 0
    kept: int = 0
    late: int = 0
    cancelled: int = 0
    no_show: int = 0
    open: int = 0
    #: median minutes between check-in and the slot's start (negative: before it)
    median_checkin_minutes: float | None = None
    per_service: list[dict] = field(default_factory=list)

    @property
    def kept_share(self) -> float | None:
        due = self.kept + self.late + self.no_show
        return None if due == 0 else (self.kept + self.late) / due


def figures(session: Session, office_id: int, start: date, end: date) -> BookingFigures:
    """Bookings whose day is in ``start``..``end`` (office-local days, end inclusive)."""
    rows = session.execute(select(Booking.service_id, Booking.status, func.count(Booking.id)).where(
        Booking.office_id == office_id, Booking.day >= start, Booking.day <= end)
        .group_by(Booking.service_id, Booking.status)).all()
    out = BookingFigures()
    by_service: dict[int, dict] = {}
    names = dict(session.execute(select(Service.id, Service.code).where(Service.office_id == office_id)).all())
    key = {"checked_in": "kept", "late": "late", "cancelled": "cancelled", "no_show": "no_show", "booked": "open"}
    for service_id, status, n in rows:
        attr = key.get(status, "open")
        setattr(out, attr, getattr(out, attr) + n)
        out.made += n
        s = by_service.setdefault(service_id, {"service": names.get(service_id, "?"), "made": 0, "kept": 0,
                                               "late": 0, "cancelled": 0, "no_show": 0, "open": 0})
        s[attr] += n
        s["made"] += n
    out.per_service = sorted(by_service.values(), key=lambda r: r["service"])
    deltas = sorted((as_utc(c) - as_utc(s)).total_seconds() / 60 for c, s in session.execute(
        select(Booking.checked_in_at, Booking.slot_start).where(
            Booking.office_id == office_id, Booking.day >= start, Booking.day <= end,
            Booking.checked_in_at.is_not(None))).all())
    if deltas:
        mid = len(deltas) // 2
        out.median_checkin_minutes = deltas[mid] if len(deltas) % 2 else (deltas[mid - 1] + deltas[mid]) / 2
    return out
