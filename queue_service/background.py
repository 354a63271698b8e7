"""Periodic background work inside a serving process (day rollover; features add print jobs,
stock alerts). Each job runs in its own app context with its own session.

With several processes, set ``ADMINDUK_BACKGROUND_WORKERS=false`` on all but one, or rely on the
jobs being idempotent (they are: each one re-reads the database and updates with conditions).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timezone

from flask import Flask

log = logging.getLogger(__name__)

Job = Callable[[Flask, datetime], None]


def register_job(app: Flask, name: str, every_seconds: float, job: Job) -> None:
    app.extensions["adminduk"].setdefault("jobs", []).append((name, every_seconds, job))


def run_job_once(app: Flask, name: str, job: Job) -> None:
    from queue_service.extensions import db

    with app.app_context():
        try:
            job(app, datetime.now(timezone.utc))
        except Exception:
            log.exception("background job %s failed", name)
            db.session.rollback()
        finally:
            db.session.remove()


def start(app: Flask) -> list[threading.Thread]:
    """Start one daemon thread per registered job (no-op when BACKGROUND_WORKERS is off)."""
    if not app.config.get("BACKGROUND_WORKERS", True):
        return []
    threads = []
    for name, every, job in app.extensions["adminduk"].get("jobs", []):
        def loop(name=name, every=every, job=job):
            stop = threading.Event()
            while True:
                run_job_once(app, name, job)
                if stop.wait(every):
                    return

        t = threading.Thread(target=loop, name=f"adminduk-{name}", daemon=True)
        t.start()
        threads.append(t)
    return threads


def rollover_job(app: Flask, now: datetime) -> None:
    """Close open tickets of earlier days in every office whose local day has rolled over."""
    from sqlalchemy import select

    from queue_service import realtime
    from queue_service.domain.clock import office_day
    from queue_service.extensions import db
    from queue_service.models import Office
    from queue_service.services.tickets import close_day

    for office in db.session.scalars(select(Office)):
        if office.last_closed_day is not None and office.last_closed_day >= office_day(now, office.timezone):
            continue
        count, events = close_day(db.session, office=office, now=now, actor="rollover")
        db.session.commit()
        realtime.emit(events)
        if count:
            log.info("office %s: %d open tickets of earlier days expired", office.code, count)
