"""The inventory feature's wiring (called by ``create_app``): its pages and API, and what it plugs into the core
through ``queue_service.hooks``: the finish hook (counters take stock off the ledger), the quota cap (Pencetakan
follows the blanks in stock), background jobs (risk recompute, webhook delivery), the demo seeder, the
``adminduk stock`` CLI group, the OpenAPI paths and the manager's start-page tile."""
from __future__ import annotations

import functools

from flask import Flask
from flask_babel import lazy_gettext as _l

from queue_service import hooks


def init_app(app: Flask) -> None:
    from inventory import api, display, openapi, pages, settings_pages
    from inventory.booking_cap import DEFAULT_QUANTILE
    from inventory.booking_outlook import blank_caps
    from inventory.cli import stock
    from inventory.quota import finish_hook, stock_quota_cap
    from inventory.recompute import risk_job
    from inventory.seed import seed_stock
    from inventory.webhooks import webhook_job

    # later days' bookings (``hooks.stock_promises``, filled by the bookings feature) keep their blanks back
    hooks.register_quota_cap(app, functools.partial(stock_quota_cap, promises=hooks.of(app).stock_promises))
    hooks.register_bookable_cap(app, functools.partial(
        blank_caps, quantile=float(app.config.get("BOOKING_BLANK_QUANTILE", DEFAULT_QUANTILE))))
    hooks.register_finish_hook(app, functools.partial(finish_hook, default_url=app.config.get("STOCK_WEBHOOK_URL")))
    hooks.register_seeder(app, seed_stock)
    hooks.register_job(app, "stock-risk", float(app.config["STOCK_RISK_EVERY_SECONDS"]), risk_job)
    hooks.register_job(app, "stock-webhooks", float(app.config["STOCK_WEBHOOK_EVERY_SECONDS"]), webhook_job)
    hooks.register_openapi(app, *openapi.fragment())
    hooks.register_nav_link(app, hooks.NavLink("manager", 20, "manager.dashboard", _l("Dasbor manajer"),
                                               roles=("manager",)))
    hooks.register_demo_links(app, _demo_links)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(settings_pages.bp)
    for name, fn in {"unit": display.unit, "cover": display.days, "alert_text": display.alert_text}.items():
        app.add_template_filter(fn, name)
    app.cli.add_command(stock)


def _demo_links(app: Flask, base: str, data: dict) -> list[tuple[str, str]]:
    return [("Manager dashboard", f"{base}/manager")]
