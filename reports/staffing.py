"""Staffing advice: how many counters each hour needs so that 9 in 10 citizens are called within the target
wait (pure: no Flask, no SQLAlchemy).

Erlang C (M/M/c): with arrivals λ per second, mean service time 1/μ, offered load a = λ/μ and c counters,
the chance of having to wait at all is C(c, a), and the waiting time's tail is
P(W > t) = C(c, a) · e^{-(cμ - λ)t}. The counters needed for an hour are the smallest c with
P(W > target) ≤ 1 - 0.9. Each hour is treated as if it were in a steady state of its own; the office-day
simulation in ``bench/staffing_check.py`` checks how far that holds.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

#: never advise more counters than this (a guard against absurd inputs, not a real office size)
MAX_COUNTERS = 1000


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/M/c/c, by the stable recurrence B(k) = a·B(k-1) / (k + a·B(k-1))."""
    if c < 0 or a < 0:
        raise ValueError("c and a must not be negative")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits (M/M/c, offered load ``a`` Erlang); 1.0 when c ≤ a (unstable)."""
    if a <= 0:
        return 0.0
    if c <= a:
        return 1.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


def p_wait_exceeds(c: int, arrivals_per_hour: float, mean_service_s: float, t_s: float) -> float:
    """P(W > t) for ``c`` counters: C(c, a) · e^{-(cμ - λ) t}."""
    if arrivals_per_hour <= 0:
        return 0.0
    lam = arrivals_per_hour / 3600.0
    mu = 1.0 / mean_service_s
    a = lam / mu
    if c <= a:
        return 1.0
    return min(1.0, erlang_c(c, a) * math.exp(-(c * mu - lam) * max(0.0, t_s)))


def wait_quantile(c: int, arrivals_per_hour: float, mean_service_s: float, q: float = 0.9) -> float:
    """The ``q``-quantile of the waiting time in seconds (math.inf when the counters cannot keep up)."""
    if arrivals_per_hour <= 0:
        return 0.0
    lam = arrivals_per_hour / 3600.0
    mu = 1.0 / mean_service_s
    a = lam / mu
    if c <= a:
        return math.inf
    pc = erlang_c(c, a)
    if pc <= 1 - q:
        return 0.0
    return math.log(pc / (1 - q)) / (c * mu - lam)


def counters_needed(arrivals_per_hour: float, mean_service_s: float, target_s: float, q: float = 0.9,
                    max_counters: int = MAX_COUNTERS) -> int:
    """The fewest counters that keep P(W > target) ≤ 1 - q; 0 when nobody arrives."""
    if arrivals_per_hour < 0 or mean_service_s <= 0 or target_s < 0 or not 0 < q < 1:
        raise ValueError("arrivals must be ≥ 0, the service time and q positive, the target ≥ 0")
    if arrivals_per_hour == 0:
        return 0
    a = arrivals_per_hour * mean_service_s / 3600.0
    c = max(1, math.floor(a) + 1)
    while c <= max_counters:
        if p_wait_exceeds(c, arrivals_per_hour, mean_service_s, target_s) <= 1 - q + 1e-12:
            return c
        c += 1
    return max_counters


@dataclass(frozen=True)
class HourAdvice:
    hour: int
    arrivals: float  # expected tickets issued in this hour
    mean_service_s: float | None  # load-weighted mean service time of what arrives
    target_s: float | None  # the strictest target among the services arriving
    needed: int  # counters needed by Erlang C (the hour alone, steady state)
    open: float | None  # counters actually open (mean over the period's days), when known
    p90_wait_s: float | None  # Erlang C's P90 wait with the advised counters

    @property
    def short(self) -> float | None:
        """Counters missing (positive) or spare (negative) against what was open."""
        return None if self.open is None else self.needed - self.open


def mix(arrivals: Mapping[object, float], service_s: Mapping[object, float], targets: Mapping[object, float]
        ) -> tuple[float, float | None, float | None]:
    """Pool the services of one hour: total arrivals, load-weighted mean service time, strictest target."""
    lam = sum(v for v in arrivals.values() if v > 0)
    if lam <= 0:
        return 0.0, None, None
    known = {s: v for s, v in arrivals.items() if v > 0 and service_s.get(s)}
    if not known:
        return lam, None, None
    mean = sum(v * service_s[s] for s, v in known.items()) / sum(known.values())
    tg = [targets[s] for s in known if s in targets]
    return lam, mean, (min(tg) if tg else None)


def plan_day(arrivals: Mapping[int, Mapping[object, float]], service_s: Mapping[object, float],
             targets: Mapping[object, float], open_counters: Mapping[int, float] | None = None,
             q: float = 0.9, default_target_s: float = 1800.0) -> list[HourAdvice]:
    """Counters per hour of an office day, by Erlang C on each hour's mean arrivals.

    ``arrivals``: hour -> service -> expected arrivals in that hour; ``service_s``: service -> mean service
    seconds; ``targets``: service -> target wait seconds (``default_target_s`` when none is set). Counters
    are pooled (any counter takes any service) and the hour's target is the strictest of the services
    arriving. ``bench/staffing_check.py`` checks this against simulated office days (see the README):
    whole-hour Erlang C met the target in every hour there, with a few counter-hours to spare.
    """
    out: list[HourAdvice] = []
    for hour in sorted(arrivals):
        lam, mean, target = mix(arrivals[hour], service_s, targets)
        opened = None if open_counters is None else open_counters.get(hour)
        if lam <= 0 or mean is None:
            out.append(HourAdvice(hour, lam, mean, None, 0, opened, None))
            continue
        target = default_target_s if target is None else target
        needed = counters_needed(lam, mean, target, q)
        p90 = wait_quantile(needed, lam, mean, q)
        out.append(HourAdvice(hour, lam, mean, target, needed, opened, None if math.isinf(p90) else p90))
    return out
