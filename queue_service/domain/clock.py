"""Time: the Clock port and the office day in the office's own time zone."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Indonesia's three zones, the ones an office picks from.
INDONESIAN_ZONES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


class Clock(Protocol):
    def now(self) -> datetime:  # aware, UTC
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


@dataclass
class FixedClock:
    """A clock for tests and simulations; ``advance`` moves it forward."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc))

    def now(self) -> datetime:
        return self.current

    def advance(self, **kw) -> datetime:
        self.current = self.current + timedelta(**kw)
        return self.current


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def as_utc(moment: datetime) -> datetime:
    """Aware UTC datetime; naive values (as SQLite returns them) are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def local_time(moment: datetime, tz_name: str) -> datetime:
    return as_utc(moment).astimezone(zone(tz_name))


def office_day(moment: datetime, tz_name: str) -> date:
    """The office-local calendar date of ``moment``: numbering restarts when it changes."""
    return local_time(moment, tz_name).date()


def zone_abbreviation(tz_name: str) -> str:
    return INDONESIAN_ZONES.get(tz_name, tz_name)
