"""Check-in through the database: the booking becomes a ticket placed by the office's rule, early and
late citizens, another office's code, double scans, and no-shows released by the background job."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bookings import codes
from bookings.models import Booking, BookingOffice
from bookings.services.availability import Env
from bookings.services.booking import book
from bookings.services.checkin import ALREADY, CHECKED_IN, COME_BACK, LATE_WALK_IN, OTHER_DAY, REBOOK, check_in
from bookings.services.release import release_no_shows
from queue_service.domain.errors import Conflict, NotFound, ValidationFailed
from queue_service.extensions import db
from queue_service.models import Counter, Office
from queue_service.services import tickets as svc
from queue_service.services.seed import seed_demo
from tests.bookings.conftest import MONDAY_0800_WIB, enable, seed

TUESDAY = date(2026, 1, 6)
UTC = timezone.utc


def wib(h, m=0, day=TUESDAY):
    return datetime(day.year, day.month, day.day, h, m, tzinfo=UTC) - timedelta(hours=7)


@pytest.fixture
def office(app):
    seed(app)
    with app.app_context():
        o = db.session.scalar(select(Office))
        enable(db.session, next(s for s in o.services if s.code == "CETAK"), capacity=4, walkin_share=0.0)
        db.session.commit()
    with app.app_context():
        yield db.session.scalar(select(Office).where(Office.code == "BKS"))


def _cetak(office):
    return next(s for s in office.services if s.code == "CETAK")


def _book(office, slot="09:00", **kw):
    b, _ = book(db.session, office=office, service=_cetak(office), day=TUESDAY, slot_key=slot, now=MONDAY_0800_WIB,
                env=Env(secret="s"), **kw)
    db.session.commit()
    return b


def _walk_in(office, at):
    t, _ = svc.issue_ticket(db.session, office=office, service=_cetak(office), now=at)
    db.session.commit()
    return t


def _rules(office, **kw):
    row = db.session.get(BookingOffice, office.id) or BookingOffice(office_id=office.id)
    for k, v in {"early_minutes": 30, "late_minutes": 15, "late_from": "start", "late_policy": "walk_in",
                 "queue_rule": "slot", "spread": True, "near_threshold": 5, "reminder_days_before": 1, **kw}.items():
        setattr(row, k, v)
    db.session.add(row)
    db.session.commit()


def test_checked_in_booking_is_called_at_its_slot_time_between_the_walkins(office):
    b = _book(office)
    early_walkin = _walk_in(office, wib(8, 45))
    r = check_in(db.session, office=office, scanned=codes.display(b.code).lower(), now=wib(8, 50))
    db.session.commit()
    assert r.outcome == CHECKED_IN and r.ticket.status == "waiting"
    assert r.ticket.queued_at == wib(9, 0)  # first place of the slot: its start
    late_walkin = _walk_in(office, wib(9, 5))
    counter = db.session.scalar(select(Counter).where(Counter.office_id == office.id, Counter.number == 3))
    order = []
    for minute in range(3):
        t, _ = svc.call_next(db.session, counter=counter, now=wib(9, 10 + minute))
        svc.start(db.session, ticket=t, now=wib(9, 10 + minute))  # call next closes only a started ticket
        db.session.commit()
        order.append(t.code)
    assert order == [early_walkin.code, r.ticket.code, late_walkin.code]
    assert db.session.get(Booking, b.id).status == "checked_in"


def test_the_qr_address_checks_in_too_and_a_second_scan_gives_the_same_ticket(office):
    b = _book(office)
    url = f"https://antrean.example.go.id/b/{b.token}"
    first = check_in(db.session, office=office, scanned=url, now=wib(8, 40))
    db.session.commit()
    again = check_in(db.session, office=office, scanned=url, now=wib(8, 41))
    assert again.outcome == ALREADY and again.ticket.id == first.ticket.id and again.events == []


def test_spread_places_later_bookings_later_in_the_slot(office):
    bookings = [_book(office) for _ in range(4)]
    queued = []
    for b in bookings:
        r = check_in(db.session, office=office, scanned=b.code, now=wib(8, 40))
        db.session.commit()
        queued.append(r.ticket.queued_at)
    assert queued == [wib(9, 0), wib(9, 15), wib(9, 30), wib(9, 45)]


def test_early_is_told_when_to_come_back(office):
    b = _book(office)
    r = check_in(db.session, office=office, scanned=b.code, now=wib(8, 0))
    assert r.outcome == COME_BACK and r.come_back_at == wib(8, 30) and r.ticket is None


def test_late_gets_a_walkin_ticket_or_is_sent_to_book_again(office):
    b = _book(office)
    r = check_in(db.session, office=office, scanned=b.code, now=wib(9, 20))
    db.session.commit()
    assert r.outcome == LATE_WALK_IN and r.ticket.queued_at == wib(9, 20)
    assert db.session.get(Booking, b.id).status == "late"
    _rules(office, late_policy="rebook")
    b2 = _book(office, "10:00")
    r2 = check_in(db.session, office=office, scanned=b2.code, now=wib(10, 20))
    db.session.commit()
    assert r2.outcome == REBOOK and r2.ticket is None and db.session.get(Booking, b2.id).status == "no_show"


def test_another_day_another_office_and_bad_input(office, app):
    b = _book(office)
    assert check_in(db.session, office=office, scanned=b.code, now=wib(9, 0, TUESDAY - timedelta(days=1))).outcome == OTHER_DAY
    seed_demo(db.session, now=MONDAY_0800_WIB, code="KTB", name="Disdukcapil Kota Bekasi")
    db.session.commit()
    other = db.session.scalar(select(Office).where(Office.code == "KTB"))
    with pytest.raises(NotFound):
        check_in(db.session, office=other, scanned=b.code, now=wib(9, 0))
    db.session.rollback()
    for junk in ("", "hello", "K7QM-3XDQ", "x" * 600):
        with pytest.raises((ValidationFailed, NotFound)):
            check_in(db.session, office=office, scanned=junk, now=wib(9, 0))
        db.session.rollback()


def test_cancelled_booking_cannot_check_in(office):
    from bookings.services.booking import cancel
    b = _book(office)
    cancel(db.session, booking=b, now=MONDAY_0800_WIB, env=Env(secret="s"))
    db.session.commit()
    with pytest.raises(Conflict):
        check_in(db.session, office=office, scanned=b.code, now=wib(9, 0))


def test_interleave_rule_puts_one_booking_after_every_n_walkins(office):
    _rules(office, queue_rule="interleave:2")
    walkins = [_walk_in(office, wib(8, 40 + i)) for i in range(5)]
    b = _book(office)
    r = check_in(db.session, office=office, scanned=b.code, now=wib(8, 50))
    db.session.commit()
    assert r.ticket.queued_at == walkins[1].queued_at
    assert svc.position_of(db.session, r.ticket) == 2


def test_bookings_not_checked_in_are_released_as_no_shows(office):
    kept, missed = _book(office), _book(office, "10:00")
    check_in(db.session, office=office, scanned=kept.code, now=wib(8, 45))
    db.session.commit()
    assert release_no_shows(db.session, wib(10, 15)) == 0  # 10:00 slot's window is still open
    assert release_no_shows(db.session, wib(10, 16)) == 1
    db.session.commit()
    assert db.session.get(Booking, missed.id).status == "no_show"
    assert db.session.get(Booking, kept.id).status == "checked_in"
