"""Check-in windows, late and early citizens, no-shows, and where a booking joins the queue."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bookings.checkin import (
    EARLY,
    LATE,
    OK,
    WRONG_DAY,
    CheckinRules,
    QueueRule,
    Waiting,
    appointment,
    decide,
    is_no_show,
    parse_queue_rule,
    queued_at_for,
    window,
)

UTC = timezone.utc
START = datetime(2026, 6, 11, 2, 0, tzinfo=UTC)  # 09:00 WIB
END = START + timedelta(hours=1)
RULES = CheckinRules(early_minutes=30, late_minutes=15)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


@pytest.mark.parametrize("minutes,outcome", [(-31, EARLY), (-30, OK), (0, OK), (15, OK), (15.01, LATE), (90, LATE)])
def test_the_window_runs_from_30_before_to_15_after_the_start(minutes, outcome):
    assert decide(now=at(minutes), slot_start=START, slot_end=END, rules=RULES).outcome == outcome


def test_early_is_told_when_to_come_back_and_late_what_is_offered():
    early = decide(now=at(-50), slot_start=START, slot_end=END, rules=RULES)
    assert early.come_back_at == at(-30)
    late = decide(now=at(20), slot_start=START, slot_end=END, rules=RULES)
    assert late.offer == "walk_in" and late.come_back_at is None
    rebook = decide(now=at(20), slot_start=START, slot_end=END, rules=CheckinRules(late_policy="rebook"))
    assert rebook.offer == "rebook"


def test_late_from_the_end_of_the_slot():
    rules = CheckinRules(early_minutes=30, late_minutes=15, late_from="end")
    assert window(START, END, rules).closes == END + timedelta(minutes=15)
    assert decide(now=at(70), slot_start=START, slot_end=END, rules=rules).outcome == OK


def test_another_days_booking_is_the_wrong_day():
    assert decide(now=at(0), slot_start=START, slot_end=END, rules=RULES, today_matches=False).outcome == WRONG_DAY


def test_no_show_after_the_window_closes():
    assert not is_no_show(now=at(15), slot_start=START, slot_end=END, rules=RULES)
    assert is_no_show(now=at(16), slot_start=START, slot_end=END, rules=RULES)


def test_naive_times_are_utc():
    naive = START.replace(tzinfo=None)
    assert decide(now=at(0).replace(tzinfo=None), slot_start=naive, slot_end=END, rules=RULES).outcome == OK


@pytest.mark.parametrize("kw", [{"early_minutes": -1}, {"late_from": "middle"}, {"late_policy": "ignore"},
                                {"queue_rule": "interleave:0"}, {"queue_rule": "random"}])
def test_bad_rules_are_refused(kw):
    with pytest.raises(ValueError):
        CheckinRules(**kw)


def test_queue_rules_parse():
    assert parse_queue_rule(None) == QueueRule("slot")
    assert parse_queue_rule(" Interleave:3 ") == QueueRule("interleave", 3)
    assert str(parse_queue_rule("interleave:3")) == "interleave:3" and str(parse_queue_rule("arrival")) == "arrival"
    with pytest.raises(ValueError, match="interleave:N"):
        parse_queue_rule("interleave:x")


def test_appointments_spread_bookings_over_the_slot():
    assert appointment(START, END, place=0, places=12, spread=True) == START
    assert appointment(START, END, place=3, places=12, spread=True) == at(15)
    assert appointment(START, END, place=30, places=12, spread=True) == at(55)  # over-booked: last place
    assert appointment(START, END, place=3, places=12, spread=False) == START


def test_slot_rule_queues_at_the_appointment_early_or_late():
    appt = at(15)
    assert queued_at_for(rule="slot", now=at(-20), appointment_at=appt) == appt
    assert queued_at_for(rule="slot", now=at(25), appointment_at=appt) == appt


def test_arrival_rule_queues_at_check_in():
    assert queued_at_for(rule="arrival", now=at(-20), appointment_at=at(15)) == at(-20)


def queue(*kinds, start=at(-60)):
    """Waiting tickets one minute apart: 'w' walk-in, 'b' booking."""
    return [Waiting(start + timedelta(minutes=i), k == "b") for i, k in enumerate(kinds)]


def test_interleave_goes_after_n_walkins_behind_the_last_booking():
    waiting = queue("w", "w", "w", "w", "w")
    assert queued_at_for(rule="interleave:2", now=at(0), appointment_at=at(30), waiting=waiting) == waiting[1].queued_at
    waiting = queue("w", "w", "b", "w", "w", "w")
    assert queued_at_for(rule="interleave:2", now=at(0), appointment_at=at(30), waiting=waiting) == waiting[4].queued_at


def test_interleave_goes_to_the_end_when_fewer_walkins_wait():
    waiting = queue("w", "b", "w")
    assert queued_at_for(rule="interleave:2", now=at(0), appointment_at=at(30), waiting=waiting) == at(0)
    assert queued_at_for(rule="interleave:1", now=at(0), appointment_at=at(30), waiting=[]) == at(0)


def test_interleave_order_matches_call_order_through_a_morning():
    """Bookings checking in one after another into a queue of walk-ins end up one per N walk-ins
    when the queue is sorted the way call_next sorts it (queued_at, then id = arrival order)."""
    waiting = queue(*"wwwwwwww")
    ids = {id(w): ("w", i) for i, w in enumerate(waiting)}
    for n in range(3):
        q = queued_at_for(rule="interleave:2", now=at(n), appointment_at=at(30), waiting=waiting)
        w = Waiting(q, True)
        ids[id(w)] = ("b", 100 + n)
        waiting = waiting + [w]
    order = sorted(waiting, key=lambda w: (w.queued_at, ids[id(w)][1]))
    assert "".join("b" if w.booking else "w" for w in order) == "wwbwwbwwbww"
