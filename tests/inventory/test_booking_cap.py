"""Printing bookings follow the blanks: bookable places on a day from the stock expected on hand."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from inventory.booking_cap import (
    NO_BLANKS,
    Delivery,
    bookable_blanks,
    displaceable,
    expected_on_hand,
    promised_from_stock,
    walkin_before,
)
from inventory.forecast import forecast_daily

ROOT = Path(__file__).resolve().parents[2]
WED = dt.date(2026, 6, 10)
THU, FRI, SAT, SUN, MON = (WED + dt.timedelta(days=i) for i in range(1, 6))
DAYS = [WED, THU, FRI, SAT, SUN, MON]
#: walk-ins take 30 a weekday, nothing at the weekend; cumulative from now until each day
WALKIN = {WED: 0.0, THU: 30.0, FRI: 60.0, SAT: 90.0, SUN: 90.0, MON: 90.0}


def caps(booked=None, deliveries=(), balance=100, reserve=10, per_card=1, days=(THU, FRI, MON), walkin=None):
    return bookable_blanks(list(days), today=WED, balance=balance, reserve=reserve, per_card=per_card,
                           deliveries=deliveries, walkin_before=walkin or WALKIN, booked=booked or {})


def test_places_shrink_day_by_day_as_walkins_use_the_stock():
    c = caps()
    assert (c[THU].left, c[FRI].left, c[MON].left) == (60, 30, 0)
    assert c[THU].on_hand == 70 and c[MON].on_hand == 10
    assert c[MON].reason == NO_BLANKS and c[THU].reason is None


def test_a_delivery_opens_places_from_the_day_after_it_is_expected():
    c = caps(deliveries=[Delivery(FRI, 200)])
    assert c[FRI].left == 30 and c[MON].left == 200
    assert caps(deliveries=[Delivery(SUN, 50)])[MON].left == 50


def test_an_overdue_delivery_counts_only_once_received():
    assert caps(deliveries=[Delivery(WED - dt.timedelta(days=2), 500)])[MON].left == 0


def test_bookings_of_the_day_and_of_earlier_days_use_the_blanks():
    c = caps({THU: 20})
    assert c[THU].left == 40          # 70 on hand - 10 reserve - 20 booked
    assert c[FRI].left == 10          # 40 on hand - 20 booked Thursday - 10 reserve
    assert expected_on_hand(FRI, today=WED, balance=100, deliveries=[], walkin_before=WALKIN,
                            booked={THU: 20}) == 20


def test_an_earlier_booking_may_not_take_blanks_promised_to_a_later_day():
    # Friday's 30 places are all booked: nothing is left on Thursday either, though Thursday alone
    # would have 60 (every blank Thursday takes is one Friday's citizens were promised)
    c = caps({FRI: 30})
    assert c[FRI].left == 0 and c[THU].left == 0 and c[THU].reason == NO_BLANKS
    partly = caps({FRI: 25})
    assert partly[THU].left == 5 and partly[FRI].left == 5


def test_a_later_day_with_no_bookings_does_not_hold_earlier_days_back():
    # Monday has no blanks at all (walk-ins use them first), but nobody is booked on Monday
    assert caps()[THU].left == 60


def test_per_card_counts_ledger_units():
    c = caps(per_card=2)
    assert (c[THU].left, c[FRI].left) == (30, 15)


def test_past_days_and_bad_arguments():
    assert caps(days=[WED - dt.timedelta(days=1)])[WED - dt.timedelta(days=1)].left == 0
    with pytest.raises(ValueError):
        caps(per_card=0)
    with pytest.raises(ValueError):
        caps(reserve=-1)
    with pytest.raises(ValueError, match="before today"):
        expected_on_hand(WED - dt.timedelta(days=1), today=WED, balance=1, deliveries=[], walkin_before={},
                         booked={})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attempts=hs.lists(hs.integers(0, 5), max_size=60), balance=hs.integers(0, 40),
       reserve=hs.integers(0, 5), daily=hs.integers(0, 6), delivery=hs.tuples(hs.integers(0, 5), hs.integers(0, 20)))
def test_accepting_only_where_a_place_is_left_never_breaks_a_promise(attempts, balance, reserve, daily, delivery):
    """Bookings accepted one by one wherever ``left >= 1`` never leave a booked day short:
    on every day with bookings, expected stock covers them above the reserve."""
    walkin = {d: float(daily * min(i, 3)) for i, d in enumerate(DAYS)}  # weekdays Wed-Fri use blanks
    deliveries = [Delivery(DAYS[delivery[0]], delivery[1])] if delivery[1] else []
    booked: dict[dt.date, int] = {}
    for i in attempts:
        day = DAYS[i]
        c = caps(booked, deliveries, balance=balance, reserve=reserve, days=[day], walkin=walkin)
        if c[day].left >= 1:
            booked[day] = booked.get(day, 0) + 1
    for day, n in booked.items():
        on_hand = expected_on_hand(day, today=WED, balance=balance, deliveries=deliveries,
                                   walkin_before=walkin, booked=booked)
        assert on_hand - reserve - n >= 0, (day, on_hand, n)


def test_a_booking_within_the_days_expected_demand_does_not_touch_later_promises():
    # Friday is fully promised; a Thursday booking that takes the place of one of Thursday's 30 expected
    # walk-ins uses no extra blank, so Thursday stays open up to that room
    c = caps({FRI: 30})
    assert c[THU].left == 0
    with_room = bookable_blanks([THU], today=WED, balance=100, reserve=10, walkin_before=WALKIN,
                                booked={FRI: 30}, room={THU: 12})
    assert with_room[THU].left == 12


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attempts=hs.lists(hs.integers(0, 5), max_size=60), balance=hs.integers(0, 40),
       reserve=hs.integers(0, 5), demand=hs.lists(hs.integers(0, 6), min_size=6, max_size=6))
def test_with_displacement_accepting_where_a_place_is_left_never_breaks_a_promise(attempts, balance, reserve,
                                                                                  demand):
    """Bookings take the place of expected walk-ins (consumption on a day = max(demand, bookings)):
    accepting wherever ``left >= 1`` still leaves every booked day covered."""
    W = dict(zip(DAYS, demand))
    booked: dict[dt.date, int] = {}

    def consumption_before(x):
        return sum(max(W[d], booked.get(d, 0)) for d in DAYS if d < x)

    for i in attempts:
        day = DAYS[i]
        walk = {x: float(sum(max(0, W[d] - booked.get(d, 0)) for d in DAYS if d < x)) for x in DAYS}
        room = {d: float(max(0, W[d] - booked.get(d, 0))) for d in DAYS}
        c = bookable_blanks([day], today=WED, balance=balance, reserve=reserve, walkin_before=walk, booked=booked,
                            room=room)
        if c[day].left >= 1:
            booked[day] = booked.get(day, 0) + 1
    for day, n in booked.items():
        assert balance - consumption_before(day) - reserve - n >= 0, (day, booked)


def test_displaceable_is_the_low_end_of_the_days_demand_less_bookings():
    dates = [WED, THU]
    paths = np.array([[10, 10], [20, 20], [30, 30], [40, 40], [50, 50]], float)
    room = displaceable(dates, paths, booked={THU: 5}, quantile=0.75, used_today=15)
    assert room == {WED: 5.0, THU: 15.0}  # P25: 20 (less 15 used today), 20 - 5 booked
    assert displaceable(dates, paths, booked={THU: 50}, quantile=0.75)[THU] == 0.0


def test_walkin_before_takes_a_quantile_of_the_cumulative_paths():
    dates = [WED, THU, FRI]
    paths = np.array([[10, 10, 10], [20, 20, 20], [30, 30, 30], [40, 40, 40], [50, 50, 50]], float)
    mid = walkin_before(dates, paths, today=WED, booked={}, quantile=0.5)
    assert mid == {WED: 0.0, THU: 30.0, FRI: 60.0, SAT: 90.0}
    high = walkin_before(dates, paths, today=WED, booked={}, quantile=1.0)
    assert high[SAT] == 150.0
    # what was used today is already off the balance: it comes off today's demand
    assert walkin_before(dates, paths, today=WED, booked={}, quantile=0.5, used_today=25)[THU] == 5.0


def test_bookings_displace_walkin_demand_or_add_to_it():
    dates = [WED, THU, FRI]
    paths = np.full((10, 3), 30.0)
    displaced = walkin_before(dates, paths, today=WED, booked={THU: 20}, quantile=0.5)
    assert displaced[FRI] == 30.0 + 10.0
    added = walkin_before(dates, paths, today=WED, booked={THU: 20}, quantile=0.5, displace=False)
    assert added[FRI] == 60.0
    # more bookings than forecast demand: walk-ins take nothing that day
    assert walkin_before(dates, paths, today=WED, booked={THU: 50}, quantile=0.5)[FRI] == 30.0


def test_walkin_before_refuses_days_beyond_the_forecast_and_misaligned_paths():
    dates = [WED, THU]
    paths = np.ones((5, 2))
    with pytest.raises(ValueError, match="beyond"):
        walkin_before(dates, paths, today=WED, booked={}, until=[MON])
    with pytest.raises(ValueError, match="start today"):
        walkin_before(dates, paths, today=THU, booked={})
    with pytest.raises(ValueError, match="n_paths"):
        walkin_before(dates, np.ones((5, 3)), today=WED, booked={})
    with pytest.raises(ValueError, match="quantile"):
        walkin_before(dates, paths, today=WED, booked={}, quantile=1.5)


def test_with_the_real_forecast_a_higher_quantile_plans_for_more_walkins():
    start = dt.date(2025, 6, 9)  # a Monday, a year of history ending the day before WED
    rng = np.random.default_rng(3)
    history = {}
    d = start
    while d < WED:
        history[d] = float(rng.poisson([40, 32, 30, 28, 22, 0, 0][d.weekday()]))
        d += dt.timedelta(days=1)
    closed = {x for x in history if x.weekday() >= 5} | {WED + dt.timedelta(days=i) for i in range(30)
                                                         if (WED + dt.timedelta(days=i)).weekday() >= 5}
    fc = forecast_daily(history, 30, closed=closed)
    assert fc.dates[0] == WED
    low = walkin_before(fc.dates, fc.paths, today=WED, booked={}, quantile=0.5)
    high = walkin_before(fc.dates, fc.paths, today=WED, booked={}, quantile=0.9)
    days = fc.dates[1:]
    assert all(high[x] >= low[x] for x in days)
    assert all(low[b] >= low[a] for a, b in zip(days, days[1:]))  # cumulative: never falls
    assert low[SAT] == low[MON]  # nobody uses blanks at the weekend
    c50 = bookable_blanks(days[:10], today=WED, balance=200, reserve=20, walkin_before=low, booked={})
    c90 = bookable_blanks(days[:10], today=WED, balance=200, reserve=20, walkin_before=high, booked={})
    assert all(c90[x].left <= c50[x].left for x in days[:10])
    assert c50[THU].left > 0 and any(c.left == 0 for c in c50.values())


def test_promised_from_stock_keeps_back_what_bookings_need_until_a_delivery():
    assert promised_from_stock(today=WED, booked={}) == 0
    assert promised_from_stock(today=WED, booked={WED: 5, THU: 10, MON: 20}) == 35
    # a delivery dated Friday covers Monday's bookings
    assert promised_from_stock(today=WED, booked={WED: 5, THU: 10, MON: 20},
                               deliveries=[Delivery(FRI, 100)]) == 15
    assert promised_from_stock(today=WED, booked={THU: 3}, per_card=2) == 6
    # bookings of past days (not released yet) are not promised from today's stock
    assert promised_from_stock(today=WED, booked={WED - dt.timedelta(days=1): 9}) == 0


def test_booking_cap_is_pure():
    code = ("import sys, inventory.booking_cap; bad = [m for m in ('flask', 'sqlalchemy') if m in sys.modules];"
            " sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
