"""Advice from wait estimates, and booked arrivals still to come for the estimator. Pure.

**When to leave home.** A citizen who took a same-day ticket from home should be at the office
before the counter can call them. The estimate's P10 (the wait that 9 in 10 runs of the queue
replay exceed) is the early end: leave at ``now + P10 - travel - margin``; when that moment has
passed, "berangkat sekarang". Without an estimate (no open counter serves the service yet) there is
nothing to advise beyond the opening hours, and the page says so.

**Turn near.** One "about N people ahead" message when the position first falls to the office's
threshold, and one "called" message; never twice.

**Booked arrivals.** Bookings of today not checked in yet, whose window is still open, will join
the queue (most of them): :func:`expected_arrivals` turns them into arrivals at their appointment
(or now, when it has passed), with the office's show-up rate as their probability, so wait
estimates of walk-ins count the bookings that will go before them.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bookings.checkin import CheckinRules, Waiting, parse_queue_rule, queued_at_for, window
from queue_service.domain.clock import as_utc

NOW = "now"
LATER = "later"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class LeaveAdvice:
    #: "now" | "later" | "unknown" (no estimate)
    when: str
    leave_at: datetime | None = None


def leave_advice(*, now: datetime, estimate: Mapping | None, travel_minutes: int,
                 margin_minutes: int = 10) -> LeaveAdvice:
    """``estimate`` is a wait estimate ``{"minutes", "p10", "p90"}`` (whole minutes) or None."""
    if travel_minutes < 0 or margin_minutes < 0:
        raise ValueError("travel and margin minutes must be >= 0")
    if not estimate or estimate.get("p10") is None:
        return LeaveAdvice(UNKNOWN)
    now = as_utc(now)
    leave_at = now + timedelta(minutes=float(estimate["p10"]) - travel_minutes - margin_minutes)
    if leave_at <= now:
        return LeaveAdvice(NOW, now)
    return LeaveAdvice(LATER, leave_at.replace(second=0, microsecond=0))


def leave_for_slot(*, slot_start: datetime, travel_minutes: int, early_minutes: int = 10) -> datetime:
    """When to leave for a booked slot: arrive ``early_minutes`` before it starts."""
    return as_utc(slot_start) - timedelta(minutes=travel_minutes + early_minutes)


def near_due(*, position: int | None, threshold: int, already_sent: bool) -> bool:
    """Send the "about N people ahead" message now? (``position``: people ahead; None = not waiting)."""
    return not already_sent and position is not None and threshold > 0 and position <= threshold


@dataclass(frozen=True)
class BookedVisit:
    """A booking of today as the estimate needs it."""

    id: Hashable
    service_id: int
    slot_start: datetime
    slot_end: datetime
    appointment: datetime
    checked_in: bool = False


@dataclass(frozen=True)
class ExpectedArrival:
    """Someone expected to join a service's queue at ``at`` with ``queued_at``, with ``probability``."""

    id: Hashable
    service_id: int
    at: datetime
    queued_at: datetime
    probability: float


def expected_arrivals(visits: Sequence[BookedVisit], *, now: datetime, rules: CheckinRules, show_rate: float,
                      waiting: Mapping[int, Sequence[Waiting]] | None = None,
                      lead_minutes: int = 10) -> list[ExpectedArrival]:
    """Today's bookings still to come (not checked in, window not closed) as arrivals: they come
    ``lead_minutes`` before their appointment (now at the latest) and take the ``queued_at`` the
    office's queue rule gives them; with ``interleave:N`` that depends on who waits, taken from
    ``waiting`` (service id -> its waiting tickets in call order) as it stands now."""
    if not 0.0 <= show_rate <= 1.0:
        raise ValueError("show_rate must be within [0, 1]")
    now = as_utc(now)
    rule = parse_queue_rule(rules.queue_rule)
    out = []
    for v in visits:
        if v.checked_in or now > window(v.slot_start, v.slot_end, rules).closes:
            continue
        at = max(now, as_utc(v.appointment) - timedelta(minutes=lead_minutes))
        queued = queued_at_for(rule=rule, now=at, appointment_at=v.appointment,
                               waiting=(waiting or {}).get(v.service_id, ()))
        out.append(ExpectedArrival(v.id, v.service_id, at, queued, show_rate))
    return out


def show_rate(*, kept: int, no_shows: int, prior_kept: float = 8.0, prior_missed: float = 2.0) -> float:
    """The share of bookings that came, from the office's recent record with a prior of 8 in 10
    (a new office has no record; a small record moves the rate only a little)."""
    return (kept + prior_kept) / (kept + no_shows + prior_kept + prior_missed)
