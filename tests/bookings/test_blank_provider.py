"""Printing bookings follow the blank forecast, through the database: the demo office has 420 KTP-el
blanks, uses about 160 a weekday, and expects 3000 in 9 days."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bookings.services.availability import Env, availability
from bookings.services.booking import NoPlace, book
from inventory import ledger as inv
from inventory.booking_outlook import blank_caps
from inventory.seed import seed_stock
from queue_service.extensions import db
from queue_service.models import Office
from tests.bookings.conftest import MONDAY_0800_WIB, enable, seed

MONDAY = date(2026, 1, 5)


@pytest.fixture
def stocked(app):
    data = seed(app)
    with app.app_context():
        seed_stock(db.session, data, MONDAY_0800_WIB)
        office = db.session.scalar(select(Office))
        for s in office.services:
            if s.code in ("CETAK", "KK"):
                enable(db.session, s, capacity=200, walkin_share=0.0, max_days_ahead=20)
        db.session.commit()
    return app


def _days(app, code, env, days):
    office = db.session.scalar(select(Office))
    service = next(s for s in office.services if s.code == code)
    from bookings.models import BookingService
    return availability(db.session, office=office, service=service, settings=db.session.get(BookingService, service.id),
                        days=days, now=MONDAY_0800_WIB, env=env)


def test_printing_days_close_when_the_forecast_runs_out_of_blanks_and_reopen_after_the_delivery(stocked):
    env = Env(secret="s", caps=[blank_caps])
    days = [MONDAY + timedelta(days=i) for i in range(1, 15)]
    with stocked.app_context():
        found = _days(stocked, "CETAK", env, days)
        tuesday = found[MONDAY + timedelta(days=1)]
        assert 0 < tuesday.left < 420 - 20  # some blanks are left for bookings tomorrow, not all of them
        weekdays_before_delivery = [found[d] for d in days if d.weekday() < 5 and d < MONDAY + timedelta(days=9)]
        assert any(a.reason == "no_blanks" and a.left == 0 for a in weekdays_before_delivery)
        # from the day after the delivery (Friday 16 January 2026 is Isra' Mi'raj: closed)
        after = [found[d] for d in days if d.weekday() < 5 and d > MONDAY + timedelta(days=9)]
        assert [a.reason for a in after] == [None, "holiday", None]
        assert after[0].left > 0 and after[2].left > 0
        # a service that prints nothing is not capped by blanks
        kk = _days(stocked, "KK", env, days)
        assert all(a.reason != "no_blanks" for a in kk.values())


def test_a_new_delivery_opens_places_on_the_blankless_days(stocked):
    env = Env(secret="s", caps=[blank_caps])
    days = [MONDAY + timedelta(days=i) for i in range(1, 9)]
    with stocked.app_context():
        before = _days(stocked, "CETAK", env, days)
        empty = [d for d, a in before.items() if a.reason == "no_blanks"]
        assert empty
        office = db.session.scalar(select(Office))
        inv.add_expected_delivery(db.session, office=office, item_code="KTP_EL", quantity=2000,
                                  expected_date=MONDAY + timedelta(days=2), now=MONDAY_0800_WIB, source="Provinsi",
                                  note="", actor="test")
        db.session.commit()
        after = _days(stocked, "CETAK", env, days)
        assert all(after[d].left > 0 for d in empty if d > MONDAY + timedelta(days=2))


def test_booking_a_blankless_day_is_refused_with_the_reason(stocked):
    env = Env(secret="s", caps=[blank_caps])
    days = [MONDAY + timedelta(days=i) for i in range(1, 9)]
    with stocked.app_context():
        empty = next(d for d, a in _days(stocked, "CETAK", env, days).items() if a.reason == "no_blanks")
        office = db.session.scalar(select(Office))
        cetak = next(s for s in office.services if s.code == "CETAK")
        with pytest.raises(NoPlace) as err:
            book(db.session, office=office, service=cetak, day=empty, slot_key="09:00", now=MONDAY_0800_WIB, env=env)
        assert err.value.details["reason"] == "no_blanks"
        db.session.rollback()


def test_booking_the_last_blank_of_a_later_day_keeps_earlier_days_open(stocked):
    """Wednesday has one blank left for bookings. Booking it must not close Tuesday: a Tuesday booking takes
    the place of one of Tuesday's expected walk-ins (the kiosk keeps booked blanks back), it needs no blank
    of Wednesday's. Without that credit Tuesday's 178 places would all close."""
    env = Env(secret="s", caps=[blank_caps])
    tue, wed = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    with stocked.app_context():
        office = db.session.scalar(select(Office))
        cetak = next(s for s in office.services if s.code == "CETAK")
        before = _days(stocked, "CETAK", env, [tue, wed])
        assert before[wed].left >= 1
        for _ in range(before[wed].left):
            book(db.session, office=office, service=cetak, day=wed, slot_key="09:00", now=MONDAY_0800_WIB, env=env)
        db.session.commit()
        after = _days(stocked, "CETAK", env, [tue, wed])
        assert after[wed].left == 0 and after[wed].reason == "no_blanks"
        assert after[tue].left > 0
        for _ in range(3):
            book(db.session, office=office, service=cetak, day=tue, slot_key="10:00", now=MONDAY_0800_WIB, env=env)
        db.session.commit()
