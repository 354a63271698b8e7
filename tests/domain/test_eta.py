"""Monte Carlo wait estimates (queue_service.domain.eta)."""
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from queue_service.domain.eta import (
    CounterState,
    QueueSnapshot,
    WaitingTicket,
    estimate,
    naive_estimate,
    people_ahead,
    service_call_order,
)

NOW = datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)  # 09:00 WIB


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def tickets(*specs):
    """specs: (id, service, minutes ago, priority)"""
    return [WaitingTicket(tid, sid, ago(m), pri) for tid, sid, m, pri in specs]


def snap(counters, waiting, times=None, policies=None, **kw):
    return QueueSnapshot(now=NOW, counters=counters, waiting=waiting, service_times=times or {},
                         policies=policies or {}, **kw)


def minutes(est):
    return {tid: None if e is None else round(e.mean_min, 6) for tid, e in est.items()}


def test_single_counter_fifo_fixed_times_gives_exact_waits():
    s = snap([CounterState("L1", frozenset({1}))],
             tickets((1, 1, 30, False), (2, 1, 20, True), (3, 1, 10, False), (4, 1, 5, False)),
             times={1: [300.0]}, policies={1: "fifo"})
    est = estimate(s, runs=50)
    assert minutes(est) == {1: 0.0, 2: 5.0, 3: 10.0, 4: 15.0}
    for e in est.values():
        assert e.p10_min == e.p50_min == e.p90_min == e.mean_min


def test_busy_until_estimate_delays_everyone():
    s = snap([CounterState("L1", frozenset({1}), busy_until_estimate=NOW + timedelta(minutes=2))],
             tickets((1, 1, 30, False), (2, 1, 20, False)), times={1: [300.0]})
    assert minutes(estimate(s)) == {1: 2.0, 2: 7.0}


def test_same_seed_same_result_and_seed_matters():
    rng = np.random.default_rng(3)
    times = {1: list(rng.lognormal(np.log(300), 0.6, 60)), 2: list(rng.lognormal(np.log(500), 0.4, 60))}
    waiting = tickets(*[(i, 1 + i % 2, 60 - i, i % 7 == 0) for i in range(40)])
    counters = [CounterState("L1", frozenset({1})), CounterState("L2", frozenset({1, 2})),
                CounterState("L3", frozenset({2}), serving_since=ago(3), serving_service_id=2)]
    s = snap(counters, waiting, times)
    assert estimate(s, seed=7) == estimate(s, seed=7)
    assert estimate(s, seed=7) != estimate(s, seed=8)


def test_strict_priority_is_estimated_ahead_fifo_is_not():
    waiting = tickets((1, 1, 30, False), (2, 1, 20, False), (3, 1, 10, False), (4, 1, 1, True))
    counters = [CounterState("L1", frozenset({1}))]
    strict = estimate(snap(counters, waiting, {1: [300.0]}, {1: "strict"}))
    assert minutes(strict) == {4: 0.0, 1: 5.0, 2: 10.0, 3: 15.0}
    fifo = estimate(snap(counters, waiting, {1: [300.0]}, {1: "fifo"}))
    assert minutes(fifo) == {1: 0.0, 2: 5.0, 3: 10.0, 4: 15.0}
    assert people_ahead(snap(counters, waiting, policies={1: "strict"}), 4) == 0
    assert people_ahead(snap(counters, waiting, policies={1: "fifo"}), 4) == 3


def test_interleave_order_follows_the_streak():
    waiting = tickets(*[(i, 1, 100 - i, False) for i in range(1, 6)], (10, 1, 50, True), (11, 1, 40, True))
    s = snap([CounterState("L1", frozenset({1}))], waiting, policies={1: "interleave:2"})
    assert service_call_order(s)[1] == [1, 2, 10, 3, 4, 11, 5]
    # the day's streak carries over: one regular already called, so one more regular then priority
    s.regular_streaks = {1: 1}
    assert service_call_order(s)[1] == [1, 10, 2, 3, 11, 4, 5]
    # an old priority ticket is served in its turn and resets the streak
    s2 = snap([CounterState("L1", frozenset({1}))],
              tickets((1, 1, 90, True), (2, 1, 80, False), (3, 1, 70, False), (4, 1, 60, True), (5, 1, 50, False)),
              policies={1: "interleave:2"})
    assert service_call_order(s2)[1] == [1, 2, 3, 4, 5]


