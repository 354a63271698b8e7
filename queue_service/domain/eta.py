"""Waiting-time estimates: a Monte Carlo replay of the current queue state.

Reason: one subject, the replay model; its parts (counter start times, absences, call order, occupation
draws, the vectorised loop) share the run arrays and are read together.

Measured on simulated office days (README, "Wait estimates", and ``bench/eta_simulation.py``):
replaying the queue as it stands - which open counter serves which services, each service's own
service-time history, the priority policy - is far more accurate than "people ahead x mean service time /
counters", and gives each ticket a P10-P90 range.

The model, run ``runs`` times at once (vectorised over runs with numpy):

* the office starts at ``snapshot.now``; each open counter is free at once, or after the remaining time of
  the ticket it is serving (sampled from that service's durations *longer than the time already spent*,
  minus that time), or at ``busy_until_estimate`` when the caller knows it;
* a counter on a break (``break_until``) is free from the end of its break; an overdue break (its end has
  passed and the clerk is not back) ends within ``overdue_return_s``, not never. A free open counter that
  has called nobody for ``away_after_s`` while its services have waiting tickets is taken as away for an
  unannounced absence of about ``absence_s`` in all (the clerk left without saying so);
* absences still to come (lunch): each run replays the counters' absences of one earlier day drawn at random
  (``absence_days``, from ``domain.absences``): a counter free during one calls when it ends. A counter
  away now has had its absence;
* whenever a counter is free it calls, among the services it serves, the ticket the real ``call_next`` would
  pick: a priority ticket of a service whose policy prefers priority right now first, then the oldest
  ``queued_at`` (then ticket id). Within one service the order follows its policy (``strict``: priority
  first; ``fifo``: issue order; ``interleave:N``: issue order, but after N regular calls in a row a waiting
  priority ticket goes first) - this order depends only on the service's own calls, so it is computed once;
* each call occupies the counter for a duration drawn (bootstrap) from the service's history of *served*
  tickets, falling back to the pooled history of all services, then to ``default_service_time``;
* no-shows: a ticket called for the first time is absent with its service's ``no_show_share`` (the
  office's own first-call no-show rate); its call then occupies the counter for a draw of
  ``no_show_times`` (called -> marked no-show), and it goes back in the queue (``no_show_requeues``): a
  priority ticket of a ``strict`` service comes back ahead of the regular tickets and is called again
  (absent again with ``repeat_no_show_share``). A regular ticket comes back behind everyone waiting now,
  so it changes nobody's wait here. A ticket already requeued is absent again with
  ``repeat_no_show_share``;
* a ticket's wait is the time from ``now`` until it is called. Tickets of a service that no open counter
  serves get ``None``. Closed counters serve nothing;
* tickets issued later matter only when they can overtake: priority tickets of a ``strict`` service. They
  arrive as a Poisson process with the rate profile ``priority_arrival_profile`` (per service: pieces of
  (seconds from now, tickets per hour); the caller derives it from the office's own history) or the
  constant ``priority_arrivals_per_hour``, until ``issuing_until``, and are served before the regular
  tickets. Expected arrivals (``WaitingTicket.expected``: booked citizens still to come today) wait at the
  place the office's queue rule gives them and are there with their ``show`` probability; the model lets a
  counter reach them before they walk in (their place is at their slot, which they arrive before as a rule).
  Nobody else new is simulated.

Durations are *counter occupation times* (from the call until the counter is free again): a served
ticket's service and a no-show's wait at the counter are both in the record, separately, so that each
waiting ticket is replayed as the mixture it is.

The range shown to citizens is this model's P10-P90 adjusted by ``domain.eta_calibration`` on the office's
own record of estimates against actual waits.

Pure module: numpy only, no Flask, no SQLAlchemy.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from queue_service.domain.clock import as_utc
from queue_service.domain.priority import parse_policy

#: seconds; used when no service has any history yet
DEFAULT_SERVICE_TIME = 420.0


@dataclass(frozen=True)
class CounterState:
    """An office counter as the estimator sees it.

    Busy counters give either ``busy_until_estimate`` (a known end) or ``serving_since`` (when the current
    ticket was called) with ``serving_service_id``; a free counter gives neither.
    """

    id: Hashable
    services: frozenset[int]
    open: bool = True
    busy_until_estimate: datetime | None = None
    serving_since: datetime | None = None
    serving_service_id: int | None = None
    #: the clerk is on a break until then ("Istirahat sampai 13:00"): the counter counts again from then
    break_until: datetime | None = None
    #: free (no ticket called or served) since then; with ``QueueSnapshot.away_after_s`` a counter idle for
    #: longer while its services have waiting tickets is taken as away
    idle_since: datetime | None = None


@dataclass(frozen=True)
class WaitingTicket:
    id: Hashable
    service_id: int
    queued_at: datetime
    priority: bool = False
    #: times it was called, not there, and put back in the queue
    requeues: int = 0
    #: an expected arrival, not a ticket yet (bookings: a booked citizen still to come, queued at the place the
    #: office's rule gives them): it takes its place with probability ``show`` and gets no estimate of its own
    expected: bool = False
    show: float = 1.0


@dataclass
class QueueSnapshot:
    now: datetime
    counters: Sequence[CounterState]
    waiting: Sequence[WaitingTicket]
    #: service id -> recent counter occupation times in seconds
    service_times: Mapping[int, Sequence[float]] = field(default_factory=dict)
    #: service id -> "strict" | "fifo" | "interleave:N" (missing = strict, the model default)
    policies: Mapping[int, str] = field(default_factory=dict)
    default_service_time: float = DEFAULT_SERVICE_TIME
    #: service id -> regular tickets called in a row so far today (for interleave:N)
    regular_streaks: Mapping[int, int] = field(default_factory=dict)
    #: service id -> priority tickets expected per hour from now on (e.g. those issued in the last hour).
    #: Under ``strict`` they will be called before the regular tickets waiting now; empty = ignore.
    priority_arrivals_per_hour: Mapping[int, float] = field(default_factory=dict)
    #: when the kiosk stops issuing (no arrivals after it); None = no limit
    issuing_until: datetime | None = None
    #: counter occupation times (seconds) of calls that ended in a no-show
    no_show_times: Sequence[float] = ()
    #: share of requeued tickets that are absent again when called; their call then takes a no-show time
    repeat_no_show_share: float = 0.0
    #: service id -> share of first calls that end in a no-show (missing = 0: nobody is absent)
    no_show_share: Mapping[int, float] = field(default_factory=dict)
    #: how many times a no-show goes back in the queue (the office's policy)
    no_show_requeues: int = 1
    #: service id -> [(seconds from now, priority tickets per hour from then on), ...] (sorted); overrides
    #: ``priority_arrivals_per_hour`` for that service
    priority_arrival_profile: Mapping[int, Sequence[tuple[float, float]]] = field(default_factory=dict)
    #: an overdue break ends within this many seconds (uniformly)
    overdue_return_s: float = 600.0
    #: a free open counter idle for longer than this (seconds) while its services have waiting tickets is
    #: taken as away (None: never)
    away_after_s: float | None = None
    #: typical length of such an unannounced absence, in all (seconds)
    absence_s: float = 2700.0
    #: service id -> ``eta_calibration.Adjustment`` of the figures shown (for the hour of ``now``); not used
    #: by ``estimate`` (the replay), carried for whoever shows its figures
    calibration: Mapping = field(default_factory=dict)
    #: the counters' absences on earlier days still to come today, one mapping per reference day:
    #: counter id -> [(start, end) in seconds from now]; each run replays one day drawn at random
    absence_days: Sequence[Mapping[Hashable, Sequence[tuple[float, float]]]] = ()


@dataclass(frozen=True)
class Estimate:
    """Minutes from the snapshot's ``now`` until the ticket is called."""

    mean_min: float
    p10_min: float
    p50_min: float
    p90_min: float


