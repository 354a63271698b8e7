"""Survey and report periods as office-local calendar dates (pure).

A period is written the way managers say it and URLs carry it:

* ``2026-01``  a month,
* ``2026-Q1``  a quarter (triwulan),
* ``2026-S1``  a semester (semester I = January–June),
* ``2026``     a year (the regulation asks for a survey at least once a year).

``start`` and ``end`` are both inclusive (the monthly report's convention), in the office's own calendar:
the caller turns them into UTC instants with the office's time zone when it queries timestamps.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_RE = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])|S(?P<semester>[12])))?$")

MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember")


class BadPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    kind: str      # month | quarter | semester | year
    key: str       # "2026-01", "2026-Q1", "2026-S1", "2026"
    start: date
    end: date      # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Period:
        return containing(self.start - timedelta(days=1), self.kind)

    def next(self) -> Period:
        return containing(self.end + timedelta(days=1), self.kind)

    def label(self, locale: str = "id") -> str:
        y = self.start.year
        if self.kind == "month":
            if locale == "en":
                return f"{calendar.month_name[self.start.month]} {y}"
            return f"{MONTHS_ID[self.start.month - 1]} {y}"
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            return f"Q{q} {y}" if locale == "en" else f"Triwulan {q} {y}"
        if self.kind == "semester":
            s = 1 if self.start.month == 1 else 2
            return f"H{s} {y}" if locale == "en" else f"Semester {'I' * s} {y}"
        return str(y)


def _bounds(year: int, first_month: int, months: int) -> tuple[date, date]:
    last_month = first_month + months - 1
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def parse(text: str) -> Period:
    """A period from its key; :class:`BadPeriod` for anything else (``2026-13``, ``26-01``, ``2026-Q5``)."""
    text = (text or "").strip()
    m = _RE.match(text) if text.isascii() else None  # \d also takes Arabic-Indic and full-width digits
    if not m:
        raise BadPeriod(f"not a period: {text!r} (use 2026-01, 2026-Q1, 2026-S1 or 2026)")
    year = int(m["year"])
    if not 2000 <= year <= 2100:
        raise BadPeriod(f"year out of range: {year}")
    if m["month"]:
        month = int(m["month"])
        if not 1 <= month <= 12:
            raise BadPeriod(f"no month {month}")
        return Period("month", f"{year}-{month:02d}", *_bounds(year, month, 1))
    if m["quarter"]:
        q = int(m["quarter"])
        return Period("quarter", f"{year}-Q{q}", *_bounds(year, 3 * q - 2, 3))
    if m["semester"]:
        s = int(m["semester"])
        return Period("semester", f"{year}-S{s}", *_bounds(year, 6 * s - 5, 6))
    return Period("year", str(year), *_bounds(year, 1, 12))


def containing(day: date, kind: str = "month") -> Period:
    """The period of ``kind`` that contains ``day``."""
    if kind == "month":
        return parse(f"{day.year}-{day.month:02d}")
    if kind == "quarter":
        return parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if kind == "semester":
        return parse(f"{day.year}-S{1 if day.month <= 6 else 2}")
    if kind == "year":
        return parse(str(day.year))
    raise BadPeriod(f"unknown period kind {kind!r}")
