"""Slots from office hours and the service's settings, in the office's own time zone."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from bookings.slots import (
    Break,
    SlotSettings,
    bookable_places,
    format_breaks,
    format_overrides,
    generate_slots,
    parse_breaks,
    parse_overrides,
    parse_time,
    slot_by_key,
    slot_open_for_booking,
    within_booking_horizon,
)

THURSDAY = date(2026, 6, 11)
FRIDAY = date(2026, 6, 12)


def slots(day=THURSDAY, tz="Asia/Jakarta", opens=time(8), closes=time(15), **kw):
    return generate_slots(day, tz_name=tz, opens_at=opens, closes_at=closes, settings=SlotSettings(**kw))


def test_hourly_slots_fill_the_opening_hours():
    out = slots()
    assert [s.key for s in out] == ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00"]
    assert out[0].label() == "08:00–09:00"
    assert all(s.capacity == 20 and s.bookable == 14 for s in out)


def test_a_slot_that_does_not_fit_before_closing_is_left_out():
    out = slots(closes=time(15, 30), slot_minutes=45)
    assert [s.key for s in out][-1] == "14:45"
    assert out[-1].end.time() == time(15, 30)
    assert [s.key for s in slots(closes=time(15, 20), slot_minutes=45)][-1] == "14:00"


@pytest.mark.parametrize("tz,utc_hour", [("Asia/Jakarta", 1), ("Asia/Makassar", 0), ("Asia/Jayapura", 23)])
def test_slots_are_in_the_office_zone(tz, utc_hour):
    first = slots(tz=tz)[0]
    assert first.key == "08:00"
    assert first.start_utc.hour == utc_hour
    assert first.start_utc.tzinfo == timezone.utc
    # WIT's 08:00 is still the previous UTC day
    expected_day = THURSDAY if utc_hour < 8 else date(2026, 6, 10)
    assert first.start_utc.date() == expected_day


def test_bookable_window_breaks_and_friday_prayer():
    s = dict(bookable_from=time(9), bookable_until=time(14), breaks=parse_breaks("12:00-13:00; 5 11:30-13:00"))
    assert [x.key for x in slots(**s)] == ["09:00", "10:00", "11:00", "13:00"]
    assert [x.key for x in slots(day=FRIDAY, **s)] == ["09:00", "10:00", "13:00"]


def test_per_slot_overrides_and_the_walkin_share():
    out = slots(overrides=parse_overrides("08:00=30, 14:00=5"), walkin_share=0.5)
    assert (out[0].capacity, out[0].bookable) == (30, 15)
    assert (out[-1].capacity, out[-1].bookable) == (5, 2)
    assert (out[1].capacity, out[1].bookable) == (20, 10)


@pytest.mark.parametrize("cap,share,expected", [(20, 0.3, 14), (20, 0.0, 20), (20, 1.0, 0), (7, 0.3, 4),
                                                (10, 0.3, 7), (0, 0.3, 0), (1, 0.0, 1)])
def test_bookable_places_round_down(cap, share, expected):
    assert bookable_places(cap, share) == expected


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, loaded machine
@given(hs.integers(0, 1000), hs.floats(0, 1))
def test_walkins_always_keep_their_share(cap, share):
    b = bookable_places(cap, share)
    assert 0 <= b <= cap
    assert cap - b >= cap * share - 1e-6


def test_slot_by_key_and_cut_off():
    out = slots()
    nine = slot_by_key(out, "09:00")
    assert nine is not None and slot_by_key(out, "09:30") is None
    settings = SlotSettings(cutoff_minutes=30)
    assert slot_open_for_booking(nine, datetime(2026, 6, 11, 1, 30, tzinfo=timezone.utc), settings)  # 08:30 WIB
    assert not slot_open_for_booking(nine, datetime(2026, 6, 11, 1, 31, tzinfo=timezone.utc), settings)


def test_booking_horizon():
    s = SlotSettings(min_days_ahead=1, max_days_ahead=14)
    today = date(2026, 6, 10)
    assert within_booking_horizon(today, today, s) == "too_soon"
    assert within_booking_horizon(date(2026, 6, 9), today, s) == "past"
    assert within_booking_horizon(date(2026, 6, 11), today, s) is None
    assert within_booking_horizon(date(2026, 6, 24), today, s) is None
    assert within_booking_horizon(date(2026, 6, 25), today, s) == "too_far"


@pytest.mark.parametrize("kw,message", [
    ({"slot_minutes": 2}, "slot length"),
    ({"capacity": -1}, "capacity per slot"),
    ({"walkin_share": 1.5}, "walk-in share"),
    ({"walkin_share": float("nan")}, "walk-in share"),
    ({"bookable_from": time(12), "bookable_until": time(9)}, "start before"),
    ({"min_days_ahead": 5, "max_days_ahead": 2}, "days ahead"),
    ({"daily_cap": -3}, "daily cap"),
    ({"overrides": {time(8): 10**6}}, "08:00 slot"),
    ({"breaks": (Break(time(13), time(12)),)}, "ends before"),
])
def test_bad_settings_are_refused_with_a_reason(kw, message):
    with pytest.raises(ValueError, match=message):
        SlotSettings(**kw)


def test_form_text_round_trips():
    o = parse_overrides("8:00=20;12.00 = 8\n14:00=0")
    assert o == {time(8): 20, time(12): 8, time(14): 0}
    assert parse_overrides(format_overrides(o)) == o
    b = parse_breaks("12:00-13:00, 5 11:30-13:00")
    assert b == (Break(time(12), time(13)), Break(time(11, 30), time(13), frozenset({5})))
    assert parse_breaks(format_breaks(b)) == b
    assert parse_overrides("") == {} and parse_breaks("  ") == ()
    assert parse_time("7.30") == time(7, 30)


@pytest.mark.parametrize("text,message", [("08:00", "08:00=20"), ("25:00=3", "08:00=20"), ("08:00=1;08:00=2", "twice"),
                                          ("08:00=99999", "at most")])
def test_bad_override_text(text, message):
    with pytest.raises(ValueError, match=message):
        parse_overrides(text)


@pytest.mark.parametrize("text", ["12-13", "13:00-12:00", "8 12:00-13:00", "lunch"])
def test_bad_break_text(text):
    with pytest.raises(ValueError):
        parse_breaks(text)
    with pytest.raises(ValueError):
        parse_time(text)
