"""Figure arithmetic: histograms, percentiles, cells and breakdowns (pure)."""
from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from reports import figures as fg
from reports.figures import SERVICE_EDGES, WAIT_EDGES, Cell, TicketFact


def fact(day=date(2026, 3, 2), hour=8, service=1, counter=1, clerk="ani", status="done", wait=600.0,
         service_s=300.0, office=1):
    return TicketFact(office, day, hour, service, counter, clerk, status, wait, service_s)


def hist_of(values, edges=WAIT_EDGES):
    h = [0] * len(edges)
    for v in values:
        h[fg.bin_of(v, edges)] += 1
    return h


def test_bin_edges_are_increasing_and_start_at_zero():
    for edges in (WAIT_EDGES, SERVICE_EDGES):
        assert edges[0] == 0 and all(a < b for a, b in zip(edges, edges[1:]))
    assert WAIT_EDGES[1] == 120 and 3600 in WAIT_EDGES and WAIT_EDGES[-1] == 8 * 3600
    assert SERVICE_EDGES[1] == 60 and SERVICE_EDGES[-1] == 2 * 3600


def test_bin_of_edges_negative_and_overflow():
    assert fg.bin_of(0) == 0 and fg.bin_of(119.9) == 0 and fg.bin_of(120) == 1
    assert fg.bin_of(-30) == 0  # clock skew counts as no wait
    assert fg.bin_of(10 * 3600) == len(WAIT_EDGES) - 1


def test_percentile_interpolates_inside_the_bin():
    h = [0] * len(WAIT_EDGES)
    h[5] = 10  # 10 values in [600, 720)
    assert fg.percentile(h, 0.5) == pytest.approx(660.0)
    assert fg.percentile(h, 0.9) == pytest.approx(600 + 120 * 0.9)
    assert fg.percentile([0] * len(WAIT_EDGES), 0.5) is None
    with pytest.raises(ValueError):
        fg.percentile(h, 1.5)


def test_percentile_in_open_bin_is_its_lower_edge():
    h = [0] * len(WAIT_EDGES)
    h[-1] = 3
    assert fg.percentile(h, 0.9) == WAIT_EDGES[-1]


@settings(max_examples=200, deadline=None)
@given(hs.lists(hs.floats(min_value=0, max_value=7.9 * 3600), min_size=1, max_size=400),
       hs.sampled_from([0.1, 0.5, 0.9]))
def test_histogram_percentile_is_within_one_bin_of_the_exact_value(values, q):
    h = hist_of(values)
    got = fg.percentile(h, q)
    xs = sorted(values)
    # the exact q-quantile lies between the order statistics around rank q*n
    lo = xs[max(0, math.ceil(q * len(xs)) - 1)]
    i = fg.bin_of(lo)
    assert WAIT_EDGES[i] - 1e-6 <= got <= (WAIT_EDGES[i + 1] if i + 1 < len(WAIT_EDGES) else math.inf) + 1e-6


def test_count_within_exact_on_edges_and_interpolated_between():
    values = [0, 100, 500, 1790, 1800, 1801, 4000]
    h = hist_of(values)
    # 1800 (30 min) is an edge: values < 1800 count; 1800 itself sits in the next bin [1800, 1920)
    assert fg.count_within(h, 1800) == 4
    assert fg.exact_target(1800) and not fg.exact_target(27 * 60)
    # 31 min: half of the [30, 32) bin's two values
    assert fg.count_within(h, 1860) == pytest.approx(5.0)
    assert fg.count_within(h, 10 * 3600) == len(values)
    assert fg.count_within(h, 0) == 0


def test_cell_counts_outcomes_waits_and_service_times():
    c = Cell()
    c.add_fact(fact(status="done", wait=600, service_s=300))
    c.add_fact(fact(status="no_show", wait=1200, service_s=None))
    c.add_fact(fact(status="cancelled", wait=None, service_s=None))
    c.add_fact(fact(status="expired", wait=None, service_s=None))
    c.add_fact(fact(status="waiting", wait=None, service_s=None))
    c.add_fact(fact(status="serving", wait=60, service_s=999))  # not finished: no service time yet
    assert (c.issued, c.served, c.no_show, c.cancelled, c.expired) == (6, 1, 1, 1, 1)
    assert c.wait_n == 3 and c.wait_sum == 1860
    assert c.service_n == 1 and c.service_sum == 300 and sum(c.service_hist) == 1


def test_cells_group_by_key_and_add_up():
    facts = [fact(hour=8), fact(hour=8), fact(hour=9), fact(service=2), fact(counter=None, status="cancelled",
                                                                             wait=None, service_s=None, clerk="")]
    cells = fg.cells_from_facts(facts)
    assert len(cells) == 4
    total = Cell()
    for c in cells.values():
        total.add(c)
    assert total.issued == 5 and total.served == 4 and sum(total.wait_hist) == 4


