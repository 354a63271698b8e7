"""Demo booking settings for the demo office (called through the seeders hook of ``adminduk seed-demo``):
Pencetakan KTP-el, Kartu Keluarga and Akta Kelahiran take bookings in hourly slots with 30 % kept for
walk-ins and a lunch break (Friday: the Friday prayer); Kartu Keluarga also takes same-day tickets from home."""
from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bookings.models import BookingOffice, BookingService
from queue_service.models import Office, Service

DEMO = {  # service code -> (capacity per hour, remote daily cap or None for no remote queueing)
    "CETAK": (20, None),
    "KK": (12, 40),
    "LAHIR": (10, None),
}


def seed_bookings(session: Session, data: dict, now: datetime) -> dict:
    office = session.scalar(select(Office).where(Office.code == data["office"]["code"]))
    services = {s.code: s for s in session.scalars(select(Service).where(Service.office_id == office.id))}
    enabled = []
    for code, (capacity, remote_cap) in DEMO.items():
        service = services.get(code)
        if service is None:
            continue
        session.add(BookingService(service_id=service.id, enabled=True, slot_minutes=60, capacity=capacity,
                                   walkin_share=0.3, overrides="", bookable_from=None, bookable_until=None,
                                   breaks="12:00-13:00; 5 11:30-13:00", daily_cap=None, min_days_ahead=0,
                                   max_days_ahead=14, cutoff_minutes=30, remote_enabled=remote_cap is not None,
                                   remote_daily_cap=remote_cap, version=0))
        enabled.append(code)
    session.add(BookingOffice(office_id=office.id, early_minutes=30, late_minutes=15, late_from="start",
                              late_policy="walk_in", queue_rule="slot", spread=True, near_threshold=5,
                              reminder_days_before=1, reminder_time=time(18, 0)))
    session.flush()
    return {"bookings": enabled, "booking_url": f"/book/{office.code}"}
