"""The office calendar: weekdays, Indonesian holidays (the ``holidays`` package), cuti bersama by
choice, the office's own closures and openings."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from queue_service.domain.calendar import (
    CLOSURE,
    COLLECTIVE_LEAVE,
    HOLIDAY,
    WEEKDAY,
    CalendarEntry,
    OfficeCalendar,
    national_holidays,
    parse_open_days,
)

INDEPENDENCE_DAY_2026 = date(2026, 8, 17)      # a Monday
IDUL_FITRI_2026 = date(2026, 3, 21)             # a Saturday
CUTI_BERSAMA_2026 = date(2026, 3, 23)           # Monday, cuti bersama Idul Fitri


def test_a_plain_weekday_is_open_and_the_weekend_closed():
    cal = OfficeCalendar("12345")
    assert cal.status(date(2026, 8, 18)).open
    sat = cal.status(date(2026, 8, 22))
    assert not sat.open and sat.reason == WEEKDAY and sat.name == ""


def test_saturday_office_is_open_on_saturday():
    assert OfficeCalendar("123456").is_open(date(2026, 8, 22))


def test_independence_day_is_a_holiday_with_its_indonesian_name():
    s = OfficeCalendar("12345").status(INDEPENDENCE_DAY_2026)
    assert not s.open and s.reason == HOLIDAY
    assert "Kemerdekaan" in s.name
    en = OfficeCalendar("12345").status(INDEPENDENCE_DAY_2026, locale="en")
    assert en.name == "Independence Day"


def test_cuti_bersama_is_open_unless_the_office_closes_on_it():
    assert OfficeCalendar("12345").is_open(CUTI_BERSAMA_2026)
    s = OfficeCalendar("12345", close_on_collective_leave=True).status(CUTI_BERSAMA_2026)
    assert not s.open and s.reason == COLLECTIVE_LEAVE and "Cuti Bersama" in s.name


def test_office_closure_and_office_opening_win_over_weekdays_and_holidays():
    closure = CalendarEntry(date(2026, 8, 19), open=False, note="Pindah kantor")
    opening = CalendarEntry(date(2026, 8, 22), open=True, note="Layanan Sabtu")
    on_holiday = CalendarEntry(INDEPENDENCE_DAY_2026, open=True)
    cal = OfficeCalendar.build("12345", [closure, opening, on_holiday])
    s = cal.status(date(2026, 8, 19))
    assert not s.open and s.reason == CLOSURE and s.name == "Pindah kantor"
    assert cal.is_open(date(2026, 8, 22))
    assert cal.is_open(INDEPENDENCE_DAY_2026)


def test_closed_days_and_next_open_span_the_idul_fitri_week():
    cal = OfficeCalendar("12345", close_on_collective_leave=True)
    closed = cal.closed_days(date(2026, 3, 18), date(2026, 3, 25))
    # Wed 18 cuti bersama Nyepi, Thu 19 Nyepi, Fri 20 cuti, Sat 21/Sun 22 Idul Fitri, Mon 23/Tue 24 cuti
    assert closed == {date(2026, 3, d) for d in (18, 19, 20, 21, 22, 23, 24)}
    assert cal.next_open(date(2026, 3, 18)) == date(2026, 3, 25)
    assert OfficeCalendar("12345").next_open(date(2026, 3, 19)) == date(2026, 3, 20)


def test_next_open_gives_up_after_its_limit():
    cal = OfficeCalendar.build("1", [CalendarEntry(date(2026, 1, 5) + timedelta(weeks=w))
                                     for w in range(10)])
    assert cal.next_open(date(2026, 1, 5), limit_days=30) is None


def test_the_calendar_and_the_stock_forecast_agree_on_holidays():
    from inventory.risk import office_closed_days

    start, end = date(2026, 1, 1), date(2026, 12, 31)
    assert OfficeCalendar("12345").closed_days(start, end) == office_closed_days("12345", start, end)


@pytest.mark.parametrize("bad", ["", "0", "8", "12a", None])
def test_bad_open_days_are_refused(bad):
    with pytest.raises(ValueError, match="ISO weekday"):
        parse_open_days(bad)
    with pytest.raises(ValueError):
        OfficeCalendar(bad)


def test_long_spans_are_refused():
    with pytest.raises(ValueError, match="at most"):
        list(OfficeCalendar().days(date(2026, 1, 1), date(2029, 1, 1)))


def test_holiday_lists_are_cached_per_year_and_language():
    assert national_holidays(2026) is national_holidays(2026)
    assert IDUL_FITRI_2026 in national_holidays(2026)
