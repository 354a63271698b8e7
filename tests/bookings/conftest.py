"""Fixtures of the bookings tests: the demo office with bookings switched on for two services."""
from __future__ import annotations

import bookings.models  # noqa: F401  (registers the tables before the apps create them)
import queue_service.models.calendar  # noqa: F401
from tests.conftest import MONDAY_0800_WIB, seed  # noqa: F401


def enable(session, service, **kw):
    from bookings.models import BookingService

    row = session.get(BookingService, service.id) or BookingService(service_id=service.id)
    values = dict(enabled=True, slot_minutes=60, capacity=20, walkin_share=0.3, overrides="", breaks="",
                  min_days_ahead=0, max_days_ahead=14, cutoff_minutes=30, remote_enabled=False, version=0)
    values.update(kw)
    for k, v in values.items():
        setattr(row, k, v)
    session.add(row)
    return row


BOOKING_FEATURES = ["kiosk", "printers", "inventory", "bookings"]


def booking_live_server(tmp_path, clock=None, **extra):
    """A seeded app with the bookings feature, served for real on 127.0.0.1 (browser tests)."""
    from queue_service.extensions import db
    from tests.conftest import LiveServer, make_app, seed as seed_office

    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite3'}", tmp_path, CLOCK=clock, PUBLIC_URL=None,
                   WTF_CSRF_ENABLED=True, FEATURES=BOOKING_FEATURES, **extra)
    data = seed_office(app, always_open=True)
    return LiveServer(app, data), db


def booking_app(tmp_path, clock, **extra):
    """A test app (file SQLite, injected clock) with the bookings feature."""
    from tests.conftest import make_app

    return make_app(f"sqlite:///{tmp_path / 'test.sqlite3'}", tmp_path, CLOCK=clock, FEATURES=BOOKING_FEATURES,
                    **extra)
