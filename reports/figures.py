"""Queue figures: counts, waiting and service times, share within target (pure: no Flask, no SQLAlchemy).

The unit is a **cell**: every ticket of one office, office-local day, issue hour, service, counter and clerk,
summed — counts by outcome, sums of waiting and service seconds, and a fixed histogram of each, from which
P50/P90 and the share within a target are read. Cells add up, so one set of functions serves every breakdown
(office, service, counter, clerk, day, hour, weekday, week) whether the cells come from the rollup table
or were just made from today's raw tickets: the figures are the same either way.

Definitions (what the page and the report say):

* **waiting time** — from issue to the ticket's *first* call (a no-show requeue or a transfer does not
  restart it); tickets never called have none;
* **service time** — from the start of service (or the call, when the clerk did not press "start") to
  finish, for tickets served (status ``done``);
* **share within target** — of the tickets called, those whose waiting time was at most their service's
  target wait;
* **percentiles** — read from the histogram with linear interpolation inside a bin: within half a bin of
  the exact value (bins are 2 minutes wide up to an hour of waiting); exact at bin edges.

Reason: one subject, the arithmetic of a cell (summing, percentiles, the share within target, the breakdowns
and the arrivals heatmap), which must stay the same for rolled-up and raw cells; split, it would be read apart.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

# --------------------------------------------------------------------------- histograms

def _edges(*spans: tuple[int, int]) -> tuple[int, ...]:
    """Bin edges in seconds from (up_to_minutes, width_minutes) spans, starting at 0."""
    out, at = [0], 0
    for up_to, width in spans:
        while at < up_to:
            at += width
            out.append(at * 60)
    return tuple(out)


#: waiting-time bins: 2 min up to 1 h, 5 min to 2 h, 10 min to 4 h, 30 min to 8 h, then one open bin
WAIT_EDGES = _edges((60, 2), (120, 5), (240, 10), (480, 30))
#: service-time bins: 1 min up to 30 min, 5 min to 1 h, 15 min to 2 h, then one open bin
SERVICE_EDGES = _edges((30, 1), (60, 5), (120, 15))
WAIT_BINS = len(WAIT_EDGES)  # the last bin is [last edge, infinity)
SERVICE_BINS = len(SERVICE_EDGES)



def exact_target(seconds: float) -> bool:
    """True when a target wait falls on a bin edge, where the share within it is exact (any even number
    of minutes up to an hour, multiples of 5 up to 2 h, of 10 up to 4 h, of 30 up to 8 h)."""
    return seconds in WAIT_EDGES


def bin_of(seconds: float, edges: tuple[int, ...] = WAIT_EDGES) -> int:
    """Index of the bin holding ``seconds`` (negative durations — clock skew — count as 0)."""
    return max(0, bisect_right(edges, max(0.0, seconds)) - 1)


def percentile(hist: list[int] | tuple[int, ...], q: float, edges: tuple[int, ...] = WAIT_EDGES) -> float | None:
    """The ``q``-quantile (0..1) in seconds, interpolated linearly inside its bin; None without data.
    A quantile falling in the open last bin is reported as that bin's lower edge (a lower bound)."""
    if not 0 <= q <= 1:
        raise ValueError("q must be between 0 and 1")
    total = sum(hist)
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for i, n in enumerate(hist):
        if n <= 0:
            continue
        if seen + n >= rank:
            lo = edges[i]
            if i + 1 >= len(edges):
                return float(lo)
            hi = edges[i + 1]
            return lo + (hi - lo) * max(0.0, rank - seen) / n
        seen += n
    return float(edges[-1])


def count_within(hist: list[int] | tuple[int, ...], limit_seconds: float, edges: tuple[int, ...] = WAIT_EDGES
                 ) -> float:
    """How many of the histogram's values are at most ``limit_seconds`` (interpolated inside the bin that
    holds the limit; exact when the limit is a bin edge)."""
    total = 0.0
    for i, n in enumerate(hist):
        if not n:
            continue
        lo = edges[i]
        hi = edges[i + 1] if i + 1 < len(edges) else math.inf
        if hi <= limit_seconds:
            total += n
        elif lo < limit_seconds:
            total += n * (limit_seconds - lo) / (hi - lo)
    return total