def test_shared_counter_takes_preferred_priority_of_another_service_first():
    # L1 serves services 1 (strict) and 2; a new priority ticket of 1 goes before an older regular of 2
    waiting = tickets((1, 2, 30, False), (2, 1, 20, False), (3, 1, 1, True))
    s = snap([CounterState("L1", frozenset({1, 2}))], waiting, {1: [120.0], 2: [120.0]})
    assert minutes(estimate(s)) == {3: 0.0, 1: 2.0, 2: 4.0}


def test_service_without_open_counter_gets_none():
    waiting = tickets((1, 1, 10, False), (2, 2, 9, False), (3, 3, 8, False))
    counters = [CounterState("L1", frozenset({1})), CounterState("L2", frozenset({2}), open=False)]
    s = snap(counters, waiting, {1: [60.0]})
    est = estimate(s)
    assert est[1] is not None and est[2] is None and est[3] is None
    naive = naive_estimate(s)
    assert naive[1] is not None and naive[2] is None and naive[3] is None
    assert all(e is None for e in estimate(snap([], waiting)).values())
    assert estimate(snap(counters, [])) == {}


def test_counter_serving_two_services_shares_its_capacity():
    # one counter for services 1 and 2, issue order alternates: waits grow across both services
    waiting = tickets((1, 1, 40, False), (2, 2, 30, False), (3, 1, 20, False), (4, 2, 10, False))
    s = snap([CounterState("L1", frozenset({1, 2}))], waiting, {1: [300.0], 2: [300.0]})
    assert minutes(estimate(s)) == {1: 0.0, 2: 5.0, 3: 10.0, 4: 15.0}
    # the naive baseline counts the counter fully for each service and is optimistic
    assert minutes(naive_estimate(s)) == {1: 0.0, 2: 0.0, 3: 5.0, 4: 5.0}
    # with a second counter dedicated to service 2, service 1 gets L1 to itself
    s2 = snap([CounterState("L1", frozenset({1, 2})), CounterState("L2", frozenset({2}))], waiting,
              {1: [300.0], 2: [300.0]})
    assert minutes(estimate(s2)) == {1: 0.0, 2: 0.0, 3: 5.0, 4: 5.0}


def test_quantiles_are_ordered_and_spread():
    rng = np.random.default_rng(0)
    times = {1: list(rng.lognormal(np.log(400), 0.7, 100))}
    waiting = tickets(*[(i, 1, 50 - i, False) for i in range(30)])
    est = estimate(snap([CounterState("A", frozenset({1})), CounterState("B", frozenset({1}))], waiting, times),
                   runs=300)
    for tid, e in est.items():
        assert e.p10_min <= e.p50_min <= e.p90_min, (tid, e)
        assert e.p10_min <= e.mean_min <= e.p90_min or tid < 2
    last = est[29]
    assert last.p90_min - last.p10_min > 5  # a real range, not a point
    # 29 people ahead shared by 2 counters: about 14.5 mean service times
    expected = 29 / 2 * np.mean(times[1]) / 60
    assert abs(last.mean_min - expected) < 0.1 * expected


def test_remaining_time_is_conditioned_on_elapsed_time():
    # history 60 s or 600 s; the current ticket has run 300 s, so it must be a 600 s one: 300 s left
    counter = CounterState("L1", frozenset({1}), serving_since=NOW - timedelta(seconds=300), serving_service_id=1)
    s = snap([counter], tickets((1, 1, 10, False)), {1: [60.0, 600.0] * 10})
    e = estimate(s, runs=100)[1]
    assert (e.p10_min, e.p90_min) == (5.0, 5.0)
    # overdue (ran longer than any record): ends within one sampled duration, not "already over"
    late = CounterState("L1", frozenset({1}), serving_since=NOW - timedelta(seconds=1000), serving_service_id=1)
    e = estimate(snap([late], tickets((1, 1, 10, False)), {1: [60.0, 600.0] * 10}), runs=400)[1]
    assert 0 <= e.p10_min and e.p90_min <= 10.0 and e.p90_min > e.p10_min


def test_service_time_fallbacks():
    waiting = tickets((1, 2, 10, False), (2, 2, 5, False))
    counters = [CounterState("L1", frozenset({2}))]
    # no history for service 2: pooled history of the others
    assert minutes(estimate(snap(counters, waiting, {1: [180.0]})))[2] == 3.0
    # no history at all: the default
    assert minutes(estimate(snap(counters, waiting, default_service_time=240.0)))[2] == 4.0


