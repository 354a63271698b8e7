"""Complaint states, response-time arithmetic and identifiers."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from feedback import complaints as c
from feedback.questionnaire import UNSUR_CODES

S = c.State


@pytest.mark.parametrize("action,start,end", [
    ("assign", S.NEW, S.ASSIGNED), ("assign", S.ASSIGNED, S.ASSIGNED), ("assign", S.ANSWERED, S.ANSWERED),
    ("answer", S.NEW, S.ANSWERED), ("answer", S.ASSIGNED, S.ANSWERED), ("answer", S.ANSWERED, S.ANSWERED),
    ("close", S.ANSWERED, S.CLOSED),
])
def test_allowed_transitions(action, start, end):
    assert c.next_state(action, start.value) == end


@pytest.mark.parametrize("action,start", [
    ("close", S.NEW), ("close", S.ASSIGNED), ("close", S.CLOSED), ("assign", S.CLOSED), ("answer", S.CLOSED),
    ("delete", S.NEW), ("answer", "nonsense"),
])
def test_refused_transitions(action, start):
    with pytest.raises(c.InvalidComplaintTransition):
        c.next_state(action, str(start))


def test_every_state_and_kind_has_both_labels():
    assert set(c.STATE_LABELS) == set(S)
    assert set(c.KIND_LABELS) == set(c.Kind)
    assert all(i and e for i, e in list(c.STATE_LABELS.values()) + list(c.KIND_LABELS.values()))


def test_categories_point_at_real_unsur():
    assert len(set(c.CATEGORY_CODES)) == len(c.CATEGORIES)
    for cat in c.CATEGORIES:
        assert cat.unsur is None or cat.unsur in UNSUR_CODES
        assert cat.label_id and cat.label_en
    assert c.CATEGORY_BY_CODE["lainnya"].unsur is None


RECV = date(2026, 1, 5)


def test_due_date_is_receipt_day_plus_target():
    assert c.due_date(RECV, 14) == date(2026, 1, 19)
    with pytest.raises(ValueError):
        c.due_date(RECV, 0)


def test_unanswered_complaint_becomes_overdue_the_day_after_the_due_date():
    on_due_day = c.sla(RECV, None, date(2026, 1, 19))
    assert not on_due_day.overdue and on_due_day.days_left == 0 and on_due_day.on_time is None
    after = c.sla(RECV, None, date(2026, 1, 20))
    assert after.overdue and after.days_left == -1 and not after.answered
    fresh = c.sla(RECV, None, RECV)
    assert fresh.days_left == 14 and not fresh.overdue


def test_answered_on_time_or_late():
    same_day = c.sla(RECV, RECV, date(2026, 3, 1))
    assert same_day.response_days == 0 and same_day.on_time and not same_day.overdue
    on_due = c.sla(RECV, date(2026, 1, 19), date(2026, 3, 1))
    assert on_due.on_time and on_due.response_days == 14
    late = c.sla(RECV, date(2026, 1, 20), date(2026, 3, 1))
    assert late.on_time is False and late.response_days == 15 and not late.overdue


def test_office_target_setting_changes_the_due_date():
    assert c.sla(RECV, None, date(2026, 1, 9), target_days=3).overdue
    assert not c.sla(RECV, None, date(2026, 1, 9), target_days=14).overdue


def test_median_and_contact_erasure():
    assert c.median_response_days([]) is None
    assert c.median_response_days([1, 3, 10]) == 3.0
    assert c.median_response_days([1, 2]) == 1.5
    closed = datetime(2026, 2, 1, tzinfo=timezone.utc)
    assert c.contact_erase_at(None) is None
    assert c.contact_erase_at(closed) == closed + timedelta(days=30)
    assert c.contact_erase_at(closed, 7) == closed + timedelta(days=7)


def test_reference():
    assert c.reference("BKS", date(2026, 1, 31), 42) == "BKS-2601-0042"
    assert c.reference("BKS", date(2026, 1, 31), 123456) == "BKS-2601-123456"