# --------------------------------------------------------------------------- tickets -> cells

OUTCOMES = ("served", "no_show", "cancelled", "expired")
#: ticket status -> the outcome counted (open tickets count as issued only)
STATUS_OUTCOME = {"done": "served", "no_show": "no_show", "cancelled": "cancelled", "expired": "expired"}


@dataclass(frozen=True)
class TicketFact:
    """What the figures need of one ticket (made from its row and its history by the service layer)."""

    office_id: int
    day: date  # office-local service day
    hour: int  # office-local hour of issue
    service_id: int  # the service it ended in (its service after any transfer)
    counter_id: int | None  # the counter that served it last (None: never called)
    clerk: str  # user name of the clerk who finished / last handled it ("" when none)
    status: str
    wait_s: float | None  # issue -> first call
    service_s: float | None  # start (or call) -> finish, for served tickets


CellKey = tuple[int, date, int, int, "int | None", str]  # office, day, hour, service, counter, clerk


@dataclass
class Cell:
    """Sums over tickets; cells add up. ``within`` (tickets called within their service's target) is
    filled by :func:`aggregate` because the target belongs to the service, not to the cell."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    expired: int = 0
    wait_n: int = 0
    wait_sum: float = 0.0
    wait_hist: list[int] = field(default_factory=lambda: [0] * WAIT_BINS)
    service_n: int = 0
    service_sum: float = 0.0
    service_hist: list[int] = field(default_factory=lambda: [0] * SERVICE_BINS)
    within: float = 0.0

    def add_fact(self, fact: TicketFact) -> None:
        self.issued += 1
        outcome = STATUS_OUTCOME.get(fact.status)
        if outcome:
            setattr(self, outcome, getattr(self, outcome) + 1)
        if fact.wait_s is not None:
            w = max(0.0, float(fact.wait_s))
            self.wait_n += 1
            self.wait_sum += w
            self.wait_hist[bin_of(w, WAIT_EDGES)] += 1
        if fact.service_s is not None and fact.status == "done":
            s = max(0.0, float(fact.service_s))
            self.service_n += 1
            self.service_sum += s
            self.service_hist[bin_of(s, SERVICE_EDGES)] += 1

    def add(self, other: Cell) -> None:
        for name in ("issued", "served", "no_show", "cancelled", "expired", "wait_n", "wait_sum",
                     "service_n", "service_sum", "within"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.wait_hist = [a + b for a, b in zip(self.wait_hist, other.wait_hist)]
        self.service_hist = [a + b for a, b in zip(self.service_hist, other.service_hist)]


#: cell grains: which parts of a ticket's key a cell keeps. ``full`` keeps all; ``time`` (the breakdowns
#: by office, service, day, hour) drops the counter and clerk; ``staff`` (by counter and clerk) drops the hour
GRAIN_KEYS: dict[str, Callable[[TicketFact], CellKey]] = {
    "full": lambda f: (f.office_id, f.day, f.hour, f.service_id, f.counter_id, f.clerk),
    "time": lambda f: (f.office_id, f.day, f.hour, f.service_id, None, ""),
    "staff": lambda f: (f.office_id, f.day, -1, f.service_id, f.counter_id, f.clerk),
}


def cells_from_facts(facts: Iterable[TicketFact], grain: str | Callable[[TicketFact], CellKey] = "full"
                     ) -> dict[CellKey, Cell]:
    """Sum ticket facts into cells of a grain (a name in :data:`GRAIN_KEYS`, or a key function)."""
    keyer = GRAIN_KEYS[grain] if isinstance(grain, str) else grain
    cells: dict[CellKey, Cell] = {}
    for f in facts:
        key = keyer(f)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = Cell()
        cell.add_fact(f)
    return cells


# --------------------------------------------------------------------------- cell sets (vectorised)

#: the columns of a cell vector, in order: counts and sums, then the wait and service histograms
SUM_FIELDS = ("issued", "served", "no_show", "cancelled", "expired", "wait_n", "wait_sum", "service_n",
              "service_sum")
W0 = len(SUM_FIELDS)
S0 = W0 + WAIT_BINS
WIDTH = S0 + SERVICE_BINS


def cell_vector(cell: Cell) -> list[float]:
    return [float(getattr(cell, f)) for f in SUM_FIELDS] + list(cell.wait_hist) + list(cell.service_hist)


def pack_hist(hist: list[int] | tuple[int, ...]) -> bytes:
    """A histogram as stored: unsigned 32-bit little-endian counts, one per bin."""
    return np.asarray(hist, dtype="<u4").tobytes()


def unpack_hists(blobs: list[bytes], bins: int) -> np.ndarray:
    """Many stored histograms at once -> an (n, bins) float matrix (one ``frombuffer``, no Python loop)."""
    if not blobs:
        return np.zeros((0, bins))
    raw = np.frombuffer(b"".join(bytes(b) for b in blobs), dtype="<u4")
    if raw.size != len(blobs) * bins:
        raise ValueError("a stored histogram has the wrong length (rebuild the rollup)")
    return raw.reshape(len(blobs), bins).astype(float)


class CellSet:
    """Many cells as one matrix (one row per cell, :data:`WIDTH` columns), so that a breakdown of a year
    of cells is a few array operations rather than a Python loop per cell."""

    def __init__(self, keys: list[CellKey], data: np.ndarray):
        if data.shape != (len(keys), WIDTH):
            raise ValueError(f"expected a ({len(keys)}, {WIDTH}) matrix, got {data.shape}")
        self.keys = keys
        self.data = np.asfortranarray(data)  # column-major: breakdowns read whole columns

    @classmethod
    def of(cls, cells: CellSet | Mapping[CellKey, Cell]) -> CellSet:
        if isinstance(cells, CellSet):
            return cells
        keys = list(cells)
        data = np.array([cell_vector(cells[k]) for k in keys], dtype=float).reshape(len(keys), WIDTH)
        return cls(keys, data)

    @classmethod
    def concat(cls, parts: Iterable[CellSet]) -> CellSet:
        parts = [p for p in parts if p.keys]
        if not parts:
            return cls([], np.zeros((0, WIDTH)))
        return cls([k for p in parts for k in p.keys], np.vstack([p.data for p in parts]))

    def __len__(self) -> int:
        return len(self.keys)

    def within(self, targets: Mapping[int, float]) -> np.ndarray:
        """Per cell, the tickets called within their service's target (interpolated inside a bin)."""
        memo = tuple(sorted(targets.items()))
        if getattr(self, "_within_memo", (None,))[0] == memo:
            return self._within_memo[1]
        out = self._within(targets)
        self._within_memo = (memo, out)
        return out

    def _within(self, targets: Mapping[int, float]) -> np.ndarray:
        out = np.zeros(len(self.keys))
        if not self.keys:
            return out
        services = np.array([k[3] for k in self.keys])
        for sid, target in targets.items():
            rows = services == sid
            if rows.any():
                out[rows] = _within_matrix(self.data[rows, W0:S0], float(target))
        return out


