"""Expected priority arrivals for the rest of the day, from the office's own history (pure).

Priority tickets of a ``strict`` service overtake everyone waiting, so a wait estimate needs to know how
many will still come. The last hour extrapolated overstates them (the crowd at the door at opening, a group
arriving together) and knows nothing of the day's shape. Instead:

* the **profile**: on the reference days (the last same weekdays, or the last open days when there are too
  few of those), priority tickets per service issued in each half hour from the current time of day on,
  divided by the number of reference days - so at 08:05 the crowd that came at 08:00 on earlier days is not
  expected again, and a group that came together on one reference day is spread over its half hour;
* the **day's level**, an empirical-Bayes (gamma-Poisson credibility) weighting of today against the
  history: with ``C`` priority tickets issued today so far where the reference days had ``E`` on average by
  this time of day, the profile is scaled by ``(k + C) / (k + E)``. ``k`` is the gamma prior's shape,
  estimated by the method of moments from the reference days' daily totals (``mean^2 / (variance - mean)``;
  days that vary no more than Poisson counts give a large ``k``: trust the history). Early in the day ``E``
  and ``C`` are small and the history rules; as the day goes on today's own rate takes over;
* without any reference day (a new office): today's rate so far over at least an hour, from now until
  issuing stops.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

#: bounds of the gamma prior's shape k (in tickets)
MIN_STRENGTH = 3.0
MAX_STRENGTH = 200.0
BIN_SECONDS = 1800.0


def prior_strength(daily_totals: Sequence[float]) -> float:
    """Method-of-moments shape of the day-level gamma prior from daily counts (bounded)."""
    xs = [float(x) for x in daily_totals]
    if len(xs) < 2:
        return MAX_STRENGTH if xs else MIN_STRENGTH
    mean = sum(xs) / len(xs)
    var = sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)
    if mean <= 0:
        return MIN_STRENGTH
    if var <= mean:
        return MAX_STRENGTH
    return min(MAX_STRENGTH, max(MIN_STRENGTH, mean * mean / (var - mean)))


def day_level(observed: float, expected: float, strength: float) -> float:
    """Posterior mean of today's level against the history: ``(k + C) / (k + E)``."""
    return (strength + max(0.0, observed)) / (strength + max(0.0, expected))


def priority_profile(reference_days: Sequence[Mapping[Hashable, Sequence[float]]],
                     today: Mapping[Hashable, Sequence[float]], *, now_s: float, until_s: float,
                     opened_s: float, bin_s: float = BIN_SECONDS) -> dict[Hashable, list[tuple[float, float]]]:
    """Service -> [(seconds from now, priority tickets per hour from then on), ...] until ``until_s``.

    Times are seconds since the office-local midnight: ``reference_days`` one mapping per reference day
    (service -> issue times of its priority tickets), ``today`` the same for today so far; ``now_s`` the
    current time of day, ``until_s`` when issuing stops, ``opened_s`` when the office opened today.
    """
    if until_s <= now_s:
        return {}
    if not reference_days:
        elapsed = max(3600.0, now_s - opened_s)
        return {sid: [(0.0, sum(1 for t in ts if t <= now_s) * 3600.0 / elapsed)]
                for sid, ts in today.items() if any(t <= now_s for t in ts)}
    n_days = len(reference_days)
    totals = [sum(len(ts) for ts in day.values()) for day in reference_days]
    strength = prior_strength(totals)
    expected_so_far = sum(1 for day in reference_days for ts in day.values() for t in ts if t <= now_s) / n_days
    observed = sum(1 for ts in today.values() for t in ts if t <= now_s)
    level = day_level(observed, expected_so_far, strength)

    edges = [now_s]
    nxt = now_s + bin_s
    while nxt < until_s:
        edges.append(nxt)
        nxt += bin_s
    edges.append(until_s)
    out: dict[Hashable, list[tuple[float, float]]] = {}
    services = {sid for day in reference_days for sid in day}
    for sid in services:
        times = sorted(t for day in reference_days for t in day.get(sid, ()) if now_s < t <= until_s)
        if not times:
            continue
        pieces = []
        j = 0
        for a, b in zip(edges, edges[1:]):
            count = 0
            while j < len(times) and times[j] <= b:
                count += times[j] > a
                j += 1
            rate = level * count / n_days * 3600.0 / (b - a)
            if not pieces or pieces[-1][1] != rate:
                pieces.append((a - now_s, rate))
        pieces.append((until_s - now_s, 0.0))
        out[sid] = pieces
    return out
