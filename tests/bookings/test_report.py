"""Booking figures of a period (the monthly report's section)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from bookings.report import figures
from bookings.seed import seed_bookings
from bookings.services.availability import Env
from bookings.services.booking import book, cancel
from bookings.services.checkin import check_in
from bookings.services.release import release_no_shows
from queue_service.extensions import db
from queue_service.models import Office
from queue_service.services import tickets as svc
from tests.bookings.conftest import MONDAY_0800_WIB, seed

TUESDAY = date(2026, 1, 6)


def wib(h, m=0):
    return datetime(2026, 1, 6, h, m, tzinfo=timezone.utc) - timedelta(hours=7)


def test_kept_cancelled_and_no_shows_are_counted(app):
    data = seed(app)
    with app.app_context():
        out = seed_bookings(db.session, data, MONDAY_0800_WIB)
        db.session.commit()
        assert out["bookings"] == ["CETAK", "KK", "LAHIR"]
        office = db.session.scalar(select(Office))
        kk = next(s for s in office.services if s.code == "KK")
        env = Env(secret="s")
        made = [book(db.session, office=office, service=kk, day=TUESDAY, slot_key=k, now=MONDAY_0800_WIB, env=env)[0]
                for k in ("08:00", "09:00", "10:00", "11:00")]
        db.session.commit()
        check_in(db.session, office=office, scanned=made[0].code, now=wib(7, 50))
        check_in(db.session, office=office, scanned=made[1].code, now=wib(9, 20))  # late
        cancel(db.session, booking=made[2], now=MONDAY_0800_WIB, env=env)
        db.session.commit()
        release_no_shows(db.session, wib(12, 0))
        db.session.commit()
        f = figures(db.session, office.id, date(2026, 1, 1), date(2026, 1, 31))
        assert (f.made, f.kept, f.late, f.cancelled, f.no_show, f.open) == (4, 1, 1, 1, 1, 0)
        assert f.kept_share == 2 / 3
        assert f.median_checkin_minutes == (-10 + 20) / 2
        assert f.per_service == [{"service": "KK", "made": 4, "kept": 1, "late": 1, "cancelled": 1, "no_show": 1,
                                  "open": 0}]
        assert figures(db.session, office.id, date(2026, 2, 1), date(2026, 2, 28)).made == 0