# --------------------------------------------------------------------------- call order

def _ticket_sort_keys(waiting: Sequence[WaitingTicket]) -> list[tuple]:
    """(queued_at, id) like ``call_next``'s ORDER BY; ids that do not compare fall back to input order."""
    try:
        ids = [t.id for t in waiting]
        sorted(ids)
        tie = ids
    except TypeError:
        tie = list(range(len(waiting)))
    return [(as_utc(t.queued_at), tie[i], i) for i, t in enumerate(waiting)]


def _service_orders(snapshot: QueueSnapshot) -> tuple[dict[int, list[tuple[int, int]]], list[int]]:
    """Per service: the call order as (ticket index, rank) pairs, and each ticket's global rank.

    ``rank`` is 0 when the ticket is called because its service prefers priority at that moment (it then
    goes before older tickets of other services at a shared counter), else 1.
    """
    waiting = snapshot.waiting
    keys = _ticket_sort_keys(waiting)
    order = sorted(range(len(waiting)), key=keys.__getitem__)
    global_rank = [0] * len(waiting)
    for rank, i in enumerate(order):
        global_rank[i] = rank

    by_service: dict[int, list[int]] = {}
    for i in order:
        by_service.setdefault(waiting[i].service_id, []).append(i)

    result: dict[int, list[tuple[int, int]]] = {}
    for sid, idxs in by_service.items():
        policy = parse_policy(snapshot.policies.get(sid))
        pri = [i for i in idxs if waiting[i].priority]
        reg = [i for i in idxs if not waiting[i].priority]
        if policy.kind == "fifo":
            result[sid] = [(i, 1) for i in idxs]
            continue
        if policy.kind == "strict":
            result[sid] = [(i, 0) for i in pri] + [(i, 1) for i in reg]
            continue
        streak = int(snapshot.regular_streaks.get(sid, 0))
        seq: list[tuple[int, int]] = []
        a = b = 0
        while a < len(pri) or b < len(reg):
            if a < len(pri) and policy.prefers_priority(streak):
                seq.append((pri[a], 0))
                a += 1
                streak = 0
                continue
            take_pri = b >= len(reg) or (a < len(pri) and global_rank[pri[a]] < global_rank[reg[b]])
            if take_pri:
                seq.append((pri[a], 1))
                a += 1
                streak = 0
            else:
                seq.append((reg[b], 1))
                b += 1
                streak += 1
        result[sid] = seq
    return result, global_rank


