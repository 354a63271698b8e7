"""An office's calendar from the database (its entries and its cuti bersama choice), and edits to it.
Takes a session; never commits; no Flask."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from queue_service.domain.calendar import CalendarEntry, DayStatus, OfficeCalendar
from queue_service.domain.clock import office_day
from queue_service.domain.errors import NotFound, ValidationFailed
from queue_service.models import Office, Setting
from queue_service.models.calendar import OfficeCalendarEntry

#: ``Setting`` key: "1" when the office closes on cuti bersama days
COLLECTIVE_LEAVE_SETTING = "calendar.close_on_cuti_bersama"
MAX_NOTE = 120


_E = OfficeCalendarEntry.__table__.c
_ENTRIES = select(_E.day, _E.open, _E.note).where(_E.office_id == bindparam("office_id"))
_LEAVE = select(Setting.__table__.c.value).where(Setting.__table__.c.office_id == bindparam("office_id"),
                                                 Setting.__table__.c.key == COLLECTIVE_LEAVE_SETTING)


def office_calendar(session: Session, office: Office) -> OfficeCalendar:
    entries = session.execute(_ENTRIES, {"office_id": office.id}).all()
    close_on_leave = session.scalar(_LEAVE, {"office_id": office.id}) == "1"
    return OfficeCalendar.build(office.open_days or "12345", [CalendarEntry(d, o, n) for d, o, n in entries],
                                close_on_collective_leave=close_on_leave)


def today_status(session: Session, office: Office, now: datetime, locale: str = "id") -> DayStatus:
    """Is the office serving today (office-local day)?"""
    return office_calendar(session, office).status(office_day(now, office.timezone), locale)


def upcoming_entries(session: Session, office: Office, since: date) -> list[OfficeCalendarEntry]:
    return list(session.scalars(select(OfficeCalendarEntry).where(
        OfficeCalendarEntry.office_id == office.id, OfficeCalendarEntry.day >= since)
        .order_by(OfficeCalendarEntry.day)))


def set_entry(session: Session, office: Office, *, day: date, open: bool, note: str, now: datetime,
              actor: str = "") -> OfficeCalendarEntry:
    """Close (or open) ``day`` for ``office``; replaces an entry of the same day."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(f"The note is longer than {MAX_NOTE} characters.", field="note")
    if not open and not note:
        raise ValidationFailed("Say why the office is closed (citizens see it).", field="note")
    entry = session.scalar(select(OfficeCalendarEntry).where(
        OfficeCalendarEntry.office_id == office.id, OfficeCalendarEntry.day == day))
    if entry is None:
        entry = OfficeCalendarEntry(office_id=office.id, day=day, created_at=now)
        session.add(entry)
    entry.open, entry.note, entry.created_by, entry.created_at = open, note, actor[:80], now
    return entry


def remove_entry(session: Session, office: Office, entry_id: int) -> None:
    entry = session.get(OfficeCalendarEntry, entry_id)
    if entry is None or entry.office_id != office.id:
        raise NotFound("That calendar entry does not exist.")
    session.delete(entry)


def set_collective_leave(session: Session, office: Office, closed: bool) -> None:
    row = session.scalar(select(Setting).where(Setting.office_id == office.id,
                                               Setting.key == COLLECTIVE_LEAVE_SETTING))
    if row is None:
        row = Setting(office_id=office.id, key=COLLECTIVE_LEAVE_SETTING)
        session.add(row)
    row.value = "1" if closed else "0"
