"""What bookings tell the rest of the queue through ``queue_service.hooks`` (registered by the feature's
init_app): today's bookings not checked in hold places of the walk-in quota, later days' bookings keep their
blanks back from the kiosk's stock cap, and today's bookings still to come count in the wait estimates."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bookings.services.availability import Env
from bookings.services.booking import book
from bookings.services.checkin import CHECKED_IN, check_in
from bookings.services.outlook import queue_arrivals, quota_hold, stock_promise
from queue_service import hooks
from queue_service.domain.errors import QuotaReached
from queue_service.extensions import db
from queue_service.models import Office
from queue_service.services import tickets as svc
from tests.bookings.conftest import MONDAY_0800_WIB, enable, seed

TUESDAY = date(2026, 1, 6)


def wib(h, m=0, day=TUESDAY):
    return datetime(day.year, day.month, day.day, h, m, tzinfo=timezone.utc) - timedelta(hours=7)


@pytest.fixture
def office(app):
    data = seed(app)
    with app.app_context():
        o = db.session.scalar(select(Office))
        enable(db.session, next(s for s in o.services if s.code == "KK"), capacity=4, walkin_share=0.0)
        enable(db.session, next(s for s in o.services if s.code == "CETAK"), capacity=4, walkin_share=0.0)
        db.session.commit()
    with app.app_context():
        o = db.session.scalar(select(Office).where(Office.code == "BKS"))
        o.demo_data = data
        yield o


def _service(office, code):
    return next(s for s in office.services if s.code == code)


def _book(office, code, day=TUESDAY, slot="09:00"):
    b, _ = book(db.session, office=office, service=_service(office, code), day=day, slot_key=slot,
                now=MONDAY_0800_WIB, env=Env(secret="s"))
    db.session.commit()
    return b


def test_the_feature_registers_its_hooks(app):
    registered = hooks.of(app)
    assert quota_hold in registered.quota_holds and stock_promise in registered.stock_promises
    assert queue_arrivals in registered.queue_arrivals
    assert [a.endpoint for a in registered.kiosk_actions] == ["bookings_kiosk.checkin_page"]
    assert any(n.endpoint == "bookings_manager.pick" for n in registered.nav_links)


def test_bookings_not_checked_in_hold_places_of_the_walk_in_quota(app, office):
    kk = _service(office, "KK")
    kk.daily_quota = 3
    db.session.commit()
    booked = [_book(office, "KK"), _book(office, "KK")]
    holds = hooks.of(app).quota_holds
    assert quota_hold(db.session, kk, TUESDAY, wib(8, 30)) == 2
    svc.issue_ticket(db.session, office=office, service=kk, now=wib(8, 30), quota_holds=holds)
    db.session.commit()
    with pytest.raises(QuotaReached):  # 3 - 2 held - 1 issued: nothing left for walk-ins
        svc.issue_ticket(db.session, office=office, service=kk, now=wib(8, 31), quota_holds=holds)
    db.session.rollback()
    # a booked citizen checking in takes the place kept for them
    r = check_in(db.session, office=office, scanned=booked[0].code, now=wib(8, 45), quota_holds=holds)
    db.session.commit()
    assert r.outcome == CHECKED_IN and quota_hold(db.session, kk, TUESDAY, wib(8, 46)) == 1


def test_later_bookings_keep_their_blanks_back_from_the_kiosk_stock_cap(app, office):
    from inventory.quota import stock_quota_cap
    from inventory.seed import seed_stock

    seed_stock(db.session, office.demo_data, MONDAY_0800_WIB)
    db.session.commit()
    cetak = _service(office, "CETAK")
    monday = MONDAY_0800_WIB.date()
    before = stock_quota_cap(db.session, cetak, monday, promises=hooks.of(app).stock_promises)
    for slot in ("09:00", "09:00", "10:00"):
        _book(office, "CETAK", slot=slot)
    assert stock_promise(db.session, cetak, monday) == {TUESDAY: 3}
    after = stock_quota_cap(db.session, cetak, monday, promises=hooks.of(app).stock_promises)
    assert after == before - 3
    assert stock_quota_cap(db.session, cetak, monday) == before  # nobody promised: the old cap


def test_bookings_still_to_come_are_expected_arrivals_and_lengthen_a_walk_ins_wait(app, office):
    from queue_service.services.waits import build_snapshot, estimate_ticket_full

    kk = _service(office, "KK")
    booking = _book(office, "KK", slot="09:00")
    arrivals = queue_arrivals(db.session, office, wib(8, 30))
    assert len(arrivals) == 1 and arrivals[0].service_id == kk.id
    assert arrivals[0].at == booking.slot_start and arrivals[0].probability == pytest.approx(0.8)  # prior 8 in 10
    for minute in range(6):  # walk-ins behind the booking's place (09:00): more than the counters serving KK
        walk_in, _ = svc.issue_ticket(db.session, office=office, service=kk, now=wib(9, minute))
    db.session.commit()
    snap = build_snapshot(db.session, office, wib(9, 6), arrivals=hooks.of(app).queue_arrivals)
    assert [w.expected for w in snap.waiting].count(True) == 1
    without = estimate_ticket_full(db.session, walk_in, wib(9, 6))
    with_booked = estimate_ticket_full(db.session, walk_in, wib(9, 6), arrivals=hooks.of(app).queue_arrivals)
    assert with_booked.position == without.position == 5  # the booked citizen is not shown as waiting
    assert with_booked.model.mean_min > without.model.mean_min
    # checked in, the booking is a ticket like any other and no longer an expected arrival
    check_in(db.session, office=office, scanned=booking.code, now=wib(9, 7))
    db.session.commit()
    assert queue_arrivals(db.session, office, wib(9, 8)) == []
