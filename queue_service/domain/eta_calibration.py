"""Ranges that keep their promise: the replay's figures adjusted on the office's own record.

Every estimate shown to a citizen is recorded (``services.waits``); once the ticket is called its actual wait
is known. The replay misses things no snapshot shows (a lunch break still to come, a clerk who leaves, a group
of priority arrivals, a citizen who argues at the counter), so its own P10-P90 holds fewer than 80% of the
actual waits in a busy office and its centre can lean one way at some hours. Both are repaired on the recent
record, in ``g(x) = log(x + OFFSET_MIN)`` (waits grow with the work ahead: errors are roughly proportional,
and the offset keeps short waits sane):

* **centre**: a factor ``exp(center)`` on ``x + OFFSET_MIN`` (for mean, P10, P50, P90 alike) with
  ``exp(center) = sum(actual + c) / sum(mean + c)``: on the record, the adjusted mean has no bias in minutes;
* **range** (split conformal prediction, per side): scores ``lower = g(P10) + center - g(actual)`` and
  ``upper = g(actual) - g(P90) - center`` (positive = the actual wait fell outside on that side); a side's
  adjustment is the ``ceil((n + 1)(1 - alpha)) / n`` empirical quantile of its scores (``alpha`` = 0.1 per
  side for P10 and P90), so that on exchangeable records at most ``alpha`` of the waits fall below the new P10
  and at most ``alpha`` above the new P90;
* **groups** (Mondrian conformal): the office pooled; each hour of the day the estimate was shown at (what
  the replay cannot see changes over the day: lunch); each service within that hour; and each service over
  the day. A group's figures are shrunk towards its parent's (service-in-hour -> hour -> office;
  service -> office) with weight ``min(n / (n + PRIOR_RECORDS), d / (d + PRIOR_DAYS))`` for ``n`` records on
  ``d`` days: the estimates of one day miss together (one late lunch, one group arriving together), so a
  day's hundreds of records count as little more than one observation of that day. The office's own centre
  is shrunk towards no shift with ``d / (d + PRIOR_DAYS)``. A group needs ``1 / alpha - 1`` records for tails of its own. With
  fewer than ``MIN_RECORDS`` records in the office, no adjustment (the replay's own figures, the fallback).

Applied to new estimates: ``x' = (x + c) exp(center) - c`` for the mean and P50,
``P10' = (P10 + c) exp(center - lower) - c`` (not below 0), ``P90' = (P90 + c) exp(center + upper) - c``. A
negative ``lower``/``upper`` narrows a range that was too wide.

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
#: a group's own figures count at most n / (n + this) against its parent's ...
PRIOR_RECORDS = 60
#: ... and at most d / (d + this) for records from d days
PRIOR_DAYS = 3


@dataclass(frozen=True)
class Outcome:
    """One shown estimate (the replay's own figures, minutes), the actual wait from then on, and the
    office-local hour it was shown at."""

    service_id: Hashable
    p10: float
    p50: float
    p90: float
    actual: float
    mean: float | None = None
    hour: int | None = None
    #: the office-local day it was shown on (None: every record its own day)
    day: Hashable | None = None


@dataclass(frozen=True)
class Adjustment:
    """Widening (positive) or narrowing (negative) of each side, and the centre's shift, all in
    ``log(minutes + OFFSET_MIN)``."""

    lower: float
    upper: float
    n: int
    center: float = 0.0


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


def _center(rows: Sequence[Outcome]) -> float:
    c = OFFSET_MIN
    num = sum(max(0.0, o.actual) + c for o in rows)
    den = sum(max(0.0, o.p50 if o.mean is None else o.mean) + c for o in rows)
    return math.log(num / den)


def _weight(rows: Sequence[Outcome], prior: float | None, prior_days: float) -> float:
    n = len(rows)
    days = len({o.day for o in rows}) if all(o.day is not None for o in rows) else n
    by_days = days / (days + prior_days)
    return by_days if prior is None else min(n / (n + prior), by_days)


def _group(rows: Sequence[Outcome], parent: Adjustment | None, alpha: float, prior: float,
           prior_days: float = PRIOR_DAYS) -> Adjustment:
    n = len(rows)
    w = _weight(rows, prior if parent is not None else None, prior_days)
    center = w * _center(rows) + (1 - w) * (parent.center if parent is not None else 0.0)
    if parent is not None and n < math.ceil(1.0 / alpha) - 1:
        return Adjustment(parent.lower, parent.upper, n, center)
    lower = conformal_quantile([_g(o.p10) + center - _g(o.actual) for o in rows], alpha)
    upper = conformal_quantile([_g(o.actual) - _g(o.p90) - center for o in rows], alpha)
    if parent is None:
        return Adjustment(lower, upper, n, center)
    return Adjustment(w * lower + (1 - w) * parent.lower, w * upper + (1 - w) * parent.upper, n, center)


def fit(outcomes: Iterable[Outcome], *, alpha: float = ALPHA, min_records: int = MIN_RECORDS,
        prior_records: float = PRIOR_RECORDS) -> dict[Hashable, Adjustment]:
    """Adjustments by group: ``None`` (the office pooled), ``("hour", h)``, ``(service id, h)`` and
    ``("service", service id)``; empty when the record is smaller than ``min_records`` (then estimates stay as
    the replay gives them). Look one up with :func:`adjustment_for`."""
    rows = [o for o in outcomes if o.actual is not None and o.actual >= 0 and o.p90 >= o.p10 >= 0]
    if len(rows) < max(1, min_records):
        return {}
    pooled = _group(rows, None, alpha, prior_records)
    out: dict[Hashable, Adjustment] = {None: pooled}
    by_hour: dict[int, list[Outcome]] = {}
    by_service: dict[Hashable, list[Outcome]] = {}
    for o in rows:
        by_service.setdefault(o.service_id, []).append(o)
        if o.hour is not None:
            by_hour.setdefault(o.hour, []).append(o)
    for sid, own in by_service.items():
        out[("service", sid)] = _group(own, pooled, alpha, prior_records)
    for hour, own in by_hour.items():
        hourly = out[("hour", hour)] = _group(own, pooled, alpha, prior_records)
        cells: dict[Hashable, list[Outcome]] = {}
        for o in own:
            cells.setdefault(o.service_id, []).append(o)
        for sid, cell in cells.items():
            out[(sid, hour)] = _group(cell, hourly, alpha, prior_records)
    return out


def adjustment_for(adjustments: Mapping[Hashable, Adjustment], service_id: Hashable,
                   hour: int | None = None) -> Adjustment | None:
    """The most specific group there is: the service in that hour, the hour, the service, the office."""
    if not adjustments:
        return None
    for key in ((service_id, hour), ("hour", hour)) if hour is not None else ():
        if key in adjustments:
            return adjustments[key]
    return adjustments.get(("service", service_id)) or adjustments.get(None)


def adjust(est: Estimate, adj: Adjustment | None) -> Estimate:
    """The estimate shown: the replay's figures re-centred and its range widened (or narrowed) by ``adj``;
    P10 <= P50 <= P90, nothing below 0."""
    if adj is None:
        return est
    c = OFFSET_MIN

    def scale(x: float, by: float) -> float:
        return max(0.0, (max(0.0, x) + c) * math.exp(by) - c)

    p50 = scale(est.p50_min, adj.center)
    p10 = min(p50, scale(est.p10_min, adj.center - adj.lower))
    p90 = max(p50, scale(est.p90_min, adj.center + adj.upper))
    return Estimate(scale(est.mean_min, adj.center), p10, p50, p90)


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
