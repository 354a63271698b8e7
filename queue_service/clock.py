"""The app's clock, read one way everywhere outside the pure domain and the services (which take ``now``).

``app.config["CLOCK"]`` (an object with ``now()``: tests, simulations) or the system clock. Views, commands,
background jobs and realtime pushes ask :func:`now`; code holding an app asks :func:`app_clock`.
"""
from __future__ import annotations

from datetime import datetime

from queue_service.domain.clock import Clock, SystemClock

SYSTEM_CLOCK = SystemClock()


def app_clock(app) -> Clock:
    """``app``'s clock: its ``CLOCK`` setting, else the system clock."""
    return app.config.get("CLOCK") or SYSTEM_CLOCK


def now() -> datetime:
    """Aware UTC ``now`` by the current app's clock (the system clock outside an app context)."""
    from flask import current_app, has_app_context

    return app_clock(current_app).now() if has_app_context() else SYSTEM_CLOCK.now()
