"""Places left per slot and per day, with the reason when none, and the next dates with room."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from bookings.availability import (
    CUT_OFF,
    DAY_CAP,
    FULL,
    NO_BLANKS,
    NO_SLOTS,
    REMOTE_CAP,
    REMOTE_CLOSED,
    REMOTE_OFF,
    REMOTE_TOO_LATE,
    Cap,
    day_availability,
    next_dates_with_room,
    remote_refusal,
)
from bookings.slots import SlotSettings, generate_slots
from queue_service.domain.calendar import OfficeCalendar

TODAY = date(2026, 6, 10)  # Wednesday
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=timezone.utc)  # 19:00 WIB, the evening before
CAL = OfficeCalendar("12345")


def avail(day, booked=None, caps=(), now=NOW, **kw):
    settings = SlotSettings(**{"capacity": 10, "walkin_share": 0.5, **kw})
    slots = generate_slots(day, tz_name="Asia/Jakarta", opens_at=time(8), closes_at=time(11), settings=settings)
    return day_availability(day=day, now=now, today=TODAY, calendar=CAL.status(day), slots=slots,
                            booked_by_slot=booked or {}, settings=settings, caps=caps)


def test_empty_day_offers_every_bookable_place():
    a = avail(date(2026, 6, 11))
    assert a.bookable and a.left == 15 and a.reason is None
    assert [(s.slot.key, s.left) for s in a.slots] == [("08:00", 5), ("09:00", 5), ("10:00", 5)]


def test_bookings_take_places_and_a_full_slot_says_full():
    a = avail(date(2026, 6, 11), {"08:00": 5, "09:00": 2})
    assert [(s.left, s.reason) for s in a.slots] == [(0, FULL), (3, None), (5, None)]
    assert a.left == 8 and a.booked == 7


def test_overbooked_slot_shows_zero_not_negative():
    a = avail(date(2026, 6, 11), {"08:00": 9})
    assert a.slots[0].left == 0 and a.left == 10


def test_a_full_day_says_full():
    a = avail(date(2026, 6, 11), {"08:00": 5, "09:00": 5, "10:00": 5})
    assert not a.bookable and a.reason == FULL


def test_daily_cap_limits_every_slot():
    a = avail(date(2026, 6, 11), {"08:00": 3}, daily_cap=4)
    assert a.left == 1
    assert [s.left for s in a.slots] == [1, 1, 1]
    full = avail(date(2026, 6, 11), {"08:00": 4}, daily_cap=4)
    assert full.reason == DAY_CAP and [s.reason for s in full.slots] == [DAY_CAP] * 3


def test_a_blank_cap_of_zero_closes_the_day_with_its_reason():
    a = avail(date(2026, 6, 12), caps=[Cap(0, NO_BLANKS, {"on_hand": -3})])
    assert not a.bookable and a.reason == NO_BLANKS
    assert all(s.left == 0 and s.reason == NO_BLANKS for s in a.slots)


def test_the_lowest_cap_wins_and_no_limit_caps_are_ignored():
    a = avail(date(2026, 6, 11), caps=[Cap(None), Cap(7, NO_BLANKS), Cap(9)], daily_cap=8)
    assert a.left == 7
    both_zero = avail(date(2026, 6, 11), {"08:00": 2}, caps=[Cap(0, NO_BLANKS)], daily_cap=2)
    assert both_zero.reason == NO_BLANKS  # the more telling reason


def test_calendar_and_horizon_close_days():
    sat = avail(date(2026, 6, 13))
    assert sat.reason == "weekday" and sat.left == 0
    assert avail(date(2026, 8, 17)).reason == "holiday" and "Kemerdekaan" in avail(date(2026, 8, 17)).reason_name
    assert avail(date(2026, 6, 9)).reason == "past"
    assert avail(TODAY, min_days_ahead=1).reason == "too_soon"
    assert avail(date(2026, 6, 30), max_days_ahead=14).reason == "too_far"


def test_same_day_slots_close_at_the_cut_off():
    morning = datetime(2026, 6, 11, 1, 45, tzinfo=timezone.utc)  # 08:45 WIB on the day
    a = avail(date(2026, 6, 11), now=morning, cutoff_minutes=30)
    assert [(s.slot.key, s.left, s.reason) for s in a.slots] == [("08:00", 0, CUT_OFF), ("09:00", 0, CUT_OFF),
                                                                 ("10:00", 5, None)]
    late = avail(date(2026, 6, 11), now=morning + timedelta(hours=2))
    assert late.reason == CUT_OFF and late.left == 0


def test_no_slots_when_the_window_is_too_short():
    a = avail(date(2026, 6, 11), bookable_from=time(10, 30))
    assert a.reason == NO_SLOTS


def test_next_dates_with_room_skip_full_closed_and_blankless_days():
    booked = {date(2026, 6, 11): {"08:00": 5, "09:00": 5, "10:00": 5}}
    caps = {date(2026, 6, 12): [Cap(0, NO_BLANKS)]}

    def of(d):
        return avail(d, booked.get(d), caps.get(d, ()))

    out = next_dates_with_room(date(2026, 6, 11), of, last=date(2026, 6, 30), limit=3)
    # Thu full, Fri no blanks, weekend closed, Tue 16 June Tahun Baru Islam
    assert [a.day for a in out] == [date(2026, 6, 15), date(2026, 6, 17), date(2026, 6, 18)]
    assert next_dates_with_room(date(2026, 6, 11), of, last=date(2026, 6, 14)) == []


def test_remote_queueing_rules():
    closes = datetime(2026, 6, 11, 8, 0, tzinfo=timezone.utc)  # 15:00 WIB
    at = closes - timedelta(hours=3)
    ok = dict(enabled=True, office_open_now=True, cap=30, taken=10, now=at, closes_at=closes)
    assert remote_refusal(**ok) is None
    assert remote_refusal(**{**ok, "enabled": False}) == REMOTE_OFF
    assert remote_refusal(**{**ok, "office_open_now": False}) == REMOTE_CLOSED
    assert remote_refusal(**{**ok, "taken": 30}) == REMOTE_CAP
    assert remote_refusal(**{**ok, "cap": None, "taken": 10**6}) is None
    assert remote_refusal(**{**ok, "now": closes - timedelta(minutes=59)}) == REMOTE_TOO_LATE
    assert remote_refusal(**{**ok, "now": closes - timedelta(minutes=61)}) is None