def _within_matrix(hist: np.ndarray, limit: float) -> np.ndarray:
    """:func:`count_within` for many histograms at once."""
    edges = np.array(WAIT_EDGES, dtype=float)
    hi = np.append(edges[1:], np.inf)
    frac = np.clip((limit - edges) / (hi - edges), 0.0, 1.0)
    frac[np.isinf(hi)] = 0.0 if limit < np.inf else 1.0
    return hist @ frac


# --------------------------------------------------------------------------- breakdowns

#: how a cell key maps to the row of each breakdown
DIMENSIONS: dict[str, Callable[[CellKey], object]] = {
    "office": lambda k: k[0],
    "day": lambda k: k[1],
    "hour": lambda k: k[2],
    "service": lambda k: k[3],
    "counter": lambda k: k[4],
    "clerk": lambda k: k[5],
    "weekday": lambda k: k[1].isoweekday(),
    "week": lambda k: week_start(k[1]),
    "month": lambda k: k[1].replace(day=1),
    "all": lambda k: None,
}


_POSITION = {"office": 0, "day": 1, "hour": 2, "service": 3, "counter": 4, "clerk": 5}
_FROM_DAY = {"weekday": lambda d: d.isoweekday(), "week": lambda d: week_start(d), "month": lambda d: d.replace(day=1)}


