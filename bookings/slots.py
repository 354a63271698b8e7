"""Booking slots of a service on one office-local day, and what each slot may take.

Pure: no Flask, no SQLAlchemy. Times are the office's own wall-clock times (WIB, WITA, WIT); every
slot also carries its aware start and end, so comparisons with ``now`` (UTC) are exact.

A service's booking settings (:class:`SlotSettings`):

* ``slot_minutes`` - slot length (e.g. 60: 08:00-09:00, 09:00-10:00, ...);
* ``capacity`` - citizens the service's counters take in one slot, walk-ins and bookings together
  (e.g. 20 an hour); ``overrides`` set it per slot start ("08:00=20, 12:00=8");
* ``walkin_share`` - the share of every slot kept for walk-ins (0.3 keeps 6 of 20; bookings take 14);
* ``bookable_from`` / ``bookable_until`` - bookings only in part of the opening hours (e.g. mornings);
* ``breaks`` - no slot may overlap them (lunch; the Friday prayer: "5 11:30-13:00");
* ``daily_cap`` - at most this many bookings a day, whatever the slots add up to;
* ``min_days_ahead`` / ``max_days_ahead`` - how far ahead one may book (Kabupaten Tegal: at least a
  day ahead, so 1); ``cutoff_minutes`` - same-day slots close this long before they start.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from queue_service.domain.clock import as_utc, zone

MIN_SLOT_MINUTES = 5
MAX_SLOT_MINUTES = 480
MAX_CAPACITY = 10_000
MAX_DAYS_AHEAD = 180


@dataclass(frozen=True)
class Break:
    """No booking slot overlaps ``start``-``end`` on the ISO ``weekdays`` given (all days when empty)."""

    start: time
    end: time
    weekdays: frozenset[int] = frozenset()

    def applies(self, day: date) -> bool:
        return not self.weekdays or day.isoweekday() in self.weekdays


@dataclass(frozen=True)
class SlotSettings:
    slot_minutes: int = 60
    capacity: int = 20
    walkin_share: float = 0.3
    overrides: Mapping[time, int] = field(default_factory=dict)
    bookable_from: time | None = None
    bookable_until: time | None = None
    breaks: tuple[Break, ...] = ()
    daily_cap: int | None = None
    min_days_ahead: int = 0
    max_days_ahead: int = 14
    cutoff_minutes: int = 30

    def __post_init__(self):
        problems = validate(self)
        if problems:
            raise ValueError("; ".join(problems))


def validate(s: SlotSettings) -> list[str]:
    """What is wrong with ``s`` (empty when nothing), in sentences a manager understands."""
    out = []
    if not MIN_SLOT_MINUTES <= s.slot_minutes <= MAX_SLOT_MINUTES:
        out.append(f"slot length must be {MIN_SLOT_MINUTES}-{MAX_SLOT_MINUTES} minutes")
    if not 0 <= s.capacity <= MAX_CAPACITY:
        out.append(f"capacity per slot must be 0-{MAX_CAPACITY}")
    if not 0.0 <= s.walkin_share <= 1.0 or math.isnan(s.walkin_share):
        out.append("the walk-in share must be between 0 and 1 (0% and 100%)")
    for t, cap in s.overrides.items():
        if not 0 <= cap <= MAX_CAPACITY:
            out.append(f"capacity of the {t:%H:%M} slot must be 0-{MAX_CAPACITY}")
    if s.bookable_from and s.bookable_until and s.bookable_from >= s.bookable_until:
        out.append("bookings must start before they end")
    for b in s.breaks:
        if b.start >= b.end:
            out.append(f"break {b.start:%H:%M}-{b.end:%H:%M} ends before it starts")
    if s.daily_cap is not None and not 0 <= s.daily_cap <= MAX_CAPACITY:
        out.append(f"the daily cap must be 0-{MAX_CAPACITY}")
    if not 0 <= s.min_days_ahead <= s.max_days_ahead <= MAX_DAYS_AHEAD:
        out.append(f"days ahead must satisfy 0 <= minimum <= maximum <= {MAX_DAYS_AHEAD}")
    if not 0 <= s.cutoff_minutes <= 24 * 60:
        out.append("the cut-off must be 0-1440 minutes")
    return out


def bookable_places(capacity: int, walkin_share: float) -> int:
    """Places of a slot open to bookings: what the walk-in share leaves, rounded down (walk-ins
    keep the odd place). ``bookable_places(20, 0.3) == 14``."""
    if capacity <= 0:
        return 0
    return max(0, math.floor(capacity * (1.0 - walkin_share) + 1e-9))


@dataclass(frozen=True)
class Slot:
    """One slot of one day: local wall-clock ``start``/``end`` (aware, office zone)."""

    start: datetime
    end: datetime
    #: citizens the counters take in this slot (walk-ins + bookings)
    capacity: int
    #: of which bookings may take
    bookable: int

    @property
    def key(self) -> str:
        """``"09:00"``: the slot's name within its day (stable across time zones)."""
        return f"{self.start:%H:%M}"

    @property
    def start_utc(self) -> datetime:
        return as_utc(self.start)

    @property
    def end_utc(self) -> datetime:
        return as_utc(self.end)

    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def _at(day: date, t: time, tz_name: str) -> datetime:
    return datetime.combine(day, t, tzinfo=zone(tz_name))


