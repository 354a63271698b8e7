"""Wiring of the bookings feature: blueprints, settings, jobs, OpenAPI paths. Nothing else lives here."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    import bookings.models  # noqa: F401  (the tables, on the core's metadata)
    import queue_service.models.calendar  # noqa: F401
    from bookings import api, jobs, kiosk_checkin, manager, pages, remote_pages
    from bookings.context import DEFAULTS, init_rate_limit
    from bookings.openapi import PATHS, SCHEMAS
    from queue_service.background import register_job
    from queue_service.web.openapi import register_paths

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    init_rate_limit(app)
    for module in (pages, remote_pages, kiosk_checkin, manager, api):
        app.register_blueprint(module.bp)
    register_paths(app, PATHS, SCHEMAS)
    cfg = app.config
    register_job(app, "booking-release", float(cfg["BOOKING_RELEASE_EVERY_SECONDS"]), jobs.release_job)
    register_job(app, "booking-notify", float(cfg["BOOKING_JOBS_EVERY_SECONDS"]), jobs.notify_job)
    register_job(app, "booking-webhooks", float(cfg["BOOKING_WEBHOOK_EVERY_SECONDS"]), jobs.webhook_job)