def _dimension_values(cs: CellSet, dim: str) -> list:
    """The value of ``dim`` for every cell of ``cs`` (derived dimensions computed once per distinct day)."""
    if dim == "all":
        return [None] * len(cs.keys)
    if dim in _POSITION:
        i = _POSITION[dim]
        return [k[i] for k in cs.keys]
    f = _FROM_DAY[dim]
    memo: dict = {}
    out = []
    for k in cs.keys:
        d = k[1]
        v = memo.get(d)
        if v is None:
            v = memo[d] = f(d)
        out.append(v)
    return out


def week_start(d: date) -> date:
    """Monday of ``d``'s ISO week (weekly trends are keyed by it)."""
    return d - timedelta(days=d.weekday())


def aggregate(cells: CellSet | Mapping[CellKey, Cell], by: str | tuple[str, ...],
              targets: Mapping[int, float] | None = None) -> dict:
    """Sum cells into rows keyed by one dimension (``"service"``) or several (``("office", "day")``).
    Each row is a :class:`Cell`; ``targets`` (service id -> target wait in seconds) fills ``within``."""
    dims = (by,) if isinstance(by, str) else tuple(by)
    for d in dims:
        if d not in DIMENSIONS:
            raise ValueError(f"unknown dimension {d!r}")
    cs = CellSet.of(cells)
    columns = [_dimension_values(cs, d) for d in dims]
    row_keys = columns[0] if len(columns) == 1 else list(zip(*columns))
    index: dict = {}
    idx = np.array([index.setdefault(k, len(index)) for k in row_keys], dtype=np.int64)
    g = len(index)
    sums = _group_sum(idx, cs.data, g)
    within = (np.bincount(idx, weights=cs.within(targets), minlength=g) if targets is not None and g
              else np.zeros(g))
    return {k: _cell_of(sums[i], float(within[i])) for k, i in index.items()}


def _group_sum(idx: np.ndarray, data: np.ndarray, groups: int) -> np.ndarray:
    """Column-wise sums per group: one ``bincount`` per column (no copy of the whole matrix, far faster
    than ``np.add.at``)."""
    out = np.zeros((groups, data.shape[1]))
    if not len(idx):
        return out
    for j in range(data.shape[1]):
        col = data[:, j]
        if col.any():
            out[:, j] = np.bincount(idx, weights=col, minlength=groups)
    return out


def _cell_of(vec: np.ndarray, within: float) -> Cell:
    c = Cell()
    head = vec[:W0].tolist()
    for i, f in enumerate(SUM_FIELDS):
        setattr(c, f, head[i] if f.endswith("_sum") else int(round(head[i])))
    ints = np.rint(vec[W0:]).astype(np.int64).tolist()
    c.wait_hist = ints[:WAIT_BINS]
    c.service_hist = ints[WAIT_BINS:]
    c.within = float(within)
    return c


