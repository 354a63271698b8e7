"""Send limits kept in the database (every process of a deployment counts the same sends).

Keys are HMACs (``feedback.limits.keyed_hash``) of the sender's address or the ticket, never the values.
On PostgreSQL a transaction-scoped advisory lock per key makes check-then-record atomic between concurrent
requests; SQLite's write transactions (BEGIN IMMEDIATE) are serialised already.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from feedback.limits import Decision, Limit, check
from feedback.models import FeedbackSend
from queue_service.domain.errors import DomainError


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429


def _lock(session: Session, key: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        n = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:n)"), {"n": n})


def take(session: Session, rules: Sequence[tuple[str, Limit]], now: datetime) -> None:
    """Record one send under every key, or raise :class:`RateLimited` (recording nothing) when any key is
    over its limit. Old sends are pruned on the way."""
    longest = max((limit.window for _, limit in rules), default=timedelta(0))
    session.execute(delete(FeedbackSend).where(FeedbackSend.at < now - max(longest, timedelta(days=1))))
    worst = Decision(True, 0)
    for key, limit in sorted(rules):
        _lock(session, key)
        recent = session.scalars(select(FeedbackSend.at).where(
            FeedbackSend.key == key, FeedbackSend.at > now - limit.window)).all()
        d = check(recent, now, limit)
        if not d.allowed and d.retry_after > worst.retry_after:
            worst = d
    if worst.retry_after:
        raise RateLimited("Too many messages; please try again later.", retry_after=worst.retry_after)
    for key, _ in rules:
        session.add(FeedbackSend(key=key, at=now))