def test_naive_formula():
    waiting = tickets(*[(i, 1, 20 - i, False) for i in range(4)])
    counters = [CounterState("A", frozenset({1})), CounterState("B", frozenset({1, 2})),
                CounterState("C", frozenset({1}), open=False)]
    est = naive_estimate(snap(counters, waiting, {1: [200.0, 280.0]}))
    assert minutes(est) == {0: 0.0, 1: 2.0, 2: 4.0, 3: 6.0}


def test_people_ahead_unknown_ticket():
    with pytest.raises(KeyError):
        people_ahead(snap([], tickets((1, 1, 5, False))), 99)


def test_unknown_policy_is_rejected():
    with pytest.raises(ValueError):
        estimate(snap([CounterState("A", frozenset({1}))], tickets((1, 1, 5, False)), policies={1: "lottery"}))


def busy_office_snapshot():
    """The busy office bench/eta_speed.py times (its target, < 250 ms for 200 runs, lives there, not here)."""
    rng = np.random.default_rng(1)
    sets = [{1}, {1, 5}, {2, 3}, {2, 4}, {3, 4, 5}, {1, 2}]
    counters = [CounterState(i, frozenset(s), serving_since=ago(2), serving_service_id=min(s))
                for i, s in enumerate(sets)]
    waiting = [WaitingTicket(i, int(rng.integers(1, 6)), ago(300 - i), bool(rng.random() < 0.1))
               for i in range(300)]
    times = {s: list(rng.lognormal(np.log(300 + 60 * s), 0.5, 80)) for s in range(1, 6)}
    return snap(counters, waiting, times, {1: "strict", 2: "fifo", 3: "interleave:3"})


def test_a_busy_office_gets_an_ordered_range_for_every_ticket():
    s = busy_office_snapshot()
    est = estimate(s, runs=200)
    assert set(est) == {t.id for t in s.waiting}
    assert all(e is not None and 0 <= e.p10_min <= e.p50_min <= e.p90_min for e in est.values())
    order = service_call_order(s)
    for ids in order.values():  # within a service, later in the call order never waits less on average
        means = [est[i].mean_min for i in ids]
        assert all(a <= b + 1e-9 for a, b in zip(means, means[1:])), means


def test_expected_priority_arrivals_overtake_regular_tickets_under_strict_only():
    waiting = tickets((1, 1, 20, False), (2, 1, 10, False), (3, 1, 5, False))
    counters = [CounterState("L1", frozenset({1}))]
    base = minutes(estimate(snap(counters, waiting, {1: [300.0]}, {1: "strict"})))
    assert base == {1: 0.0, 2: 5.0, 3: 10.0}
    busy = snap(counters, waiting, {1: [300.0]}, {1: "strict"}, priority_arrivals_per_hour={1: 12.0})
    est = estimate(busy, runs=400)
    assert est[1].mean_min == 0.0  # the first call happens now, before anyone else arrives
    assert est[3].mean_min > 11.0 and est[3].p90_min >= 15.0
    assert est[3].p10_min <= est[3].p50_min <= est[3].p90_min
    # fifo: newcomers queue behind; a kiosk that stopped issuing: no newcomers
    assert minutes(estimate(snap(counters, waiting, {1: [300.0]}, {1: "fifo"},
                                 priority_arrivals_per_hour={1: 12.0}))) == base
    assert minutes(estimate(snap(counters, waiting, {1: [300.0]}, {1: "strict"},
                                 priority_arrivals_per_hour={1: 12.0}, issuing_until=NOW))) == base


def test_requeued_ticket_that_is_absent_again_takes_a_no_show_time():
    waiting = [WaitingTicket(1, 1, ago(30), requeues=1), WaitingTicket(2, 1, ago(20))]
    counters = [CounterState("L1", frozenset({1}))]
    plain = snap(counters, waiting, {1: [300.0]})
    assert minutes(estimate(plain)) == {1: 0.0, 2: 5.0}
    sure = snap(counters, waiting, {1: [300.0]}, no_show_times=[60.0], repeat_no_show_share=1.0)
    assert minutes(estimate(sure)) == {1: 0.0, 2: 1.0}
    half = estimate(snap(counters, waiting, {1: [300.0]}, no_show_times=[60.0], repeat_no_show_share=0.5),
                    runs=1000)[2]
    assert (half.p10_min, half.p90_min) == (1.0, 5.0) and 2.6 < half.mean_min < 3.4
