"""The bookings feature's background jobs (registered by ``bookings.web.init_app``; one process at a time
runs each, through the core's job leases). Each takes ``(app, now)`` and commits its own work."""
from __future__ import annotations

from datetime import datetime

from flask import Flask

from queue_service import hooks


def _base(app: Flask) -> str:
    return (app.config.get("PUBLIC_URL") or "").rstrip("/")


def release_job(app: Flask, now: datetime) -> None:
    """No-shows released; phone numbers of ended bookings and remote tickets deleted."""
    from bookings.services.release import forget_phones, release_no_shows
    from queue_service.extensions import db

    release_no_shows(db.session, now, _base(app))
    forget_phones(db.session, now)
    db.session.commit()


def notify_job(app: Flask, now: datetime) -> None:
    """Reminders, "about N people ahead", "called" and "time to leave" messages queued (once each)."""
    from bookings.services.release import queue_reminders, queue_turn_messages
    from queue_service.extensions import db
    from queue_service.services.waits import estimate_office

    queue_reminders(db.session, now, _base(app))
    arrivals = hooks.of(app).queue_arrivals
    queue_turn_messages(db.session, now, _base(app),
                        estimates=lambda session, office, at: estimate_office(session, office, at, arrivals=arrivals))
    db.session.commit()


def webhook_job(app: Flask, now: datetime) -> None:
    """Queued messages POSTed to the offices' webhooks, signed, retried with back-off."""
    from bookings.services.notify import deliver_due
    from queue_service.extensions import db

    deliver_due(db.session, now)
