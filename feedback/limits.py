"""Rate limits for what citizens send without signing in (pure).

Complaints are limited per sender address and per ticket (a ticket is one visit: a few messages about it
are plenty); survey answers need no limit of their own (one per ticket, enforced by the database).
The address is never stored with the complaint: the limiter keeps only a keyed hash of it
(HMAC-SHA256 with the deployment's secret, so the stored keys cannot be turned back into addresses by
trying all of IPv4) and the times of recent sends, pruned after the longest window.
"""
from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limit:
    count: int
    window: timedelta

    def __post_init__(self):
        if self.count < 1 or self.window <= timedelta(0):
            raise ValueError("a limit allows at least one send in a positive window")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int   # seconds until one more send is allowed (0 when allowed)


def check(recent: Sequence[datetime], now: datetime, limit: Limit) -> Decision:
    """Whether one more send is allowed after the sends at ``recent`` (any order)."""
    inside = sorted(t for t in recent if now - limit.window < t <= now)
    if len(inside) < limit.count:
        return Decision(True, 0)
    # the oldest send that must leave the window before one more fits
    oldest = inside[len(inside) - limit.count]
    wait = (oldest + limit.window - now).total_seconds()
    return Decision(False, max(1, math.ceil(wait)))


def keyed_hash(secret: str | bytes, scope: str, value: str) -> str:
    """A stable, non-reversible key for ``value`` (an address, a ticket token) in ``scope``."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, f"{scope}\n{value}".encode(), hashlib.sha256).hexdigest()