@dataclass(frozen=True)
class Summary:
    """One row of a figures table (seconds for durations; None where there is nothing to measure)."""

    issued: int
    served: int
    no_show: int
    cancelled: int
    expired: int
    called: int
    wait_mean: float | None
    wait_p50: float | None
    wait_p90: float | None
    service_mean: float | None
    service_p50: float | None
    service_p90: float | None
    within_share: float | None  # 0..1 of the tickets called; None when no target applies

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def summarize(cell: Cell, *, with_target: bool = True) -> Summary:
    return Summary(
        issued=cell.issued, served=cell.served, no_show=cell.no_show, cancelled=cell.cancelled,
        expired=cell.expired, called=cell.wait_n,
        wait_mean=cell.wait_sum / cell.wait_n if cell.wait_n else None,
        wait_p50=percentile(cell.wait_hist, 0.5, WAIT_EDGES),
        wait_p90=percentile(cell.wait_hist, 0.9, WAIT_EDGES),
        service_mean=cell.service_sum / cell.service_n if cell.service_n else None,
        service_p50=percentile(cell.service_hist, 0.5, SERVICE_EDGES),
        service_p90=percentile(cell.service_hist, 0.9, SERVICE_EDGES),
        within_share=(min(1.0, cell.within / cell.wait_n) if with_target and cell.wait_n else None),
    )


def table(cells: CellSet | Mapping[CellKey, Cell], by: str | tuple[str, ...],
          targets: Mapping[int, float] | None = None) -> dict:
    """``aggregate`` then ``summarize`` each row: row key -> :class:`Summary`, keys sorted (None last)."""
    rows = aggregate(cells, by, targets)
    with_target = targets is not None
    return {k: summarize(rows[k], with_target=with_target) for k in sorted(rows, key=_sort_key)}


def _sort_key(k):
    if isinstance(k, tuple):
        return tuple(_sort_key(x) for x in k)
    return (k is None, "" if k is None else k)


# --------------------------------------------------------------------------- heatmap and trends

def issued_by_day_hour(cells: CellSet | Mapping[CellKey, Cell]) -> dict[tuple[date, int, int], float]:
    """(day, hour, service) -> tickets issued, from cells that keep the day and the hour."""
    return {k: float(c.issued) for k, c in aggregate(cells, ("day", "hour", "service")).items()}


def arrivals_heatmap(arrivals: Mapping[tuple[date, int, int], float], open_days: Iterable[date]
                     ) -> dict[tuple[int, int], float]:
    """Mean tickets issued per (ISO weekday, hour) over the office's open days of the period (a day with
    no ticket at all still counts when it is listed in ``open_days``): the arrival pattern.
    ``arrivals``: (day, hour, service) -> tickets issued."""
    per_weekday: dict[int, int] = {}
    for d in set(open_days):
        per_weekday[d.isoweekday()] = per_weekday.get(d.isoweekday(), 0) + 1
    sums: dict[tuple[int, int], float] = {}
    for (d, h, _), n in arrivals.items():
        key = (d.isoweekday(), h)
        sums[key] = sums.get(key, 0.0) + n
    return {k: v / per_weekday[k[0]] for k, v in sums.items() if per_weekday.get(k[0])}


def hourly_arrival_rates(arrivals: Mapping[tuple[date, int, int], float], days: Iterable[date]
                         ) -> dict[int, dict[int, float]]:
    """Mean arrivals per hour of the day and service over ``days`` (e.g. the same weekday of the last four
    weeks): the forecast for staffing — the same-weekday mean of the recent weeks, which beat seasonal models
    on this kind of series. Returns hour -> service -> mean tickets issued."""
    wanted = set(days)
    if not wanted:
        return {}
    out: dict[int, dict[int, float]] = {}
    for (d, h, s), n in arrivals.items():
        if d in wanted:
            out.setdefault(h, {})
            out[h][s] = out[h].get(s, 0.0) + n / len(wanted)
    return dict(sorted(out.items()))


def weekly_trend(cells: CellSet | Mapping[CellKey, Cell], targets: Mapping[int, float] | None = None
                 ) -> dict[date, Summary]:
    """Week (Monday) -> summary, in order."""
    return table(cells, "week", targets)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month (the monthly report's period)."""
    if not (1 <= month <= 12) or not (2000 <= year <= 2100):
        raise ValueError("month out of range")
    first = date(year, month, 1)
    nxt = date(year + (month == 12), 1 if month == 12 else month + 1, 1)
    return first, nxt - timedelta(days=1)


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def minutes(seconds: float | None, digits: int = 1) -> float | None:
    return None if seconds is None else round(seconds / 60.0, digits)