def service_call_order(snapshot: QueueSnapshot) -> dict[int, list[Hashable]]:
    """Service id -> waiting ticket ids in the order that service will call them."""
    orders, _ = _service_orders(snapshot)
    return {sid: [snapshot.waiting[i].id for i, _ in seq] for sid, seq in orders.items()}


def people_ahead(snapshot: QueueSnapshot, ticket_id: Hashable) -> int:
    """How many waiting tickets of the same service will be called before ``ticket_id``."""
    for sid, ids in service_call_order(snapshot).items():
        if ticket_id in ids:
            return ids.index(ticket_id)
    raise KeyError(f"ticket {ticket_id!r} is not waiting in this snapshot")


# --------------------------------------------------------------------------- service times

def _pools(snapshot: QueueSnapshot) -> tuple[dict[int, np.ndarray], np.ndarray]:
    pools = {sid: np.asarray([float(x) for x in xs if x is not None and x >= 0], dtype=float)
             for sid, xs in snapshot.service_times.items()}
    pools = {sid: p for sid, p in pools.items() if p.size}
    glob = np.concatenate(list(pools.values())) if pools else np.asarray([float(snapshot.default_service_time)])
    return pools, glob


def _pool_for(pools: dict[int, np.ndarray], glob: np.ndarray, sid: int | None) -> np.ndarray:
    return pools.get(sid, glob) if sid is not None else glob


