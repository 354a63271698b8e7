"""Erlang C and the counters-per-hour advice (pure)."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from reports import staffing as sf


def erlang_c_by_factorials(c: int, a: float) -> float:
    """The textbook formula, independently of the recurrence."""
    top = a ** c / math.factorial(c) * c / (c - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize("c,a", [(1, 0.5), (2, 1.0), (5, 3.7), (11, 10.0), (30, 25.5)])
def test_erlang_c_matches_the_textbook_formula(c, a):
    assert sf.erlang_c(c, a) == pytest.approx(erlang_c_by_factorials(c, a), rel=1e-9)


def test_erlang_c_known_values_and_edges():
    assert sf.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert sf.erlang_c(1, 0.7) == pytest.approx(0.7)  # M/M/1: P(wait) = utilisation
    assert sf.erlang_c(3, 3.0) == 1.0 and sf.erlang_c(2, 5.0) == 1.0  # cannot keep up
    assert sf.erlang_c(3, 0.0) == 0.0
    with pytest.raises(ValueError):
        sf.erlang_b(-1, 1.0)


def test_erlang_c_stays_finite_for_large_offices():
    # factorials overflow floats long before this; the recurrence does not
    p = sf.erlang_c(400, 380.0)
    assert 0 < p < 1


def test_mm1_wait_tail():
    lam_h, svc = 30.0, 90.0  # 30 an hour, 1.5 min each: rho = 0.75
    lam, mu = lam_h / 3600, 1 / svc
    t = 300.0
    assert sf.p_wait_exceeds(1, lam_h, svc, t) == pytest.approx(0.75 * math.exp(-(mu - lam) * t))


def test_wait_quantile_inverts_the_tail():
    c, lam_h, svc = 6, 60.0, 300.0
    t90 = sf.wait_quantile(c, lam_h, svc, 0.9)
    assert sf.p_wait_exceeds(c, lam_h, svc, t90) == pytest.approx(0.1)
    assert sf.wait_quantile(5, 60.0, 300.0) == math.inf  # a = 5: unstable
    assert sf.wait_quantile(30, 60.0, 300.0) == 0.0  # hardly anyone waits
    assert sf.wait_quantile(3, 0.0, 300.0) == 0.0


@settings(max_examples=150, deadline=None)
@given(hs.floats(min_value=0.5, max_value=600), hs.floats(min_value=30, max_value=1800),
       hs.floats(min_value=0, max_value=7200))
def test_counters_needed_is_the_fewest_that_meet_the_target(lam_h, svc, target):
    c = sf.counters_needed(lam_h, svc, target)
    assert sf.p_wait_exceeds(c, lam_h, svc, target) <= 0.1 + 1e-9
    if c > 1:
        assert sf.p_wait_exceeds(c - 1, lam_h, svc, target) > 0.1
    assert c > lam_h * svc / 3600  # more counters than the load


def test_counters_needed_grows_with_arrivals_and_shrinks_with_the_target():
    assert sf.counters_needed(0, 300, 600) == 0
    xs = [sf.counters_needed(lam, 300, 900) for lam in (10, 50, 100, 200, 400)]
    assert xs == sorted(xs) and xs[0] < xs[-1]
    assert sf.counters_needed(100, 300, 60) >= sf.counters_needed(100, 300, 1800)
    with pytest.raises(ValueError):
        sf.counters_needed(-1, 300, 600)
    with pytest.raises(ValueError):
        sf.counters_needed(10, 0, 600)
    assert sf.counters_needed(1e9, 300, 600) == sf.MAX_COUNTERS


def test_mix_pools_services_by_load():
    lam, mean, target = sf.mix({"A": 30, "B": 10, "C": 0}, {"A": 200, "B": 600, "C": 60},
                               {"A": 1800, "B": 900, "C": 60})
    assert lam == 40 and mean == pytest.approx((30 * 200 + 10 * 600) / 40) and target == 900
    assert sf.mix({}, {}, {}) == (0.0, None, None)
    assert sf.mix({"A": 5}, {}, {}) == (5, None, None)  # no service-time history yet


def test_plan_day_per_hour_with_counters_open():
    arrivals = {8: {"A": 60, "B": 20}, 9: {"A": 30}, 10: {}, 11: {"Z": 4}}
    plan = sf.plan_day(arrivals, {"A": 300, "B": 600}, {"A": 1800, "B": 1200}, open_counters={8: 6.0, 9: 2.5})
    by = {p.hour: p for p in plan}
    assert by[8].needed == sf.counters_needed(80, (60 * 300 + 20 * 600) / 80, 1200)
    assert by[9].needed == sf.counters_needed(30, 300, 1800)
    assert by[8].open == 6.0 and by[8].short == by[8].needed - 6.0
    assert by[10].needed == 0 and by[10].p90_wait_s is None and by[10].open is None and by[10].short is None
    assert by[11].needed == 0 and by[11].mean_service_s is None  # arrivals without a service-time history
    assert by[8].p90_wait_s is not None and by[8].p90_wait_s <= 1200
    # no target set: the default target (30 min)
    assert sf.plan_day({8: {"A": 60}}, {"A": 300}, {})[0].target_s == 1800
