"""Check-in at the kiosk and how a checked-in booking joins the walk-in queue. Pure.

**Window.** A booking may check in from ``early_minutes`` before its slot starts until
``late_minutes`` after it starts (``late_from="start"``, default) or after it ends
(``late_from="end"``). Early: "come back at HH:MM" (the window's opening, office time). Late: per the
office's policy, a walk-in ticket (``late_policy="walk_in"``: the citizen joins the queue like anyone
arriving now), or a new booking (``"rebook"``: the page offers the next places). A booking never
checked in is released at the window's end and counted as a no-show.

**Joining the queue.** ``call_next`` orders waiting tickets by (priority preference, ``queued_at``,
id); a checked-in booking becomes an ordinary waiting ticket, and the rule only decides its
``queued_at``:

* ``"slot"`` - served at its slot time: ``queued_at`` is its appointment (the slot's start, or, with
  ``spread``, the slot's start plus its place in the slot times the slot's length over its places,
  so the 14 bookings of 09:00-10:00 do not all go before the walk-ins who came at 09:05). Checked in
  early, walk-ins who come before the appointment go first; late within the window, it keeps its
  appointment;
* ``"arrival"`` - like a walk-in who came at check-in, the booking only guaranteed the place;
* ``"interleave:N"`` - one booking after every N walk-ins: it goes after the N-th walk-in that
  waits behind the last waiting booking (at the end when fewer wait).

Priority groups keep their policy in every case (``domain.priority``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from queue_service.domain.clock import as_utc

OK = "ok"
EARLY = "early"
LATE = "late"
WRONG_DAY = "wrong_day"
LATE_POLICIES = ("walk_in", "rebook")


@dataclass(frozen=True)
class CheckinRules:
    early_minutes: int = 30
    late_minutes: int = 15
    late_from: str = "start"        # "start" | "end" of the slot
    late_policy: str = "walk_in"    # "walk_in" | "rebook"
    queue_rule: str = "slot"        # "slot" | "arrival" | "interleave:N"
    spread: bool = True

    def __post_init__(self):
        if not 0 <= self.early_minutes <= 24 * 60 or not 0 <= self.late_minutes <= 24 * 60:
            raise ValueError("check-in minutes must be 0-1440")
        if self.late_from not in ("start", "end"):
            raise ValueError("late_from must be 'start' or 'end'")
        if self.late_policy not in LATE_POLICIES:
            raise ValueError(f"late policy must be one of {', '.join(LATE_POLICIES)}")
        parse_queue_rule(self.queue_rule)


@dataclass(frozen=True)
class QueueRule:
    kind: str  # slot | arrival | interleave
    every: int = 0

    def __str__(self) -> str:
        return f"interleave:{self.every}" if self.kind == "interleave" else self.kind


def parse_queue_rule(text: str | None) -> QueueRule:
    text = (text or "slot").strip().lower()
    if text in ("slot", "arrival"):
        return QueueRule(text)
    if text.startswith("interleave:"):
        try:
            every = int(text.split(":", 1)[1])
        except ValueError:
            every = 0
        if 1 <= every <= 100:
            return QueueRule("interleave", every)
    raise ValueError(f"unknown queue rule {text!r}: use slot, arrival or interleave:N (N = 1-100)")


@dataclass(frozen=True)
class Window:
    opens: datetime
    closes: datetime


def window(slot_start: datetime, slot_end: datetime, rules: CheckinRules) -> Window:
    anchor = slot_end if rules.late_from == "end" else slot_start
    return Window(as_utc(slot_start) - timedelta(minutes=rules.early_minutes),
                  as_utc(anchor) + timedelta(minutes=rules.late_minutes))


@dataclass(frozen=True)
class CheckinDecision:
    outcome: str                      # ok | early | late | wrong_day
    window: Window
    #: early: when to come back (the window's opening); late: what the office offers (late_policy)
    come_back_at: datetime | None = None
    offer: str | None = None


def decide(*, now: datetime, slot_start: datetime, slot_end: datetime, rules: CheckinRules,
           today_matches: bool = True) -> CheckinDecision:
    """May the booking check in at ``now``? ``today_matches``: the booking is for today (office day);
    a booking of another day is ``wrong_day`` whatever the clock says."""
    w = window(slot_start, slot_end, rules)
    now = as_utc(now)
    if not today_matches:
        return CheckinDecision(WRONG_DAY, w)
    if now < w.opens:
        return CheckinDecision(EARLY, w, come_back_at=w.opens)
    if now > w.closes:
        return CheckinDecision(LATE, w, offer=rules.late_policy)
    return CheckinDecision(OK, w)


def is_no_show(*, now: datetime, slot_start: datetime, slot_end: datetime, rules: CheckinRules) -> bool:
    """The window has closed without a check-in: release the place and count a no-show."""
    return as_utc(now) > window(slot_start, slot_end, rules).closes


def appointment(slot_start: datetime, slot_end: datetime, *, place: int, places: int, spread: bool) -> datetime:
    """The booking's time within its slot: the start, or with ``spread`` the start plus
    ``place`` (0-based) times the slot's length over its ``places``."""
    start = as_utc(slot_start)
    if not spread or places <= 1 or place <= 0:
        return start
    step = (as_utc(slot_end) - start) / places
    return start + step * min(place, places - 1)


@dataclass(frozen=True)
class Waiting:
    """A waiting ticket of the same service, in queue order, as the placement rule sees it."""

    queued_at: datetime
    booking: bool


def queued_at_for(*, rule: QueueRule | str, now: datetime, appointment_at: datetime,
                  waiting: Sequence[Waiting] = ()) -> datetime:
    """``queued_at`` of a booking checking in at ``now`` (``waiting``: the service's waiting tickets
    in call order, ``(queued_at, id)``). The result orders it where the rule says (ties go after the
    tickets already there: call order breaks ties by id)."""
    rule = parse_queue_rule(rule) if isinstance(rule, str) else rule
    now = as_utc(now)
    if rule.kind == "arrival":
        return now
    if rule.kind == "slot":
        return as_utc(appointment_at)
    ordered = sorted(waiting, key=lambda w: as_utc(w.queued_at))
    last_booking = max((i for i, w in enumerate(ordered) if w.booking), default=-1)
    walkins = [w for w in ordered[last_booking + 1:] if not w.booking]
    if len(walkins) < rule.every:
        return now
    return min(now, as_utc(walkins[rule.every - 1].queued_at))
