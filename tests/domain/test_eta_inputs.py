"""The pure pieces behind wait estimates a citizen can trust (issue 12): the no-show mixture and the
requeued ones coming back, breaks and absences, priority arrivals from the office's history shrunk towards
today, and the conformal adjustment of the range. Time is explicit everywhere (no wall clock)."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from queue_service.domain.arrivals import day_level, prior_strength, priority_profile
from queue_service.domain.eta import CounterState, Estimate, QueueSnapshot, WaitingTicket, estimate
from queue_service.domain.eta_calibration import (
    OFFSET_MIN,
    Outcome,
    accuracy,
    adjust,
    adjustment_for,
    conformal_quantile,
    fit,
)

NOW = datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)  # 09:00 WIB


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def fifo(n, service=1, priority=()):
    return [WaitingTicket(i, service, ago(60 - i), i in priority) for i in range(1, n + 1)]


# --------------------------------------------------------------------------- no-show mixture

def test_a_waiting_ticket_is_a_mixture_of_full_service_and_a_short_no_show():
    counters = [CounterState("L1", frozenset({1}))]
    base = dict(now=NOW, counters=counters, waiting=fifo(5), service_times={1: [300.0]}, policies={1: "fifo"},
                no_show_times=[60.0])
    full = estimate(QueueSnapshot(**base), runs=400)
    assert [round(full[i].mean_min, 6) for i in range(1, 6)] == [0.0, 5.0, 10.0, 15.0, 20.0]
    mixed = estimate(QueueSnapshot(**base, no_show_share={1: 0.5}), runs=4000, seed=1)
    # each ticket ahead occupies the counter 5 min or (absent) 1 min: 3 min on average
    for i in range(2, 6):
        assert mixed[i].mean_min == pytest.approx(3.0 * (i - 1), rel=0.05)
    # the fifth ticket: 4 ahead, between 4 x 1 and 4 x 5 minutes, spread like a binomial
    assert mixed[5].p10_min < 12.0 < mixed[5].p90_min
    assert mixed[5].p10_min >= 4.0 - 1e-9 and mixed[5].p90_min <= 20.0 + 1e-9
    # the office's own rate decides: nobody absent, nobody short
    none = estimate(QueueSnapshot(**base, no_show_share={1: 0.0}), runs=200)
    assert round(none[5].mean_min, 6) == 20.0


def test_a_requeued_priority_ticket_comes_back_ahead_of_the_regular_ones_under_strict():
    # P (priority) is called first; it is never there at the first call (1 min at the counter), is requeued,
    # comes back ahead of the regular R (strict) and is served (5 min): R waits 6 minutes
    waiting = [WaitingTicket("P", 1, ago(30), True), WaitingTicket("R", 1, ago(40), False)]
    base = dict(now=NOW, counters=[CounterState("L1", frozenset({1}))], waiting=waiting,
                service_times={1: [300.0]}, no_show_times=[60.0], no_show_share={1: 1.0}, repeat_no_show_share=0.0)
    strict = estimate(QueueSnapshot(**base, policies={1: "strict"}), runs=50)
    assert strict["P"].mean_min == 0.0
    assert strict["R"].mean_min == pytest.approx(6.0)
    # absent again at the second call: 1 + 1 minutes
    again = estimate(QueueSnapshot(**{**base, "repeat_no_show_share": 1.0}, policies={1: "strict"}), runs=50)
    assert again["R"].mean_min == pytest.approx(2.0)
    # without requeues it does not come back
    gone = estimate(QueueSnapshot(**base, policies={1: "strict"}, no_show_requeues=0), runs=50)
    assert gone["R"].mean_min == pytest.approx(1.0)
    # fifo (P older than R): the requeued P goes behind R and everyone waiting now: R is next after 1 minute
    older = [WaitingTicket("P", 1, ago(50), True), WaitingTicket("R", 1, ago(40), False)]
    fifo_est = estimate(QueueSnapshot(**{**base, "waiting": older}, policies={1: "fifo"}), runs=50)
    assert fifo_est["P"].mean_min == 0.0 and fifo_est["R"].mean_min == pytest.approx(1.0)


# --------------------------------------------------------------------------- breaks and absences

def test_a_counter_on_a_break_counts_again_from_the_end_of_its_break():
    waiting = fifo(2)
    on_break = CounterState("L1", frozenset({1}), break_until=NOW + timedelta(minutes=20))
    est = estimate(QueueSnapshot(now=NOW, counters=[on_break], waiting=waiting, service_times={1: [300.0]}))
    assert est[1].mean_min == pytest.approx(20.0) and est[2].mean_min == pytest.approx(25.0)
    # a second counter working meanwhile takes the first ticket
    other = CounterState("L2", frozenset({1}))
    est = estimate(QueueSnapshot(now=NOW, counters=[on_break, other], waiting=waiting, service_times={1: [300.0]}))
    assert est[1].mean_min == 0.0 and est[2].mean_min == pytest.approx(5.0)


def test_an_overdue_break_ends_soon_not_never():
    overdue = CounterState("L1", frozenset({1}), break_until=NOW - timedelta(minutes=5))
    est = estimate(QueueSnapshot(now=NOW, counters=[overdue], waiting=fifo(1), service_times={1: [300.0]},
                                 overdue_return_s=600.0), runs=2000)[1]
    assert 0.0 <= est.p10_min < est.p90_min <= 10.0
    assert est.mean_min == pytest.approx(5.0, abs=0.5)


def test_a_counter_idle_while_tickets_wait_is_taken_as_away():
    counter = CounterState("L1", frozenset({1}), idle_since=ago(10))
    base = dict(now=NOW, counters=[counter], service_times={1: [300.0]}, away_after_s=300.0, absence_s=2700.0)
    # a ticket has waited 10 minutes with nobody called: the clerk left; a 27-63 minute absence, 10 gone
    est = estimate(QueueSnapshot(**base, waiting=[WaitingTicket(1, 1, ago(10))]), runs=2000)[1]
    assert 17.0 - 1e-6 <= est.p10_min and est.p90_min <= 53.0 + 1e-6
    assert est.mean_min == pytest.approx(35.0, abs=1.5)
    # a ticket that has just arrived at an idle counter is called at once
    assert estimate(QueueSnapshot(**base, waiting=[WaitingTicket(1, 1, NOW)]))[1].mean_min == 0.0
    # without the rule (away_after_s None) an idle counter is always there
    assert estimate(QueueSnapshot(**{**base, "away_after_s": None}, waiting=[WaitingTicket(1, 1, ago(10))]))[1] \
        .mean_min == 0.0


# --------------------------------------------------------------------------- priority arrivals

H = 3600.0


def _day(crowd: int, per_quarter: int = 1, service=1):
    """Priority issue times: ``crowd`` at 08:00-08:04, then ``per_quarter`` every 15 minutes until 14:00."""
    times = [8 * H + 15 * k for k in range(crowd)]
    times += [8 * H + 450 + 900 * q for q in range(24) for _ in range(per_quarter)]
    return {service: times}


def test_the_crowd_at_the_door_does_not_inflate_the_first_hour():
    reference = [_day(10) for _ in range(4)]
    today = _day(10)
    today = {1: [t for t in today[1] if t <= 8 * H + 300]}  # the crowd came, 08:05 now
    profile = priority_profile(reference, today, now_s=8 * H + 300, until_s=15 * H, opened_s=8 * H)[1]
    assert _expected(profile, 0, 3600) == pytest.approx(4.0, abs=0.01)  # the first hour: one per quarter
    assert _expected(profile, 0, 7 * H) == pytest.approx(24.0, abs=0.01)  # nothing after 14:00
    # the old way (the last quarter hour extrapolated) would have expected 40 in the first hour


def _expected(profile, a, b):
    """Tickets expected between a and b seconds from now under the piecewise rate ``profile``."""
    total = 0.0
    for (s, rate), (e, _) in zip(profile, profile[1:] + [(math.inf, 0.0)]):
        lo, hi = max(a, s), min(b, e)
        if hi > lo:
            total += rate * (hi - lo) / 3600.0
    return total


def test_todays_level_is_an_empirical_bayes_weighting_of_today_against_the_history():
    assert prior_strength([10, 10, 10, 10]) == 200.0  # no more variation than Poisson: trust the history
    assert prior_strength([5, 20, 5, 20]) == 3.0  # 12.5^2 / (75 - 12.5) = 2.5, bounded below
    assert prior_strength([8, 16, 12, 20]) == pytest.approx(14.0 ** 2 / (26.6667 - 14.0), rel=1e-3)
    assert day_level(0, 0, 10) == 1.0
    assert day_level(20, 10, 10) == pytest.approx(1.5)  # twice the usual so far: halfway there with k = E
    assert day_level(200, 100, 10) == pytest.approx(210 / 110)  # more evidence, closer to today's rate

    # reference days that vary a lot (small k): a busy morning today raises the rest of the day
    reference = [_day(0, 1), _day(0, 3), _day(0, 1), _day(0, 3)]
    busy = {1: [8 * H + 450 + 900 * q for q in range(8) for _ in range(4)]}  # 4 per quarter until 10:00
    now_s = 10 * H
    profile = priority_profile(reference, busy, now_s=now_s, until_s=14 * H, opened_s=8 * H)[1]
    k = prior_strength([24, 72, 24, 72])
    expected_so_far, observed = 16.0, 32
    level = (k + observed) / (k + expected_so_far)
    assert _expected(profile, 0, 4 * H) == pytest.approx(level * 32.0, rel=1e-6)
    assert 1.0 < level < 2.0


def test_without_history_todays_rate_over_at_least_an_hour():
    today = {1: [8 * H + 10 * k for k in range(6)]}  # six at the door
    profile = priority_profile([], today, now_s=8 * H + 600, until_s=14 * H, opened_s=8 * H)
    assert profile == {1: [(0.0, 6.0)]}  # 6 per hour, not 36
    assert priority_profile([_day(1)], {}, now_s=15 * H, until_s=14 * H, opened_s=8 * H) == {}


def test_a_profile_drives_the_replay_newcomers():
    # one counter, a regular ticket that waits behind 5-minute services; priority newcomers (strict) overtake
    waiting = [WaitingTicket("R", 1, ago(1))] + [WaitingTicket(i, 1, ago(10 - i)) for i in range(1, 4)]
    base = dict(now=NOW, counters=[CounterState("L1", frozenset({1}))], waiting=waiting,
                service_times={1: [300.0]}, policies={1: "strict"}, issuing_until=NOW + timedelta(hours=5))
    alone = estimate(QueueSnapshot(**base), runs=500)["R"].mean_min
    quiet_then_busy = {1: [(0.0, 0.0), (3600.0, 60.0)]}  # nobody for an hour, then one a minute
    later = estimate(QueueSnapshot(**base, priority_arrival_profile=quiet_then_busy), runs=500)["R"].mean_min
    assert alone == later == pytest.approx(15.0)  # R is called at 15 minutes: nobody arrives before
    busy_now = {1: [(0.0, 6.0)]}  # one per 10 minutes from now
    assert estimate(QueueSnapshot(**base, priority_arrival_profile=busy_now), runs=500)["R"].mean_min > 16.0


# --------------------------------------------------------------------------- conformal adjustment

def test_conformal_quantile_rank():
    assert conformal_quantile(list(range(1, 10)), 0.1) == 9  # ceil(10 x 0.9) = 9th of 9
    assert conformal_quantile(list(range(1, 100)), 0.1) == 90  # ceil(100 x 0.9) = 90th
    with pytest.raises(ValueError):
        conformal_quantile([], 0.1)


def test_the_adjustment_widens_a_range_that_was_too_narrow():
    g = lambda x: math.log(x + OFFSET_MIN)  # noqa: E731
    # the replay said 50 (P10 = P50 = P90 = 50) 99 times; the actual waits were 1..99 minutes (mean 50)
    record = [Outcome(1, 50.0, 50.0, 50.0, float(a)) for a in range(1, 100)]
    adj = fit(record)[None]
    assert adj.center == pytest.approx(0.0)  # no bias to take out
    lower = sorted(g(50) - g(a) for a in range(1, 100))[89]  # the 90th of 99: ceil(100 x 0.9)
    upper = sorted(g(a) - g(50) for a in range(1, 100))[89]
    assert adj.lower == pytest.approx(lower) and adj.upper == pytest.approx(upper) and adj.n == 99
    shown = adjust(Estimate(50.0, 50.0, 50.0, 50.0), adj)
    assert shown.p10_min == pytest.approx(10.0) and shown.p90_min == pytest.approx(90.0)  # 81 of 99 inside
    assert shown.mean_min == shown.p50_min == pytest.approx(50.0)


def test_the_centre_is_moved_so_that_the_record_has_no_bias():
    # the replay said 20 minutes, the waits were 30 (a lunch break it could not see) on 12 days: the centre
    # moves up, by 12 / (12 + 3) of the way (a few days' record could be a few odd days)
    record = [Outcome(1, 15.0, 20.0, 25.0, 30.0, mean=20.0, day=d) for d in range(12) for _ in range(4)]
    adj = fit(record)[None]
    assert adj.center == pytest.approx(0.8 * math.log(35 / 25))
    shown = adjust(Estimate(20.0, 15.0, 20.0, 25.0), adj)
    assert shown.mean_min == pytest.approx(25 * (35 / 25) ** 0.8 - 5)
    # and the range: every actual wait was 30, above the centre: P10 up to the centre, P90 at 30
    assert shown.p10_min == pytest.approx(shown.p50_min) and shown.p90_min == pytest.approx(30.0)
    # the same record from two days only: the centre moves 2 / (2 + 3) of the way
    two = fit([Outcome(1, 15.0, 20.0, 25.0, 30.0, mean=20.0, day=d % 2) for d in range(48)])[None]
    assert two.center == pytest.approx(0.4 * math.log(35 / 25))


def test_the_adjustment_keeps_its_promise_on_new_waits():
    rng = np.random.default_rng(5)

    def draws(n):
        p50 = rng.uniform(5, 60, n)
        actual = p50 * rng.lognormal(0.0, 0.5, n)  # the model's own range (below) is far too narrow
        return [Outcome(1, m * 0.9, m, m * 1.1, a) for m, a in zip(p50, actual)]

    adj = fit(draws(1500))[("service", 1)]
    fresh = draws(20000)
    inside = [adjust(Estimate(o.p50, o.p10, o.p50, o.p90), adj) for o in fresh]
    coverage = np.mean([e.p10_min <= o.actual <= e.p90_min for e, o in zip(inside, fresh)])
    below = np.mean([o.actual < e.p10_min for e, o in zip(inside, fresh)])
    assert 0.77 <= coverage <= 0.83 and 0.07 <= below <= 0.13
    bias = np.mean([e.mean_min - o.actual for e, o in zip(inside, fresh)])
    raw_bias = np.mean([o.p50 - o.actual for o in fresh])
    assert abs(bias) < 1.5 and raw_bias < -3.0  # the lognormal's mean is above its median: the centre moved
    raw = np.mean([o.p10 <= o.actual <= o.p90 for o in fresh])
    assert raw < 0.25


def test_small_records_fall_back_and_groups_shrink_towards_their_parent():
    few = [Outcome(1, 5.0, 6.0, 7.0, 30.0)] * 29
    assert fit(few) == {}  # too little record: the replay's own figures
    assert adjustment_for({}, 1, 9) is None
    assert adjust(Estimate(6.0, 5.0, 6.0, 7.0), None) == Estimate(6.0, 5.0, 6.0, 7.0)
    wide = [Outcome(1, 10.0, 10.0, 10.0, float(a), hour=9) for a in range(1, 61)]  # service 1: far off
    exact = [Outcome(2, 10.0, 10.0, 10.0, 10.0, hour=9)] * 60  # service 2: always right
    tiny = [Outcome(3, 10.0, 10.0, 10.0, 10.0, hour=10)] * 5  # service 3: five records, another hour
    adj = fit(wide + exact + tiny)
    pooled, nine = adj[None], adj[("hour", 9)]
    assert adj[("service", 3)].lower == pooled.lower and adj[("service", 3)].n == 5  # too few for own tails
    assert adj[(3, 10)].upper == adj[("hour", 10)].upper  # the same inside its hour
    # service 2 alone would not move at all: half its own (n / (n + 60) = 0.5), half its hour's; its own
    # scores are taken around its (shrunk) centre
    center = 0.5 * 0.0 + 0.5 * nine.center
    assert adj[(2, 9)].center == pytest.approx(center)
    assert adj[(2, 9)].upper == pytest.approx(0.5 * -center + 0.5 * nine.upper)
    assert adj[(1, 9)].upper > adj[(2, 9)].upper
    # the most specific group there is
    assert adjustment_for(adj, 2, 9) is adj[(2, 9)]
    assert adjustment_for(adj, 2, 13) is adj[("service", 2)]  # nothing recorded at 13:00
    assert adjustment_for(adj, 7, 9) is nine  # a service without record, in a known hour
    assert adjustment_for(adj, 7, None) is pooled


def test_accuracy_of_shown_estimates():
    acc = accuracy([(10, 5, 15, 12.0), (10, 5, 15, 20.0), (0, 0, 0, 0.5), (30, 20, 40, 20.0)])
    assert acc.n == 4
    assert acc.mae == pytest.approx((2 + 10 + 0.5 + 10) / 4)
    assert acc.bias == pytest.approx((-2 - 10 - 0.5 + 10) / 4)
    assert acc.inside == pytest.approx(2 / 4)
    assert accuracy([]).n == 0 and accuracy([]).inside is None


# --------------------------------------------------------------------------- absences still to come (lunch)

def test_absences_of_earlier_days_are_free_stretches_while_work_waited():
    from queue_service.domain.absences import counter_absences, future_absences
    h = 3600.0
    events = [("L1", "call", 8 * h), ("L1", "finish", 8 * h + 300),
              ("L1", "call", 8 * h + 300), ("L1", "finish", 12 * h),  # one long service: busy, not away
              ("L1", "call", 12.75 * h), ("L1", "finish", 12.8 * h),  # back from lunch at 12:45
              ("L1", "call", 13 * h), ("L1", "no_show", 13.02 * h),  # 20 quiet minutes: nobody waiting
              ("L1", "call", 13.35 * h), ("L1", "finish", 13.4 * h),
              ("L1", "call", 13.45 * h),  # a 3-minute pause while work waited: an ordinary pause
              ("L2", "call", 8 * h), ("L2", "finish", 9 * h), ("L2", "call", 10 * h)]  # L2 serves service 2
    waits = [(1, 11.9 * h, 12.75 * h),  # waited from 11:54 until the clerk came back
             (1, 13.3 * h, 13.35 * h), (1, 13.42 * h, 13.45 * h), (2, 9 * h, 10 * h)]
    found = counter_absences(events, {"L1": [1], "L2": [2, 3]}, waits)
    assert found == {"L1": [(12 * h, 12.75 * h)], "L2": [(9 * h, 10 * h)]}
    # the same lunch with nobody waiting is no absence
    assert counter_absences(events, {"L1": [1]}, [(1, 13.3 * h, 13.35 * h)]) == {}
    # a finish and the next call at the same moment: busy through, whatever order the record has them in
    busy = [("L3", "call", 8 * h), ("L3", "call", 9 * h), ("L3", "finish", 9 * h), ("L3", "call", 10 * h),
            ("L3", "finish", 10 * h)]
    assert counter_absences(busy, {"L3": [1]}, [(1, 8 * h, 10 * h)]) == {}
    # from 11:00: the absences still to come, in seconds from now; none for a counter away now
    days = [found, {}, {"L1": [(10 * h, 10.5 * h)]}]
    assert future_absences(days, 11 * h) == [{"L1": [(h, 1.75 * h)]}, {}, {}]
    assert future_absences(days, 11 * h, skip=["L1"]) == [{}, {}, {}]


def test_the_replay_expects_the_lunch_of_earlier_days():
    counter = CounterState("L1", frozenset({1}))
    base = dict(now=NOW, counters=[counter], waiting=fifo(2), service_times={1: [300.0]})
    assert estimate(QueueSnapshot(**base))[2].mean_min == pytest.approx(5.0)
    lunch = {"L1": [(300.0, 3000.0)]}  # on the earlier day the clerk left after the first ticket until +50 min
    est = estimate(QueueSnapshot(**base, absence_days=[lunch]), runs=100)
    assert est[1].mean_min == 0.0 and est[2].mean_min == pytest.approx(50.0)
    # two earlier days, one with that lunch and one without: half the runs each
    est = estimate(QueueSnapshot(**base, absence_days=[lunch, {}]), runs=2000)[2]
    assert est.mean_min == pytest.approx(27.5, abs=1.5) and est.p10_min == pytest.approx(5.0)
    assert est.p90_min == pytest.approx(50.0)
    # a counter on a break now has had its absence: the earlier day's does not come on top
    on_break = CounterState("L1", frozenset({1}), break_until=NOW + timedelta(minutes=10))
    est = estimate(QueueSnapshot(**{**base, "counters": [on_break]}, absence_days=[lunch]), runs=100)
    assert est[1].mean_min == pytest.approx(10.0) and est[2].mean_min == pytest.approx(15.0)