def generate_slots(day: date, *, tz_name: str, opens_at: time, closes_at: time,
                   settings: SlotSettings) -> list[Slot]:
    """The day's slots: back to back from opening (or ``bookable_from``) while a whole slot fits
    before closing (or ``bookable_until``), skipping any that overlaps a break. The calendar
    (holidays, closures) is not consulted here: a closed day is the caller's business."""
    first = max(opens_at, settings.bookable_from) if settings.bookable_from else opens_at
    last = min(closes_at, settings.bookable_until) if settings.bookable_until else closes_at
    start = _at(day, first, tz_name)
    stop = _at(day, last, tz_name)
    length = timedelta(minutes=settings.slot_minutes)
    breaks = [(_at(day, b.start, tz_name), _at(day, b.end, tz_name)) for b in settings.breaks if b.applies(day)]
    out = []
    t = start
    while t + length <= stop:
        end = t + length
        if not any(t < b_end and b_start < end for b_start, b_end in breaks):
            cap = settings.overrides.get(t.time().replace(tzinfo=None), settings.capacity)
            out.append(Slot(start=t, end=end, capacity=cap, bookable=bookable_places(cap, settings.walkin_share)))
        t = end
    return out


def slot_by_key(slots: Iterable[Slot], key: str) -> Slot | None:
    return next((s for s in slots if s.key == key), None)


def within_booking_horizon(day: date, today: date, settings: SlotSettings) -> str | None:
    """None when ``day`` may be booked today, else why not: ``"past"``, ``"too_soon"`` (less than
    ``min_days_ahead``) or ``"too_far"`` (more than ``max_days_ahead``)."""
    ahead = (day - today).days
    if ahead < 0:
        return "past"
    if ahead < settings.min_days_ahead:
        return "too_soon"
    if ahead > settings.max_days_ahead:
        return "too_far"
    return None


def slot_open_for_booking(slot: Slot, now: datetime, settings: SlotSettings) -> bool:
    """A slot takes bookings until ``cutoff_minutes`` before it starts."""
    return as_utc(now) <= slot.start_utc - timedelta(minutes=settings.cutoff_minutes)


# --------------------------------------------------------------------------- manager form text

_TIME = r"([01]?\d|2[0-3])[:.]([0-5]\d)"
_OVERRIDE_RE = re.compile(rf"^\s*{_TIME}\s*=\s*(\d+)\s*$")
_BREAK_RE = re.compile(rf"^\s*(?:([1-7]+)\s+)?{_TIME}\s*-\s*{_TIME}\s*$")


def parse_time(text: str) -> time:
    m = re.fullmatch(_TIME, (text or "").strip())
    if not m:
        raise ValueError(f"{text!r} is not a time such as 08:00")
    return time(int(m.group(1)), int(m.group(2)))


def parse_overrides(text: str) -> dict[time, int]:
    """``"08:00=20, 12:00=8"`` -> {08:00: 20, 12:00: 8}; commas, semicolons or new lines between."""
    out: dict[time, int] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", text or ""))):
        m = _OVERRIDE_RE.match(part)
        if not m:
            raise ValueError(f"{part!r}: write a slot capacity as 08:00=20")
        t = time(int(m.group(1)), int(m.group(2)))
        if t in out:
            raise ValueError(f"the {t:%H:%M} slot is given twice")
        cap = int(m.group(3))
        if cap > MAX_CAPACITY:
            raise ValueError(f"{part!r}: at most {MAX_CAPACITY} a slot")
        out[t] = cap
    return out


def format_overrides(overrides: Mapping[time, int]) -> str:
    return ", ".join(f"{t:%H:%M}={n}" for t, n in sorted(overrides.items()))


def parse_breaks(text: str) -> tuple[Break, ...]:
    """``"12:00-13:00; 5 11:30-13:00"`` -> lunch every day, and 11:30-13:00 on Fridays (ISO 5)."""
    out = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", text or ""))):
        m = _BREAK_RE.match(part)
        if not m:
            raise ValueError(f"{part!r}: write a break as 12:00-13:00, or 5 11:30-13:00 for Fridays only")
        days = frozenset(int(c) for c in m.group(1)) if m.group(1) else frozenset()
        start, end = time(int(m.group(2)), int(m.group(3))), time(int(m.group(4)), int(m.group(5)))
        if start >= end:
            raise ValueError(f"{part!r}: the break ends before it starts")
        out.append(Break(start, end, days))
    return tuple(out)


def format_breaks(breaks: Iterable[Break]) -> str:
    return "; ".join((f"{''.join(str(d) for d in sorted(b.weekdays))} " if b.weekdays else "")
                     + f"{b.start:%H:%M}-{b.end:%H:%M}" for b in breaks)