def _remaining(pool: np.ndarray, elapsed: float, runs: int, rng: np.random.Generator) -> np.ndarray:
    """Remaining seconds of a service already ``elapsed`` seconds old: durations longer than ``elapsed``
    minus ``elapsed``. When it already took longer than every recorded duration (overdue), assume it ends
    within a typical duration: ``U(0, 1) x`` a sampled duration."""
    elapsed = max(0.0, elapsed)
    longer = pool[pool > elapsed]
    if longer.size:
        return longer[rng.integers(0, longer.size, runs)] - elapsed
    return rng.random(runs) * pool[rng.integers(0, pool.size, runs)]


def _mean_time(pools: dict[int, np.ndarray], glob: np.ndarray, sid: int) -> float:
    return float(_pool_for(pools, glob, sid).mean())


# --------------------------------------------------------------------------- estimators

def _share(value) -> float:
    try:
        return min(1.0, max(0.0, float(value or 0.0)))
    except (TypeError, ValueError):
        return 0.0


def _returning_slots(snapshot: QueueSnapshot, orders: dict[int, list[tuple[int, int]]]) -> dict[int, list[int]]:
    """Service id -> the priority tickets that come back ahead of the regular ones after a first-call
    no-show (``strict`` services only; requeues left), in the order they are first called."""
    slots: dict[int, list[int]] = {}
    if snapshot.no_show_requeues < 1:
        return slots
    waiting = snapshot.waiting
    for sid, seq in orders.items():
        if parse_policy(snapshot.policies.get(sid)).kind != "strict" or _share(snapshot.no_show_share.get(sid)) <= 0:
            continue
        back = [i for i, rank in seq if rank == 0 and waiting[i].requeues == 0]
        if back:
            slots[sid] = back
    return slots


def _counter_start(counter: CounterState, snapshot: QueueSnapshot, now: datetime, pools: dict[int, np.ndarray],
                   glob: np.ndarray, runs: int, rng: np.random.Generator,
                   work_since: datetime | None = None) -> tuple[np.ndarray, bool]:
    """Seconds from now until ``counter`` can call, per run, and whether it is away now (a break, or idle
    while work waits). ``work_since``: since when a ticket it serves has been waiting (an idle counter is away
    only if it left work waiting)."""
    free = np.zeros(runs)
    if counter.busy_until_estimate is not None:
        free[:] = max(0.0, (as_utc(counter.busy_until_estimate) - now).total_seconds())
    elif counter.serving_since is not None:
        elapsed = (now - as_utc(counter.serving_since)).total_seconds()
        free = _remaining(_pool_for(pools, glob, counter.serving_service_id), elapsed, runs, rng)
    overdue_s = max(0.0, float(snapshot.overdue_return_s))
    if counter.break_until is not None:
        left = (as_utc(counter.break_until) - now).total_seconds()
        back = np.full(runs, left) if left > 0 else rng.random(runs) * overdue_s
        return np.maximum(free, back), True
    if (snapshot.away_after_s is not None and counter.idle_since is not None and counter.busy_until_estimate is None
            and counter.serving_since is None):
        idle = (now - as_utc(counter.idle_since)).total_seconds()
        neglected = idle if work_since is None else min(idle, (now - work_since).total_seconds())
        if neglected > snapshot.away_after_s:
            return np.maximum(free, _absence_left(idle, float(snapshot.absence_s), overdue_s, runs, rng)), True
    return free, False


def _absence_left(idle: float, typical: float, overdue_s: float, runs: int, rng: np.random.Generator) -> np.ndarray:
    """Remaining seconds of an unannounced absence already ``idle`` long: its whole length is taken as
    U(0.6, 1.4) x ``typical``, conditioned on being longer than ``idle``; past that, like an overdue break."""
    low, high = 0.6 * typical, 1.4 * typical
    if idle >= high:
        return rng.random(runs) * overdue_s
    start = max(idle, low)
    return start + rng.random(runs) * (high - start) - idle


