"""Abuse limits without a captcha, and the citizen's phone number. Pure.

Bookings and same-day remote tickets are counted per network address and per phone number per
office-local day, and a phone may hold only a few bookings at once. A refusal names its reason so
the page can say it ("Batas booking dari jaringan ini hari ini sudah tercapai").

Nothing personal is kept for counting: the counters are keyed by an HMAC of (what, day, value) with
the deployment's secret (:func:`limit_key`), so the table shows neither addresses nor numbers and
keys of different days cannot be linked. IPv6 addresses count per /64 (one household or phone gets a
whole /64 and could rotate through it). Mobile networks in Indonesia put many phones behind one
IPv4 address (carrier-grade NAT), so the per-address limit is generous and the per-phone limits
carry the weight.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from dataclasses import dataclass
from datetime import date

ADDRESS = "address"
PHONE = "phone"

ADDRESS_LIMIT = "address_limit"
PHONE_LIMIT = "phone_limit"
PHONE_ACTIVE_LIMIT = "phone_active_limit"


@dataclass(frozen=True)
class Limits:
    per_address_per_day: int = 20
    per_phone_per_day: int = 3
    active_per_phone: int = 2

    def __post_init__(self):
        for name in ("per_address_per_day", "per_phone_per_day", "active_per_phone"):
            if not 1 <= getattr(self, name) <= 100_000:
                raise ValueError(f"{name} must be 1-100000")


@dataclass(frozen=True)
class Refusal:
    reason: str
    limit: int


def check(limits: Limits, *, address_today: int, phone_today: int | None = None,
          phone_active: int | None = None) -> Refusal | None:
    """May one more booking (or remote ticket) be made? The counts are what exists *before* it;
    ``phone_*`` are None when no phone number was given."""
    if address_today >= limits.per_address_per_day:
        return Refusal(ADDRESS_LIMIT, limits.per_address_per_day)
    if phone_today is not None and phone_today >= limits.per_phone_per_day:
        return Refusal(PHONE_LIMIT, limits.per_phone_per_day)
    if phone_active is not None and phone_active >= limits.active_per_phone:
        return Refusal(PHONE_ACTIVE_LIMIT, limits.active_per_phone)
    return None


def address_bucket(address: str | None) -> str:
    """The unit an address is counted in: the IPv4 address, or the IPv6 /64 (IPv4-mapped IPv6
    addresses count as their IPv4). Unparseable input counts as one shared bucket."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def limit_key(secret: str | bytes, what: str, value: str, day: date | None = None) -> str:
    """HMAC-SHA256 of ``what:day:value`` with the deployment's secret (hex); ``day`` None gives a
    key that stays the same across days (a phone's active bookings)."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    msg = f"{what}:{day.isoformat() if day else '-'}:{value}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- phone numbers

_PHONE_CHARS = re.compile(r"[\s\-().]")


class PhoneError(ValueError):
    pass


def normalize_phone(text: str | None) -> str | None:
    """An Indonesian mobile number in E.164 (``+6281234567890``), or None for an empty field.
    Accepts ``0812-3456-7890``, ``+62 812 3456 7890``, ``62812...`` and ``812...``; raises
    :class:`PhoneError` for anything else (landlines cannot receive WhatsApp or SMS reminders)."""
    raw = _PHONE_CHARS.sub("", text or "")
    if not raw:
        return None
    if raw.startswith("+"):
        raw = raw[1:]
        if not raw.startswith("62"):
            raise PhoneError("only Indonesian numbers (+62) can receive reminders")
    if not raw.isdigit():
        raise PhoneError("a phone number has digits only")
    if raw.startswith("62"):
        national = raw[2:]
    elif raw.startswith("0"):
        national = raw[1:]
    else:
        national = raw
    if national.startswith("0"):
        national = national[1:]
    if not national.startswith("8") or not 9 <= len(national) <= 12:
        raise PhoneError("an Indonesian mobile number starts with 08 and has 10 to 13 digits")
    return "+62" + national


def mask_phone(e164: str) -> str:
    """``+6281234567890`` -> ``+62 812-****-890`` (what a page may show back to its owner)."""
    national = e164[3:] if e164.startswith("+62") else e164
    if len(national) < 6:
        return "****"
    return f"+62 {national[:3]}-****-{national[-3:]}"

