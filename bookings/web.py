"""Wiring of the bookings feature (called by ``create_app``): blueprints, settings, and what it plugs into the
core through ``queue_service.hooks`` - the quota hold (today's bookings not checked in), the stock promise
(later days' bookings, kept back by inventory's stock cap), the queue arrivals (wait estimates), the kiosk's
"Sudah booking? Check-in" button, the manager's start-page tile, background jobs, the demo seeder and the
OpenAPI paths. Nothing else lives here."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from queue_service import hooks


def init_app(app: Flask) -> None:
    import bookings.models  # noqa: F401  (the tables, on the core's metadata)
    import queue_service.models.calendar  # noqa: F401
    from bookings import api, jobs, kiosk_checkin, manager, pages, remote_pages
    from bookings.context import DEFAULTS, init_rate_limit
    from bookings.openapi import PATHS, SCHEMAS
    from bookings.seed import seed_bookings
    from bookings.services.outlook import queue_arrivals, quota_hold, stock_promise

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    init_rate_limit(app)
    for module in (pages, remote_pages, kiosk_checkin, manager, api):
        app.register_blueprint(module.bp)
    cfg = app.config
    hooks.register_quota_hold(app, quota_hold)
    hooks.register_stock_promise(app, stock_promise)
    hooks.register_queue_arrivals(app, queue_arrivals)
    hooks.register_kiosk_action(app, hooks.KioskAction("booking-checkin", 10, "bookings_kiosk.checkin_page",
                                                       _l("Sudah booking? Check-in di sini")))
    hooks.register_nav_link(app, hooks.NavLink("bookings", 30, "bookings_manager.pick", _l("Booking online"),
                                               roles=("manager",)))
    hooks.register_seeder(app, seed_bookings)
    hooks.register_openapi(app, PATHS, SCHEMAS)
    hooks.register_job(app, "booking-release", float(cfg["BOOKING_RELEASE_EVERY_SECONDS"]), jobs.release_job)
    hooks.register_job(app, "booking-notify", float(cfg["BOOKING_JOBS_EVERY_SECONDS"]), jobs.notify_job)
    hooks.register_job(app, "booking-webhooks", float(cfg["BOOKING_WEBHOOK_EVERY_SECONDS"]), jobs.webhook_job)