def estimate(snapshot: QueueSnapshot, *, runs: int = 200, seed: int | None = 0
             ) -> dict[Hashable, Estimate | None]:
    """Monte Carlo wait estimate for every waiting ticket (``None``: no open counter serves its service)."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    waiting = list(snapshot.waiting)
    result: dict[Hashable, Estimate | None] = {t.id: None for t in waiting}
    if not waiting:
        return result
    rng = np.random.default_rng(seed)
    now = as_utc(snapshot.now)
    orders, global_rank = _service_orders(snapshot)
    services = sorted(orders)
    s_index = {sid: k for k, sid in enumerate(services)}

    counters = [c for c in snapshot.counters if c.open and any(s in s_index for s in c.services)]
    if not counters:
        return result
    n_c, n_s, n_t = len(counters), len(services), len(waiting)
    slots = _returning_slots(snapshot, orders)
    slot_of: list[int] = [i for sid in services for i in slots.get(sid, [])]  # slot j -> its ticket
    n_x = len(slot_of)

    # flattened per-service queues, each followed by a sentinel (key = inf); entries >= n_t are the
    # returning slots (a priority ticket back after a first-call no-show), after the service's priority block
    big = 1e12  # rank 0 keys (< big) go before rank 1 keys; within a rank, older first
    flat_key = np.full(n_t + n_x + n_s, np.inf)
    flat_ticket = np.full(n_t + n_x + n_s, -1, dtype=np.int64)
    offset = np.zeros(n_s, dtype=np.int64)
    pos = 0
    slot = 0
    for k, sid in enumerate(services):
        offset[k] = pos
        back = slots.get(sid, [])
        seq = orders[sid]
        n_pri = sum(1 for _, rank in seq if rank == 0) if back else 0
        for j, (i, rank) in enumerate(seq):
            if back and j == n_pri:
                for b in range(len(back)):  # after every priority ticket waiting now, before newcomers
                    flat_key[pos] = n_t - 0.5 + b * 1e-6
                    flat_ticket[pos] = n_t + slot + b
                    pos += 1
            flat_key[pos] = rank * big + global_rank[i]
            flat_ticket[pos] = i
            pos += 1
        if back and n_pri == len(seq):
            for b in range(len(back)):
                flat_key[pos] = n_t - 0.5 + b * 1e-6
                flat_ticket[pos] = n_t + slot + b
                pos += 1
        slot += len(back)
        pos += 1  # sentinel

    mask = np.zeros((n_c, n_s), dtype=bool)
    for c, counter in enumerate(counters):
        for sid in counter.services:
            if sid in s_index:
                mask[c, s_index[sid]] = True
    served = mask.any(axis=0)

    # occupation of every call in every run: a served ticket's service time, or a no-show's wait
    pools, glob = _pools(snapshot)
    ns_pool = np.asarray([float(x) for x in snapshot.no_show_times if x is not None and x >= 0], dtype=float)
    if not ns_pool.size:
        ns_pool = np.asarray([0.0])
    dur = np.empty((runs, n_t + n_x))
    for sid in services:
        idxs = np.fromiter((i for i, _ in orders[sid]), dtype=np.int64)
        pool = _pool_for(pools, glob, sid)
        dur[:, idxs] = pool[rng.integers(0, pool.size, (runs, idxs.size))]
    repeat = _share(snapshot.repeat_no_show_share)
    first_absent = np.zeros((runs, n_t), dtype=bool)
    for sid in services:  # first calls: absent with the service's own no-show rate
        p = _share(snapshot.no_show_share.get(sid))
        idxs = np.fromiter((i for i, _ in orders[sid] if waiting[i].requeues == 0), dtype=np.int64)
        if p > 0 and idxs.size:
            first_absent[:, idxs] = rng.random((runs, idxs.size)) < p
    again = np.fromiter((i for i, t in enumerate(waiting) if t.requeues > 0), dtype=np.int64)
    if repeat > 0 and again.size:  # tickets already requeued: absent again with the repeat share
        first_absent[:, again] = rng.random((runs, again.size)) < repeat
    if first_absent.any():
        ns = ns_pool[rng.integers(0, ns_pool.size, (runs, n_t))]
        dur[:, :n_t] = np.where(first_absent, ns, dur[:, :n_t])
    stays_away = np.fromiter((i for i, t in enumerate(waiting) if t.expected and t.show < 1.0), dtype=np.int64)
    if stays_away.size:  # an expected arrival who does not come occupies no counter
        show = np.asarray([max(0.0, min(1.0, float(waiting[i].show))) for i in stays_away])
        dur[:, stays_away] = np.where(rng.random((runs, stays_away.size)) < show, dur[:, stays_away], 0.0)
    if n_x:  # a returning ticket's second call: absent again (repeat share) or served; nothing if it came
        idx = np.asarray(slot_of, dtype=np.int64)
        second = np.empty((runs, n_x))
        for j, i in enumerate(slot_of):
            pool = _pool_for(pools, glob, waiting[i].service_id)
            second[:, j] = pool[rng.integers(0, pool.size, runs)]
        absent2 = rng.random((runs, n_x)) < repeat
        second = np.where(absent2, ns_pool[rng.integers(0, ns_pool.size, (runs, n_x))], second)
        dur[:, n_t:] = np.where(first_absent[:, idx], second, 0.0)

    # when each counter can first call
    free = np.zeros((runs, n_c))
    oldest: dict[int, datetime] = {}
    for t in waiting:
        q = as_utc(t.queued_at)
        if t.service_id not in oldest or q < oldest[t.service_id]:
            oldest[t.service_id] = q
    away_now = []
    for c, counter in enumerate(counters):
        work = [oldest[s] for s in counter.services if s in oldest]
        free[:, c], away = _counter_start(counter, snapshot, now, pools, glob, runs, rng, min(work) if work else None)
        away_now.append(away)
    # absences still to come today, as on a reference day drawn for each run (none for a counter away now)
    gone_a, gone_b = _absences(snapshot, counters, away_now, runs, rng)
    if gone_a is not None:
        free = _defer(free, gone_a, gone_b)

    # future priority tickets of strict services (arrival seconds from now, sorted; inf = none)
    fut, fut_dur = _future_priority(snapshot, services, pools, glob, free, dur, runs, rng, now)
    qf = np.zeros((runs, n_s), dtype=np.int64)
    has_future = bool(np.isfinite(fut[:, :, 0]).any())
    s_rows = np.arange(n_s)

    call = np.full((runs, n_t + n_x), np.nan)
    ptr = np.tile(offset, (runs, 1))
    rows = np.arange(runs)
    to_call = int(sum(len(orders[sid]) for sid in services if served[s_index[sid]])) * runs
    called = 0
    for _ in range(n_t + n_x + n_c + fut.shape[1] * fut.shape[2] + 1):
        c = free.argmin(axis=1)
        t = free[rows, c]
        live = np.isfinite(t)
        if not live.any() or called >= to_call:
            break
        heads = np.where(mask[c], flat_key[ptr], np.inf)
        s = heads.argmin(axis=1)
        head = heads[rows, s]
        has_work = np.isfinite(head)
        idle = live & ~has_work
        if idle.any():  # none of the waiting tickets is left for this counter: it retires
            free[rows[idle], c[idle]] = np.inf
        go = live & has_work
        if has_future:
            arrived = fut[rows[:, None], s_rows[None, :], qf]  # (runs, services): next future arrival
            fkey = np.where(mask[c] & (arrived <= t[:, None]), n_t + arrived, np.inf)
            fs = fkey.argmin(axis=1)
            newcomer = fkey[rows, fs] < head
            s = np.where(newcomer, fs, s)
            take_new = go & newcomer
            take_old = go & ~newcomer
        else:
            take_new, take_old = None, go
        if take_new is not None and take_new.any():  # an overtaking priority newcomer occupies the counter
            r, cg, sg = rows[take_new], c[take_new], s[take_new]
            ends = t[take_new] + fut_dur[r, sg, qf[r, sg]]
            free[r, cg] = ends if gone_a is None else _defer_at(ends, gone_a[r, cg], gone_b[r, cg])
            qf[r, sg] += 1
        if take_old.any():
            r, cg, sg = rows[take_old], c[take_old], s[take_old]
            tk = flat_ticket[ptr[r, sg]]
            call[r, tk] = t[take_old]
            ends = t[take_old] + dur[r, tk]
            free[r, cg] = ends if gone_a is None else _defer_at(ends, gone_a[r, cg], gone_b[r, cg])
            ptr[r, sg] += 1
            called += int((tk < n_t).sum())

    call = call[:, :n_t]
    ok = ~np.isnan(call).any(axis=0)
    if ok.any():
        waits = call[:, ok] / 60.0
        mean = waits.mean(axis=0)
        p10, p50, p90 = np.percentile(waits, [10, 50, 90], axis=0)
        for j, i in enumerate(np.flatnonzero(ok)):
            result[waiting[i].id] = Estimate(float(mean[j]), float(p10[j]), float(p50[j]), float(p90[j]))
    return result


def _absences(snapshot: QueueSnapshot, counters: Sequence[CounterState], away_now: Sequence[bool], runs: int,
              rng: np.random.Generator) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(runs, counters, K) starts and ends (seconds from now; inf = none) of the absences each run replays:
    those of one reference day drawn at random per run."""
    days = list(snapshot.absence_days or ())
    if not days:
        return None, None
    per_day = [[sorted(day.get(counter.id, ())) if not away else [] for counter, away in zip(counters, away_now)]
               for day in days]
    k = max((len(spans) for day in per_day for spans in day), default=0)
    if k == 0:
        return None, None
    starts = np.full((len(days), len(counters), k), np.inf)
    ends = np.full((len(days), len(counters), k), np.inf)
    for d, day in enumerate(per_day):
        for c, spans in enumerate(day):
            for j, (a, b) in enumerate(spans):
                starts[d, c, j], ends[d, c, j] = max(0.0, float(a)), max(0.0, float(b))
    pick = rng.integers(0, len(days), runs)
    return starts[pick], ends[pick]


