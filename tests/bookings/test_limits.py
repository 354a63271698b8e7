"""Abuse limits per address and phone per day, counted under keys that reveal neither; phone numbers."""
from __future__ import annotations

from datetime import date

import pytest

from bookings.limits import (
    ADDRESS_LIMIT,
    PHONE_ACTIVE_LIMIT,
    PHONE_LIMIT,
    Limits,
    PhoneError,
    address_bucket,
    check,
    limit_key,
    mask_phone,
    normalize_phone,
)

LIMITS = Limits(per_address_per_day=20, per_phone_per_day=3, active_per_phone=2)


def test_within_limits_is_allowed():
    assert check(LIMITS, address_today=19) is None
    assert check(LIMITS, address_today=0, phone_today=2, phone_active=1) is None


@pytest.mark.parametrize("counts,reason,limit", [
    ({"address_today": 20}, ADDRESS_LIMIT, 20),
    ({"address_today": 0, "phone_today": 3, "phone_active": 0}, PHONE_LIMIT, 3),
    ({"address_today": 0, "phone_today": 0, "phone_active": 2}, PHONE_ACTIVE_LIMIT, 2),
])
def test_each_limit_refuses_with_its_reason(counts, reason, limit):
    r = check(LIMITS, **counts)
    assert r is not None and (r.reason, r.limit) == (reason, limit)


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="per_phone_per_day"):
        Limits(per_phone_per_day=0)


@pytest.mark.parametrize("address,bucket", [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    ("not an address", "unknown"),
    (None, "unknown"),
])
def test_addresses_are_counted_per_ipv4_or_ipv6_64(address, bucket):
    assert address_bucket(address) == bucket


def test_limit_keys_hide_the_value_and_differ_per_day_and_secret():
    k = limit_key("secret", "phone", "+6281234567890", date(2026, 6, 10))
    assert len(k) == 64 and "812" not in k
    assert k == limit_key("secret", "phone", "+6281234567890", date(2026, 6, 10))
    assert k != limit_key("secret", "phone", "+6281234567890", date(2026, 6, 11))
    assert k != limit_key("other", "phone", "+6281234567890", date(2026, 6, 10))
    assert k != limit_key("secret", "address", "+6281234567890", date(2026, 6, 10))
    assert limit_key("secret", "phone", "x") == limit_key("secret", "phone", "x", None)


@pytest.mark.parametrize("text,e164", [
    ("0812-3456-7890", "+6281234567890"),
    ("+62 812 3456 7890", "+6281234567890"),
    ("6281234567890", "+6281234567890"),
    ("81234567890", "+6281234567890"),
    ("+62 0812 3456 789", "+628123456789"),
    ("(0811) 234.567", "+62811234567"),
    ("", None),
    ("   ", None),
])
def test_indonesian_mobile_numbers_normalise(text, e164):
    assert normalize_phone(text) == e164


@pytest.mark.parametrize("text", ["021-5550123", "+1 415 555 0100", "0812abc", "08123", "0812345678901234",
                                  "++6281234567890"])
def test_other_numbers_are_refused_with_a_reason(text):
    with pytest.raises(PhoneError):
        normalize_phone(text)


def test_masked_phone_shows_only_its_ends():
    assert mask_phone("+6281234567890") == "+62 812-****-890"
    assert mask_phone("+6281") == "****"