def test_breakdowns_by_every_dimension():
    d0 = date(2026, 3, 2)  # Monday
    facts = []
    for i in range(14):
        d = d0 + timedelta(days=i)
        for h in (8, 9):
            facts.append(fact(day=d, hour=h, service=1 + (i % 2), counter=1 + (h % 2), clerk=f"c{h}",
                              wait=60.0 * (i + 1)))
    cells = fg.cells_from_facts(facts)
    assert set(fg.aggregate(cells, "office")) == {1}
    assert len(fg.aggregate(cells, "day")) == 14
    assert set(fg.aggregate(cells, "hour")) == {8, 9}
    assert set(fg.aggregate(cells, "service")) == {1, 2}
    assert set(fg.aggregate(cells, "counter")) == {1, 2}
    assert set(fg.aggregate(cells, "clerk")) == {"c8", "c9"}
    assert set(fg.aggregate(cells, "weekday")) == set(range(1, 8))
    assert list(fg.aggregate(cells, "week")) == [d0, d0 + timedelta(days=7)]
    assert fg.aggregate(cells, "month")[date(2026, 3, 1)].issued == 28
    two = fg.aggregate(cells, ("day", "hour"))
    assert two[(d0, 8)].issued == 1
    with pytest.raises(ValueError):
        fg.aggregate(cells, "colour")


def test_summary_mean_percentiles_and_share_within_target():
    facts = [fact(wait=60.0 * m, service_s=60.0 * (m % 7 + 1)) for m in range(1, 101)]  # waits 1..100 min
    cells = fg.cells_from_facts(facts)
    s = fg.table(cells, "all", targets={1: 30 * 60})[None]
    assert s.issued == 100 and s.called == 100
    assert s.wait_mean == pytest.approx(50.5 * 60)
    assert abs(s.wait_p50 - 50 * 60) <= 120 and abs(s.wait_p90 - 90 * 60) <= 5 * 60
    assert s.within_share == pytest.approx(0.29)  # waits 1..29 min are < 30 (30 itself sits above the edge)
    assert s.service_mean == pytest.approx(sum(60.0 * (m % 7 + 1) for m in range(1, 101)) / 100)
    assert fg.table(cells, "all")[None].within_share is None  # no targets given


def test_share_within_uses_each_services_own_target():
    facts = [fact(service=1, wait=20 * 60), fact(service=2, wait=20 * 60)]
    cells = fg.cells_from_facts(facts)
    by_counter = fg.table(cells, "counter", targets={1: 30 * 60, 2: 10 * 60})
    assert by_counter[1].within_share == pytest.approx(0.5)


def test_table_sorts_keys_with_none_last():
    facts = [fact(counter=None, status="cancelled", wait=None, service_s=None), fact(counter=3), fact(counter=1)]
    keys = list(fg.table(fg.cells_from_facts(facts), "counter"))
    assert keys == [1, 3, None]


def test_arrivals_heatmap_is_mean_per_open_day_including_empty_days():
    mon = date(2026, 3, 2)
    facts = [fact(day=mon, hour=8)] * 6 + [fact(day=mon + timedelta(days=7), hour=8)] * 2
    open_days = [mon, mon + timedelta(days=7), mon + timedelta(days=14)]  # the third Monday had nobody
    arrivals = fg.issued_by_day_hour(fg.cells_from_facts(facts))
    assert arrivals == {(mon, 8, 1): 6.0, (mon + timedelta(days=7), 8, 1): 2.0}
    heat = fg.arrivals_heatmap(arrivals, open_days)
    assert heat == {(1, 8): pytest.approx(8 / 3)}
    assert fg.arrivals_heatmap(arrivals, []) == {}


def test_hourly_arrival_rates_for_some_days():
    mon, tue = date(2026, 3, 2), date(2026, 3, 3)
    facts = [fact(day=mon, hour=8)] * 4 + [fact(day=tue, hour=9, service=2)] * 10
    arrivals = fg.issued_by_day_hour(fg.cells_from_facts(facts))
    assert fg.hourly_arrival_rates(arrivals, [mon]) == {8: {1: 4.0}}
    assert fg.hourly_arrival_rates(arrivals, [mon, tue]) == {8: {1: 2.0}, 9: {2: 5.0}}
    assert fg.hourly_arrival_rates(arrivals, []) == {}


def test_weekly_trend_keys_are_mondays_in_order():
    rnd = random.Random(3)
    d0 = date(2026, 1, 1)
    facts = [fact(day=d0 + timedelta(days=rnd.randrange(60)), wait=rnd.uniform(0, 3600)) for _ in range(300)]
    trend = fg.weekly_trend(fg.cells_from_facts(facts))
    keys = list(trend)
    assert keys == sorted(keys) and all(k.weekday() == 0 for k in keys)
    assert sum(s.issued for s in trend.values()) == 300


def test_month_bounds():
    assert fg.month_bounds(2026, 2) == (date(2026, 2, 1), date(2026, 2, 28))
    assert fg.month_bounds(2024, 2)[1] == date(2024, 2, 29)
    assert fg.month_bounds(2026, 12) == (date(2026, 12, 1), date(2026, 12, 31))
    for y, m in ((2026, 13), (2026, 0), (1999, 5), (99999, 1)):
        with pytest.raises(ValueError):
            fg.month_bounds(y, m)


def test_histograms_pack_and_unpack_many():
    a = [0] * fg.WAIT_BINS
    a[3], a[-1] = 7, 70000  # beyond 16 bits
    b = list(range(fg.WAIT_BINS))
    m = fg.unpack_hists([fg.pack_hist(a), memoryview(fg.pack_hist(b))], fg.WAIT_BINS)
    assert m.shape == (2, fg.WAIT_BINS) and m[0].tolist() == a and m[1].tolist() == b
    assert fg.unpack_hists([], fg.WAIT_BINS).shape == (0, fg.WAIT_BINS)
    with pytest.raises(ValueError):
        fg.unpack_hists([fg.pack_hist(a[:-1])], fg.WAIT_BINS)
