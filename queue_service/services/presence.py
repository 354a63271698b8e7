"""Counter presence: whether a clerk is at a counter (its console's heartbeat, calls), for the wait estimates.

A counter is *open* while ``Counter.open_since`` is set: the console sets it when opened and with every
heartbeat (60 s), a call sets it, "Tutup loket" clears it, and :func:`close_away_counters` (the
``counter-away`` background job) clears it for a console silent for ``COUNTER_AWAY_SECONDS``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_service.domain.clock import as_utc, local_time
from queue_service.domain.events import Event
from queue_service.models import Counter, Office
from queue_service.services.tickets import queue_changed


def counter_seen(session: Session, *, counter: Counter, now: datetime) -> list[Event]:
    """The counter's console is open (its heartbeat): the counter is open and was seen at ``now``.
    Returns a ``queue_changed`` when this (re)opened it."""
    opened = counter.active and counter.open_since is None
    counter.last_seen_at = now
    if opened:
        counter.open_since = now
    return [queue_changed(counter.office)] if opened else []


def break_info(counter: Counter, tz: str) -> dict | None:
    """``{"until": ISO UTC, "local": "HH:MM"}`` while the counter's clerk is on a break, else None."""
    if counter.break_until is None:
        return None
    return {"until": as_utc(counter.break_until).isoformat(),
            "local": f"{local_time(counter.break_until, tz):%H:%M}"}


#: a counter on a break is not closed as away before its break is overdue by this long (seconds)
BREAK_GRACE_SECONDS = 1800.0


def close_away_counters(session: Session, *, now: datetime, away_seconds: float,
                        break_grace_seconds: float = BREAK_GRACE_SECONDS) -> list[Event]:
    """Close every open counter whose console has given no sign of life (heartbeat, call) for
    ``away_seconds``: the clerk left without "Tutup loket", and wait estimates must stop counting it.
    Its current ticket, if any, stays as it is. One ``queue_changed`` per office concerned.
    A counter on a break stays open (the console may be shut meanwhile; estimates count a late clerk as
    coming back soon) until its break is overdue by ``break_grace_seconds`` (at least ``away_seconds``);
    then it is closed and its break dropped."""
    limit = now - timedelta(seconds=away_seconds)
    grace = now - timedelta(seconds=max(away_seconds, break_grace_seconds))
    seen = func.coalesce(Counter.last_seen_at, Counter.open_since)
    away = session.scalars(select(Counter).where(
        Counter.open_since.is_not(None), seen < limit,
        Counter.break_until.is_(None) | (Counter.break_until < grace))).all()
    offices: dict[int, Office] = {}
    for counter in away:
        counter.open_since = None
        counter.break_until = None
        offices[counter.office_id] = counter.office
    return [queue_changed(office) for office in offices.values()]
