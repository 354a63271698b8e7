"""Rate limits for citizens' sends."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from feedback.limits import Limit, check, keyed_hash

T0 = datetime(2026, 1, 5, 3, 0, tzinfo=timezone.utc)
HOUR = Limit(3, timedelta(hours=1))


def test_allows_up_to_the_count_in_the_window():
    sends = []
    for i in range(3):
        assert check(sends, T0 + timedelta(minutes=i), HOUR).allowed
        sends.append(T0 + timedelta(minutes=i))
    d = check(sends, T0 + timedelta(minutes=3), HOUR)
    assert not d.allowed and d.retry_after == 57 * 60


def test_the_window_slides():
    sends = [T0, T0 + timedelta(minutes=10), T0 + timedelta(minutes=20)]
    assert not check(sends, T0 + timedelta(minutes=59, seconds=59), HOUR).allowed
    assert check(sends, T0 + timedelta(hours=1), HOUR).allowed
    assert check(list(reversed(sends)), T0 + timedelta(hours=1), HOUR).allowed


def test_retry_after_is_at_least_one_second():
    sends = [T0, T0, T0]
    assert check(sends, T0 + timedelta(minutes=59, seconds=59, microseconds=500_000), HOUR).retry_after == 1


def test_bad_limits():
    with pytest.raises(ValueError):
        Limit(0, timedelta(hours=1))
    with pytest.raises(ValueError):
        Limit(1, timedelta(0))


def test_keyed_hash_hides_the_address():
    a = keyed_hash("secret", "complaint-ip", "203.0.113.7")
    assert len(a) == 64 and "203" not in a
    assert a == keyed_hash(b"secret", "complaint-ip", "203.0.113.7")
    assert a != keyed_hash("other", "complaint-ip", "203.0.113.7")
    assert a != keyed_hash("secret", "complaint-ticket", "203.0.113.7")
