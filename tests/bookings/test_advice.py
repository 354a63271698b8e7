"""When to leave home, when to say "turn near", and booked arrivals for the wait estimates."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bookings.advice import (
    LATER,
    NOW,
    UNKNOWN,
    BookedVisit,
    expected_arrivals,
    leave_advice,
    leave_for_slot,
    near_due,
    show_rate,
)
from bookings.checkin import CheckinRules, Waiting

UTC = timezone.utc
T = datetime(2026, 6, 11, 2, 0, tzinfo=UTC)  # 09:00 WIB


def test_leave_later_when_the_quick_end_of_the_estimate_leaves_time():
    a = leave_advice(now=T, estimate={"minutes": 70, "p10": 55, "p90": 95}, travel_minutes=25, margin_minutes=10)
    assert a.when == LATER and a.leave_at == T + timedelta(minutes=20)


def test_leave_now_when_the_queue_may_be_quicker_than_the_trip():
    a = leave_advice(now=T, estimate={"minutes": 40, "p10": 30, "p90": 60}, travel_minutes=25, margin_minutes=10)
    assert a.when == NOW and a.leave_at == T


def test_no_estimate_no_advice():
    assert leave_advice(now=T, estimate=None, travel_minutes=20).when == UNKNOWN
    assert leave_advice(now=T, estimate={"minutes": 3, "p10": None}, travel_minutes=20).when == UNKNOWN
    with pytest.raises(ValueError):
        leave_advice(now=T, estimate=None, travel_minutes=-5)


def test_leave_for_a_booked_slot():
    assert leave_for_slot(slot_start=T, travel_minutes=40, early_minutes=10) == T - timedelta(minutes=50)


@pytest.mark.parametrize("position,sent,due", [(5, False, True), (6, False, False), (0, False, True),
                                               (3, True, False), (None, False, False)])
def test_turn_near_is_said_once_at_the_threshold(position, sent, due):
    assert near_due(position=position, threshold=5, already_sent=sent) is due


def visit(i, slot_minutes, appt_minutes=None, checked_in=False, service=1):
    start = T + timedelta(minutes=slot_minutes)
    return BookedVisit(i, service, start, start + timedelta(hours=1),
                       start + timedelta(minutes=appt_minutes or 0), checked_in)


def test_bookings_still_to_come_are_arrivals_at_their_appointment():
    rules = CheckinRules(early_minutes=30, late_minutes=15, queue_rule="slot")
    visits = [visit(1, 60, 12), visit(2, -10), visit(3, -20), visit(4, 0, checked_in=True)]
    out = expected_arrivals(visits, now=T, rules=rules, show_rate=0.85)
    by_id = {a.id: a for a in out}
    assert set(by_id) == {1, 2}  # 3's window closed at 08:55 (slot 08:40 + 15); 4 is here already
    assert by_id[1].at == T + timedelta(minutes=62) and by_id[1].queued_at == T + timedelta(minutes=72)
    assert by_id[2].at == T and by_id[2].queued_at == T - timedelta(minutes=10)  # late but in its window
    assert all(a.probability == 0.85 for a in out)


def test_interleaved_arrivals_take_their_place_among_who_waits_now():
    rules = CheckinRules(queue_rule="interleave:2")
    waiting = {1: [Waiting(T - timedelta(minutes=m), False) for m in (30, 20, 10)]}
    out = expected_arrivals([visit(1, 0)], now=T, rules=rules, show_rate=1.0, waiting=waiting)
    assert out[0].queued_at == T - timedelta(minutes=20)
    with pytest.raises(ValueError):
        expected_arrivals([], now=T, rules=rules, show_rate=1.5)


def test_show_rate_starts_at_the_prior_and_follows_the_record():
    assert show_rate(kept=0, no_shows=0) == 0.8
    assert show_rate(kept=90, no_shows=10) == pytest.approx(98 / 110)
    assert show_rate(kept=1, no_shows=1) == pytest.approx(9 / 12)
