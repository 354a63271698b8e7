"""What is left to book: per slot and per day, with the reason when nothing is, and the next
dates with room. Pure: the caller reads the bookings and the caps; this decides.

Places left in a slot = the lowest of

* the slot's bookable places (capacity minus the walk-in share) minus the slot's bookings;
* the day's own cap (``SlotSettings.daily_cap``) minus the day's bookings;
* every cap a feature answers for (service, day) (:class:`Cap`): e.g. the blank-card forecast of
  the inventory feature says how many more printing bookings the blanks expected on hand that day
  allow (``reason="no_blanks"`` when none);

and nothing at all when the calendar closes the day, the day is outside the booking horizon, or
the slot's cut-off has passed. Over-booked slots (a manager lowered a capacity) show 0, never less.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bookings.slots import Slot, SlotSettings, slot_open_for_booking, within_booking_horizon
from queue_service.domain.calendar import DayStatus

#: reasons a slot or a day has no place (stable codes; pages say them in words)
FULL = "full"                 # slot or day fully booked
DAY_CAP = "day_cap"           # the service's daily booking cap is reached
CUT_OFF = "cut_off"           # the slot starts too soon (or has started)
NO_SLOTS = "no_slots"         # no slot fits the day's hours
NO_BLANKS = "no_blanks"       # the blank forecast leaves nothing for that day


@dataclass(frozen=True)
class Cap:
    """A feature's answer for (service, day): ``left`` more bookings allowed (None: no limit), and
    ``reason`` to show when it is 0 (e.g. ``"no_blanks"``); ``detail`` is for the manager (numbers)."""

    left: int | None
    reason: str = FULL
    detail: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class SlotAvailability:
    slot: Slot
    booked: int
    left: int
    reason: str | None = None


@dataclass(frozen=True)
class DayAvailability:
    day: date
    left: int
    slots: tuple[SlotAvailability, ...] = ()
    #: None when bookable; else a calendar reason (weekday/holiday/cuti_bersama/closure), a horizon
    #: reason (past/too_soon/too_far) or a capacity reason (full/day_cap/cut_off/no_slots/no_blanks...)
    reason: str | None = None
    #: a holiday's name or a closure's note
    reason_name: str = ""
    booked: int = 0

    @property
    def bookable(self) -> bool:
        return self.left > 0


def day_availability(*, day: date, now: datetime, today: date, calendar: DayStatus, slots: Sequence[Slot],
                     booked_by_slot: Mapping[str, int], settings: SlotSettings,
                     caps: Iterable[Cap] = ()) -> DayAvailability:
    """Places left on ``day`` and in each of its ``slots`` (see the module docstring)."""
    booked = sum(booked_by_slot.values())
    if not calendar.open:
        return DayAvailability(day, 0, (), calendar.reason, calendar.name, booked)
    horizon = within_booking_horizon(day, today, settings)
    if horizon is not None:
        return DayAvailability(day, 0, (), horizon, "", booked)
    if not slots:
        return DayAvailability(day, 0, (), NO_SLOTS, "", booked)

    day_left: int | None = None
    day_reason = FULL
    if settings.daily_cap is not None:
        day_left, day_reason = max(0, settings.daily_cap - booked), DAY_CAP
    for cap in caps:
        if cap.left is None:
            continue
        left = max(0, int(cap.left))
        if day_left is None or left < day_left or (left == 0 and day_left == 0 and cap.reason != FULL):
            day_left, day_reason = left, cap.reason

    out = []
    for slot in slots:
        taken = booked_by_slot.get(slot.key, 0)
        left = max(0, slot.bookable - taken)
        reason = None
        if not slot_open_for_booking(slot, now, settings):
            left, reason = 0, CUT_OFF
        elif day_left is not None and day_left < left:
            left = day_left
            reason = day_reason if left == 0 else None
        elif left == 0:
            reason = FULL
        out.append(SlotAvailability(slot, taken, left, reason))

    total = sum(s.left for s in out)
    if day_left is not None:
        total = min(total, day_left)
    reason = None
    if total == 0:
        if day_left == 0:
            reason = day_reason
        elif all(s.reason == CUT_OFF for s in out):
            reason = CUT_OFF
        else:
            reason = FULL
    return DayAvailability(day, total, tuple(out), reason, "", booked)


def next_dates_with_room(start: date, availability_of: Callable[[date], DayAvailability], *,
                         last: date, limit: int = 3) -> list[DayAvailability]:
    """Up to ``limit`` days from ``start`` to ``last`` (inclusive) with places left, in date order
    (what a full day offers instead)."""
    out = []
    d = start
    while d <= last and len(out) < limit:
        a = availability_of(d)
        if a.bookable:
            out.append(a)
        d += timedelta(days=1)
    return out


# --------------------------------------------------------------------------- same-day remote queueing

REMOTE_OFF = "remote_off"             # the office does not take remote tickets for this service
REMOTE_CAP = "remote_cap"             # today's remote tickets are all taken
REMOTE_CLOSED = "office_closed"       # not while the office is closed (calendar or hours)
REMOTE_TOO_LATE = "too_late"          # too close to closing to come in time


def remote_refusal(*, enabled: bool, office_open_now: bool, cap: int | None, taken: int,
                   now: datetime, closes_at: datetime, last_minutes: int = 60) -> str | None:
    """None when a same-day remote ticket may be taken now, else why not. ``closes_at`` is today's
    closing time (aware); remote tickets stop ``last_minutes`` before it (nobody should set out for a
    counter that closes before they arrive). ``cap`` None = no cap beyond the service's own quota."""
    if not enabled:
        return REMOTE_OFF
    if not office_open_now:
        return REMOTE_CLOSED
    if now >= closes_at - timedelta(minutes=last_minutes):
        return REMOTE_TOO_LATE
    if cap is not None and taken >= cap:
        return REMOTE_CAP
    return None
