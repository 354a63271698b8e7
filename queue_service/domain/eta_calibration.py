"""Ranges that keep their promise: the replay's P10-P90 adjusted on the office's own record.

Every estimate shown to a citizen is recorded (``services.waits``); once the ticket is called its actual wait
is known. The replay misses things no snapshot shows (a clerk who leaves, a group of priority arrivals, a
citizen who argues at the counter), so its own P10-P90 holds fewer than 80% of the actual waits in a busy
office. Split conformal prediction repairs the range on the recent record, per side:

* scores in ``g(x) = log(x + OFFSET_MIN)`` (waits grow with the work ahead: errors are roughly
  proportional, and the offset keeps short waits sane): ``lower = g(P10) - g(actual)``,
  ``upper = g(actual) - g(P90)`` (positive = the actual wait fell outside on that side);
* the adjustment of a side is the ``ceil((n + 1)(1 - alpha)) / n`` empirical quantile of its scores
  (``alpha`` = 0.1 per side for P10 and P90), so that on exchangeable records at most ``alpha`` of the waits
  fall below the new P10 and at most ``alpha`` above the new P90;
* per service when its record is large enough, shrunk towards the office's pooled adjustment with weight
  ``n / (n + PRIOR_RECORDS)``; with fewer than ``MIN_RECORDS`` records in the office, no adjustment (the
  replay's own range, the fallback).

The adjustment is applied to new estimates: ``P10' = (P10 + c) exp(-lower) - c`` (not below 0) and
``P90' = (P90 + c) exp(upper) - c``; the centre (mean, P50) is the replay's. A negative adjustment narrows a
range that was too wide.

Pure module: no Flask, no SQLAlchemy (the record arrives as plain data).
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from queue_service.domain.eta import Estimate

#: minutes added before the logarithm
OFFSET_MIN = 5.0
#: share of actual waits allowed below P10, and above P90
ALPHA = 0.1
#: fewer records than this in the office: no adjustment
MIN_RECORDS = 30
#: a service's own adjustment counts n / (n + this) against the office's pooled one
PRIOR_RECORDS = 60


@dataclass(frozen=True)
class Outcome:
    """One shown estimate (the replay's own figures, minutes) and the actual wait from then on."""

    service_id: Hashable
    p10: float
    p50: float
    p90: float
    actual: float


@dataclass(frozen=True)
class Adjustment:
    """Widening (positive) or narrowing (negative) of each side, in ``log(minutes + OFFSET_MIN)``."""

    lower: float
    upper: float
    n: int


def _g(x: float) -> float:
    return math.log(max(0.0, x) + OFFSET_MIN)


def conformal_quantile(scores: Sequence[float], alpha: float = ALPHA) -> float:
    """The ``ceil((n + 1)(1 - alpha))``-th smallest score (the largest when that rank exceeds n)."""
    if not scores:
        raise ValueError("no scores")
    xs = sorted(scores)
    n = len(xs)
    rank = math.ceil((n + 1) * (1.0 - alpha))
    return xs[min(n, max(1, rank)) - 1]


def _side_scores(outcomes: Sequence[Outcome]) -> tuple[list[float], list[float]]:
    lower = [_g(o.p10) - _g(o.actual) for o in outcomes]
    upper = [_g(o.actual) - _g(o.p90) for o in outcomes]
    return lower, upper


def fit(outcomes: Iterable[Outcome], *, alpha: float = ALPHA, min_records: int = MIN_RECORDS,
        prior_records: float = PRIOR_RECORDS) -> dict[Hashable | None, Adjustment]:
    """Adjustments per service id, and the office's pooled one under ``None``; empty when the record is
    smaller than ``min_records`` (then ranges stay as the replay gives them)."""
    rows = [o for o in outcomes if o.actual is not None and o.actual >= 0 and o.p90 >= o.p10 >= 0]
    if len(rows) < max(1, min_records):
        return {}
    lo, hi = _side_scores(rows)
    pooled = Adjustment(conformal_quantile(lo, alpha), conformal_quantile(hi, alpha), len(rows))
    out: dict[Hashable | None, Adjustment] = {None: pooled}
    by_service: dict[Hashable, list[Outcome]] = {}
    for o in rows:
        by_service.setdefault(o.service_id, []).append(o)
    for sid, own in by_service.items():
        n = len(own)
        # a service's own quantile needs enough records to say anything about its 10% tails
        if n < math.ceil(1.0 / alpha) - 1:
            out[sid] = Adjustment(pooled.lower, pooled.upper, n)
            continue
        s_lo, s_hi = _side_scores(own)
        w = n / (n + prior_records)
        out[sid] = Adjustment(w * conformal_quantile(s_lo, alpha) + (1 - w) * pooled.lower,
                              w * conformal_quantile(s_hi, alpha) + (1 - w) * pooled.upper, n)
    return out


def adjustment_for(adjustments: Mapping[Hashable | None, Adjustment], service_id: Hashable) -> Adjustment | None:
    return adjustments.get(service_id) or adjustments.get(None)


def adjust(est: Estimate, adj: Adjustment | None) -> Estimate:
    """The range shown: the replay's P10/P90 widened (or narrowed) by ``adj``; never crossing its P50."""
    if adj is None:
        return est
    c = OFFSET_MIN
    p10 = min(est.p50_min, max(0.0, (est.p10_min + c) * math.exp(-adj.lower) - c))
    p90 = max(est.p50_min, (est.p90_min + c) * math.exp(adj.upper) - c)
    return Estimate(est.mean_min, p10, est.p50_min, p90)


# --------------------------------------------------------------------------- how good were they

@dataclass(frozen=True)
class Accuracy:
    """Shown estimates against actual waits (minutes): ``inside`` = share within the shown range."""

    n: int
    mae: float | None
    bias: float | None
    inside: float | None


def accuracy(rows: Iterable[tuple[float, float, float, float]]) -> Accuracy:
    """``rows``: (shown minutes, shown low, shown high, actual minutes)."""
    errors, hits = [], 0
    for minutes, low, high, actual in rows:
        errors.append(minutes - actual)
        hits += low <= actual <= high
    if not errors:
        return Accuracy(0, None, None, None)
    n = len(errors)
    return Accuracy(n, sum(abs(e) for e in errors) / n, sum(errors) / n, hits / n)