def _defer_at(free: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A counter free at ``free`` during one of its absences [start, end) calls at the end of it."""
    inside = (starts <= free[:, None]) & (free[:, None] < ends)
    return np.where(inside.any(axis=1), np.where(inside, ends, -np.inf).max(axis=1), free)


def _defer(free: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``_defer_at`` for every counter of every run: (runs, counters)."""
    inside = (starts <= free[:, :, None]) & (free[:, :, None] < ends)
    return np.where(inside.any(axis=2), np.where(inside, ends, -np.inf).max(axis=2), free)


def _profiles(snapshot: QueueSnapshot, services: list[int]) -> list[list[tuple[float, float]]]:
    """Per service (strict only): the arrival-rate pieces [(start seconds from now, per second)]."""
    out: list[list[tuple[float, float]]] = []
    for sid in services:
        pieces: list[tuple[float, float]] = []
        if parse_policy(snapshot.policies.get(sid)).kind == "strict":
            profile = snapshot.priority_arrival_profile.get(sid)
            if profile:
                pieces = sorted((max(0.0, float(a)), max(0.0, float(r or 0.0)) / 3600.0) for a, r in profile)
            else:
                rate = float(snapshot.priority_arrivals_per_hour.get(sid, 0.0) or 0.0)
                if rate > 0:
                    pieces = [(0.0, rate / 3600.0)]
            if pieces and pieces[0][0] > 0:
                pieces.insert(0, (0.0, 0.0))
        out.append(pieces)
    return out


def _future_priority(snapshot: QueueSnapshot, services: list[int], pools: dict[int, np.ndarray],
                     glob: np.ndarray, free: np.ndarray, dur: np.ndarray, runs: int,
                     rng: np.random.Generator, now: datetime) -> tuple[np.ndarray, np.ndarray]:
    """Poisson arrival times (runs, services, M + 1) of overtaking priority tickets, and their durations.

    A piecewise-constant rate is drawn by thinning: arrivals at the highest rate, each kept with
    probability rate(t) / highest rate."""
    n_s = len(services)
    profiles = _profiles(snapshot, services)
    peak = np.asarray([max((r for _, r in pieces), default=0.0) for pieces in profiles])
    if not (peak > 0).any():
        return np.full((runs, n_s, 1), np.inf), np.zeros((runs, n_s, 1))
    # horizon: long enough for one counter to do all the work, newcomers included
    finite = np.where(np.isfinite(free), free, 0.0)
    horizon = float((finite.max(axis=1) + dur.sum(axis=1)).max()) * 2
    if snapshot.issuing_until is not None:
        horizon = min(horizon, max(0.0, (as_utc(snapshot.issuing_until) - now).total_seconds()))
    lam = float(peak.max()) * horizon
    m = max(1, int(np.ceil(lam + 6 * np.sqrt(lam) + 6)))
    gaps = rng.exponential(1.0, (runs, n_s, m)) / np.where(peak > 0, peak, np.nan)[None, :, None]
    fut = np.cumsum(gaps, axis=2)
    fut = np.where(np.isnan(fut) | (fut > horizon), np.inf, fut)
    for k, pieces in enumerate(profiles):
        if peak[k] <= 0 or all(r == peak[k] for _, r in pieces):
            continue
        starts = np.asarray([a for a, _ in pieces])
        rates = np.asarray([r for _, r in pieces])
        times = fut[:, k, :]
        finite_t = np.isfinite(times)
        piece = np.clip(np.searchsorted(starts, np.where(finite_t, times, 0.0), side="right") - 1, 0, None)
        keep = rng.random(times.shape) < rates[piece] / peak[k]
        fut[:, k, :] = np.sort(np.where(finite_t & keep, times, np.inf), axis=1)
    fut = np.concatenate([fut, np.full((runs, n_s, 1), np.inf)], axis=2)
    fut_dur = np.zeros_like(fut)
    for k, sid in enumerate(services):
        if peak[k] > 0:
            pool = _pool_for(pools, glob, sid)
            fut_dur[:, k, :] = pool[rng.integers(0, pool.size, (runs, fut.shape[2]))]
    return fut, fut_dur


def naive_estimate(snapshot: QueueSnapshot) -> dict[Hashable, Estimate | None]:
    """The baseline: people ahead in the same service x mean service time / open counters serving it.

    All four figures are the same point value (the baseline has no range).
    """
    pools, glob = _pools(snapshot)
    open_counters: dict[int, int] = {}
    for counter in snapshot.counters:
        if counter.open:
            for sid in counter.services:
                open_counters[sid] = open_counters.get(sid, 0) + 1
    result: dict[Hashable, Estimate | None] = {}
    for sid, ids in service_call_order(snapshot).items():
        k = open_counters.get(sid, 0)
        mean = _mean_time(pools, glob, sid)
        for ahead, tid in enumerate(ids):
            if k == 0:
                result[tid] = None
            else:
                w = ahead * mean / k / 60.0
                result[tid] = Estimate(w, w, w, w)
    return result
