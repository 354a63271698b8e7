"""Stock alert webhooks: each alert change is one ``AlertNotification`` row, POSTed as ``application/json`` to the
office's WhatsApp/SMS gateway by a background job and retried with back-off (30 s, 1, 2, 4 ... min, at most
``MAX_ATTEMPTS``), keeping the last error, so that a slow or dead gateway never blocks a counter.

The URL comes from the office setting ``stock_webhook_url`` (admin pages / database) or the app config
``STOCK_WEBHOOK_URL`` for every office.
"""
from __future__ import annotations

import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.models import AlertNotification
from queue_service.models import Office, Setting

log = logging.getLogger(__name__)

WEBHOOK_SETTING = "stock_webhook_url"
MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 5.0
BATCH = 20


def webhook_url_for(session: Session, office: Office, default: str | None = None) -> str | None:
    value = session.scalar(select(Setting.value).where(Setting.office_id == office.id,
                                                       Setting.key == WEBHOOK_SETTING))
    return (value or "").strip() or default or None


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
