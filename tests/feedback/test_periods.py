"""Report periods as office-local dates."""
from __future__ import annotations

from datetime import date

import pytest

from feedback.periods import BadPeriod, containing, parse


@pytest.mark.parametrize("key,kind,start,end", [
    ("2026-01", "month", date(2026, 1, 1), date(2026, 1, 31)),
    ("2024-02", "month", date(2024, 2, 1), date(2024, 2, 29)),
    ("2026-Q1", "quarter", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026-Q4", "quarter", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026-S1", "semester", date(2026, 1, 1), date(2026, 6, 30)),
    ("2026-S2", "semester", date(2026, 7, 1), date(2026, 12, 31)),
    ("2026", "year", date(2026, 1, 1), date(2026, 12, 31)),
])
def test_parse(key, kind, start, end):
    p = parse(key)
    assert (p.kind, p.key, p.start, p.end) == (kind, key, start, end)
    assert p.contains(start) and p.contains(end) and not p.contains(date(2030, 1, 1))


@pytest.mark.parametrize("bad", ["", None, "2026-13", "2026-00", "26-01", "2026-Q5", "2026-S3", "2026-1",
                                 "1999", "2026-01-01", "2026-q1", " 2026-01x",
                                 "٢٠٢٦", "２０２６-０１", "2026-Q١"])  # only ASCII digits
def test_bad_periods(bad):
    with pytest.raises(BadPeriod):
        parse(bad)


def test_previous_and_next_cross_years():
    assert parse("2026-01").previous().key == "2025-12"
    assert parse("2025-12").next().key == "2026-01"
    assert parse("2026-Q1").previous().key == "2025-Q4"
    assert parse("2026-S2").next().key == "2027-S1"
    assert parse("2026").previous().key == "2025"


def test_containing_and_labels():
    d = date(2026, 8, 17)
    assert containing(d).key == "2026-08"
    assert containing(d, "quarter").key == "2026-Q3"
    assert containing(d, "semester").key == "2026-S2"
    assert containing(d, "year").key == "2026"
    with pytest.raises(BadPeriod):
        containing(d, "week")
    assert parse("2026-08").label() == "Agustus 2026" and parse("2026-08").label("en") == "August 2026"
    assert parse("2026-Q3").label() == "Triwulan 3 2026"
    assert parse("2026-S2").label() == "Semester II 2026" and parse("2026-S1").label("en") == "H1 2026"
    assert parse("2026-02").days == 28
