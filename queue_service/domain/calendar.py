"""The office calendar: which office-local days an office serves, and why not when it does not.

One calendar for the kiosk, the booking pages and the stock forecast (pure: no Flask, no SQLAlchemy).
A day is closed when

* its ISO weekday is not in the office's ``open_days`` ("12345" = Monday to Friday);
* it is an Indonesian national holiday (the ``holidays`` package, the same source the stock forecast
  uses), or - when the office chooses to - a *cuti bersama* day (collective leave of civil servants;
  many Disdukcapil offices keep a service desk open on those, so it is a per-office choice);
* the office entered a closure for it (a local holiday, an office move, a network outage planned ...).

An office entry can also *open* a day that would otherwise be closed (a Saturday service day, a
cuti bersama day with a service desk): entries win over weekdays and holidays.

Names of holidays come in Indonesian or English (the ``holidays`` package's own translations).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

#: reasons a day is closed (stable machine codes; pages translate them)
WEEKDAY = "weekday"
HOLIDAY = "holiday"
COLLECTIVE_LEAVE = "cuti_bersama"
CLOSURE = "closure"

#: the longest span a calendar query walks (a guard against runaway loops on bad input)
MAX_SPAN_DAYS = 800


@dataclass(frozen=True)
class CalendarEntry:
    """An office's own entry for one day: ``open=False`` closes it (``note`` says why),
    ``open=True`` opens a day the weekdays or holidays would close."""

    day: date
    open: bool = False
    note: str = ""


@dataclass(frozen=True)
class DayStatus:
    day: date
    open: bool
    #: None when open; else WEEKDAY | HOLIDAY | COLLECTIVE_LEAVE | CLOSURE
    reason: str | None = None
    #: the holiday's name or the closure's note ("" for a weekday)
    name: str = ""


def _lang(locale: str) -> str:
    return "en_US" if (locale or "").lower().startswith("en") else "id"


@lru_cache(maxsize=128)
def national_holidays(year: int, locale: str = "id", collective_leave: bool = False) -> Mapping[date, str]:
    """Indonesian public holidays of ``year`` -> their names (``collective_leave``: the cuti bersama
    days only, from the package's ``government`` category)."""
    import holidays

    categories = ("government",) if collective_leave else ("public",)
    return dict(holidays.Indonesia(years=year, language=_lang(locale), categories=categories))


def parse_open_days(text: str | None) -> frozenset[int]:
    """``"12345"`` -> {1, 2, 3, 4, 5}; raises ``ValueError`` for anything but ISO weekday digits."""
    text = (text or "").strip()
    if not text or any(c not in "1234567" for c in text):
        raise ValueError(f"open days must be ISO weekday digits 1-7 (1 = Monday), got {text!r}")
    return frozenset(int(c) for c in text)


@dataclass(frozen=True)
class OfficeCalendar:
    """An office's serving days. ``entries`` maps a date to the office's own entry for it."""

    open_days: str = "12345"
    entries: Mapping[date, CalendarEntry] = field(default_factory=dict)
    #: close on cuti bersama days too (default: they are working days with a service desk)
    close_on_collective_leave: bool = False
    #: honour national holidays (switch off only for a service point that serves on them)
    close_on_holidays: bool = True

    def __post_init__(self):
        parse_open_days(self.open_days)  # fail early on a bad setting

    @classmethod
    def build(cls, open_days: str, entries: Iterable[CalendarEntry] = (), **kw) -> OfficeCalendar:
        return cls(open_days=open_days, entries={e.day: e for e in entries}, **kw)

    def status(self, day: date, locale: str = "id") -> DayStatus:
        entry = self.entries.get(day)
        if entry is not None:
            if entry.open:
                return DayStatus(day, True)
            return DayStatus(day, False, CLOSURE, entry.note)
        if self.close_on_holidays:
            name = national_holidays(day.year, locale).get(day)
            if name:
                return DayStatus(day, False, HOLIDAY, name)
        if self.close_on_collective_leave:
            name = national_holidays(day.year, locale, True).get(day)
            if name:
                return DayStatus(day, False, COLLECTIVE_LEAVE, name)
        if day.isoweekday() not in parse_open_days(self.open_days):
            return DayStatus(day, False, WEEKDAY)
        return DayStatus(day, True)

    def is_open(self, day: date) -> bool:
        return self.status(day).open

    def days(self, start: date, end: date) -> Iterator[DayStatus]:
        """Every day from ``start`` to ``end`` inclusive."""
        if (end - start).days > MAX_SPAN_DAYS:
            raise ValueError(f"a calendar span is at most {MAX_SPAN_DAYS} days")
        d = start
        while d <= end:
            yield self.status(d)
            d += timedelta(days=1)

    def closed_days(self, start: date, end: date) -> set[date]:
        """Closed dates in ``start..end`` (what ``inventory.forecast`` takes as ``closed``)."""
        return {s.day for s in self.days(start, end) if not s.open}

    def next_open(self, start: date, *, limit_days: int = 60) -> date | None:
        """The first open day on or after ``start`` within ``limit_days`` (None if none)."""
        for i in range(limit_days + 1):
            d = start + timedelta(days=i)
            if self.is_open(d):
                return d
        return None
