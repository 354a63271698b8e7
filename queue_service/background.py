"""Periodic background work inside a serving process (day rollover, counters gone away; features add print
jobs, stock risk, webhooks through ``hooks.register_job``). Each job runs in its own app context with its own
session, and is given ``now`` by the app's clock.

With several processes every one runs the loop, but a job only runs in the process that holds its
lease (a row in ``job_lease``, taken with one conditional UPDATE), so it never runs twice at once;
if that process dies, another takes over when the lease expires. ``ADMINDUK_BACKGROUND_WORKERS=false``
turns the loop off in a process altogether.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from flask import Flask

from queue_service import hooks
from queue_service.clock import app_clock

log = logging.getLogger(__name__)

JobFn = Callable[[Flask, datetime], None]


def init_app(app: Flask) -> None:
    """The core's own jobs (features register theirs from their ``init_app``)."""
    hooks.register_job(app, "rollover", 60, rollover_job)
    hooks.register_job(app, "counter-away", 60, counter_away_job)


_INSTANCE = uuid.uuid4().hex[:8]


def holder_id() -> str:
    """Identifies this process in job leases (the pid is read each time: forks differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_INSTANCE}"


def acquire_lease(session, name: str, now: datetime, ttl: float, holder: str | None = None) -> bool:
    """Take or renew the lease of job ``name``; True when this process holds it now.

    One conditional UPDATE (or INSERT for a new job) decides, so two processes never both win.
    """
    from sqlalchemy import or_, update
    from sqlalchemy.exc import IntegrityError

    from queue_service.models import JobLease

    holder = holder or holder_id()
    expires = now + timedelta(seconds=ttl)
    won = session.execute(
        update(JobLease).where(JobLease.name == name,
                               or_(JobLease.holder == holder, JobLease.expires_at < now))
        .values(holder=holder, expires_at=expires).execution_options(synchronize_session=False)).rowcount
    if won:
        session.commit()
        return True
    try:
        session.add(JobLease(name=name, holder=holder, expires_at=expires))
        session.commit()
        return True
    except IntegrityError:  # somebody else holds it
        session.rollback()
        return False


def run_job_once(app: Flask, name: str, job: JobFn, ttl: float = 120.0) -> bool:
    """Run ``job`` if this process holds its lease. Returns whether it ran. Leases run on the system's time
    (they coordinate real processes); the job is given the app's ``now``."""
    from queue_service.extensions import db

    with app.app_context():
        try:
            if not acquire_lease(db.session, name, datetime.now(timezone.utc), ttl):
                return False
            job(app, app_clock(app).now())
            return True
        except Exception:
            log.exception("background job %s failed", name)
            db.session.rollback()
            return False
        finally:
            db.session.remove()


def start(app: Flask) -> list[threading.Thread]:
    """Start one daemon thread per registered job (no-op when BACKGROUND_WORKERS is off)."""
    if not app.config.get("BACKGROUND_WORKERS", True):
        return []
    threads = []
    for registered in hooks.of(app).jobs:
        def loop(name=registered.name, every=registered.every_seconds, job=registered.run):
            stop = threading.Event()
            while True:
                run_job_once(app, name, job, ttl=max(3 * every, 30))
                if stop.wait(every):
                    return

        t = threading.Thread(target=loop, name=f"adminduk-{registered.name}", daemon=True)
        t.start()
        threads.append(t)
    return threads


def counter_away_job(app: Flask, now: datetime) -> None:
    """Close counters whose console went silent (see services.presence.close_away_counters)."""
    from queue_service import realtime
    from queue_service.extensions import db
    from queue_service.services.presence import close_away_counters

    events = close_away_counters(db.session, now=now, away_seconds=float(app.config["COUNTER_AWAY_SECONDS"]))
    db.session.commit()
    if events:
        realtime.emit(events)


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
