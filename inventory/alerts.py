"""Alert delivery: live pushes to managers (Socket.IO, via ``queue_service.realtime``) and webhook
POSTs to an office's WhatsApp/SMS gateway, retried by a background job so that a slow or dead
gateway never blocks a counter.

The webhook URL comes from the office setting ``stock_webhook_url`` (admin pages / database) or
the app config ``STOCK_WEBHOOK_URL`` for every office. Each alert change is one
``AlertNotification`` row; the job POSTs ``application/json`` and retries with back-off
(30 s, 1, 2, 4 ... min, at most ``MAX_ATTEMPTS``), keeping the last error.
"""
from __future__ import annotations

import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.models import AlertNotification, StockItem, StockLevel
from inventory.services import due_for_recompute, recompute_item

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 5.0
BATCH = 20


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(0, attempts - 1), 3600))


def post_json(url: str, body: str, timeout: float = TIMEOUT_SECONDS) -> None:
    """POST ``body``; raises on a network error or a non-2xx answer."""
    if not url.startswith(("http://", "https://")):
        raise ValueError("webhook URL must start with http:// or https://")
    req = urllib.request.Request(url, data=body.encode("utf-8"), method="POST",
                                 headers={"Content-Type": "application/json",
                                          "User-Agent": "adminduk-queue stock alerts"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured URL
        if not 200 <= resp.status < 300:
            raise urllib.error.HTTPError(url, resp.status, "webhook refused", resp.headers, None)


def deliver_due(session: Session, now: datetime, *, limit: int = BATCH) -> dict:
    """Try every notification that is due once. Commits after each one (the job's own session)."""
    ids = list(session.scalars(select(AlertNotification.id).where(
        AlertNotification.delivered_at.is_(None), AlertNotification.failed_at.is_(None),
        AlertNotification.next_attempt_at <= now).order_by(AlertNotification.id).limit(limit)))
    sent = failed = 0
    for nid in ids:
        note = session.get(AlertNotification, nid)
        url, body = note.url, note.payload
        session.commit()  # no transaction (and no SQLite write lock) held during the HTTP call
        error = ""
        try:
            post_json(url, body)
        except Exception as exc:  # network errors, HTTP errors, bad URLs: all retried
            error = f"{type(exc).__name__}: {exc}"[:300]
        note = session.get(AlertNotification, nid)
        note.attempts += 1
        if not error:
            note.delivered_at = now
            sent += 1
        else:
            note.last_error = error
            if note.attempts >= MAX_ATTEMPTS:
                note.failed_at = now
                log.warning("stock alert webhook %s gave up after %d attempts: %s", url, note.attempts, error)
            else:
                note.next_attempt_at = now + backoff(note.attempts)
            failed += 1
        session.commit()
    return {"sent": sent, "failed": failed}


def webhook_job(app: Flask, now: datetime) -> None:
    from queue_service.extensions import db

    deliver_due(db.session, now)


def recompute_due(session: Session, now: datetime, *, default_url: str | None = None, limit: int = 200) -> list:
    """Recompute stale items (movement since the last run) and those last computed on an earlier
    office day (the daily recompute). Each item in its own short transaction; returns events."""
    from queue_service import realtime

    events = []
    for item_id in due_for_recompute(session, now)[:limit]:
        item = session.get(StockItem, item_id)
        if item is None or session.get(StockLevel, item_id) is None:
            continue
        _risk, ev = recompute_item(session, item, now, webhook_url=_default(session, item, default_url))
        session.commit()
        realtime.emit(ev)
        events.extend(ev)
    return events


def _default(session, item, default_url):
    from inventory.services import webhook_url_for
    return webhook_url_for(session, item.office, default_url)


def risk_job(app: Flask, now: datetime) -> None:
    from queue_service.extensions import db

    recompute_due(db.session, now, default_url=app.config.get("STOCK_WEBHOOK_URL"))
