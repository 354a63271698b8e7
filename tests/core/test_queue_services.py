"""The queue core through its services, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from queue_service.domain.errors import InvalidTransition, QuotaReached, ServiceUnavailable
from queue_service.extensions import db
from queue_service.models import Office, Ticket, TicketEvent
from queue_service.services import tickets as svc
from tests.conftest import MONDAY_0800_WIB, seed


def office_and(app):
    office = db.session.scalar(select(Office))
    services = {s.code: s for s in office.services}
    counters = {c.number: c for c in office.counters}
    return office, services, counters


def issue(office, service, now, priority=None):
    t, _ = svc.issue_ticket(db.session, office=office, service=service, now=now, priority=priority)
    db.session.commit()
    return t


def test_numbers_start_at_one_per_service_and_priority_series(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, _ = office_and(any_app)
        now = MONDAY_0800_WIB
        codes = [issue(office, services["REKAM"], now).code for _ in range(3)]
        codes.append(issue(office, services["CETAK"], now).code)
        codes.append(issue(office, services["CETAK"], now, priority="lansia").code)
        codes.append(issue(office, services["REKAM"], now, priority="ibu_hamil").code)
        assert codes == ["A-001", "A-002", "A-003", "B-001", "P-001", "P-002"]


def test_numbering_restarts_at_office_local_midnight(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, _ = office_and(any_app)
        # 23:59 WIB on Monday = 16:59 UTC; 00:01 WIB Tuesday = 17:01 UTC
        late = MONDAY_0800_WIB.replace(hour=16, minute=59)
        assert issue(office, services["KK"], late).code == "C-001"
        t = issue(office, services["KK"], late + timedelta(minutes=2))
        assert t.code == "C-001" and t.service_day.isoformat() == "2026-01-06"


def test_wita_office_rolls_over_an_hour_earlier(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, _ = office_and(any_app)
        office.timezone = "Asia/Makassar"
        db.session.commit()
        # 16:30 UTC = 23:30 WIB (still Monday in Jakarta) = 00:30 WITA Tuesday
        t = issue(office, services["KK"], MONDAY_0800_WIB.replace(hour=16, minute=30))
        assert t.service_day.isoformat() == "2026-01-06"


def test_strict_priority_is_called_first_then_issue_order(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, counters = office_and(any_app)
        now = MONDAY_0800_WIB
        a1 = issue(office, services["REKAM"], now)
        a2 = issue(office, services["REKAM"], now + timedelta(seconds=1))
        p1 = issue(office, services["REKAM"], now + timedelta(seconds=2), priority="lansia")
        order = []
        for i in range(4):
            t, _ = svc.call_next(db.session, counter=counters[1], now=now + timedelta(minutes=i + 1))
            if t is not None:  # served, so the next press finishes it
                svc.start(db.session, ticket=t, now=now + timedelta(minutes=i + 1))
            db.session.commit()
            order.append(t.code if t else None)
        assert order == [p1.code, a1.code, a2.code, None]


def test_interleave_policy_takes_one_priority_after_n_regular(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, counters = office_and(any_app)
        lahir = services["LAHIR"]  # interleave:3 in the demo
        now = MONDAY_0800_WIB
        regular = [issue(office, lahir, now + timedelta(seconds=i)) for i in range(5)]
        prio = issue(office, lahir, now + timedelta(seconds=10), priority="disabilitas")
        counter = counters[5]
        called = []
        for i in range(6):
            t, _ = svc.call_next(db.session, counter=counter, now=now + timedelta(minutes=i + 1))
            svc.start(db.session, ticket=t, now=now + timedelta(minutes=i + 1))
            db.session.commit()
            called.append(t.code)
        assert called == [regular[0].code, regular[1].code, regular[2].code, prio.code,
                          regular[3].code, regular[4].code]


def test_counter_only_calls_its_services(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, counters = office_and(any_app)
        issue(office, services["KK"], MONDAY_0800_WIB)
        t, _ = svc.call_next(db.session, counter=counters[1], now=MONDAY_0800_WIB)  # REKAM only
        assert t is None
        t, _ = svc.call_next(db.session, counter=counters[4], now=MONDAY_0800_WIB)  # KK, PINDAH
        assert t.code == "C-001"


def test_lifecycle_transitions_and_audit_trail(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, counters = office_and(any_app)
        now = MONDAY_0800_WIB
        t = issue(office, services["KK"], now)
        with pytest.raises(InvalidTransition):
            svc.start(db.session, ticket=t, now=now)
        called, events = svc.call_next(db.session, counter=counters[4], now=now)
        assert called.id == t.id and [e.name for e in events] == ["ticket_called", "queue_changed"]
        svc.recall(db.session, ticket=t, now=now)
        svc.start(db.session, ticket=t, now=now + timedelta(minutes=1))
        svc.finish(db.session, ticket=t, now=now + timedelta(minutes=6))
        db.session.commit()
        assert t.status == "done"
        with pytest.raises(InvalidTransition) as err:
            svc.finish(db.session, ticket=t, now=now)
        assert "done" in err.value.message
        actions = db.session.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == t.id)
                                     .order_by(TicketEvent.id)).all()
        assert actions == ["issue", "call", "recall", "start", "finish"]


def test_call_next_finishes_the_counters_ticket_being_served(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, counters = office_and(any_app)
        a = issue(office, services["KK"], MONDAY_0800_WIB)
        b = issue(office, services["KK"], MONDAY_0800_WIB + timedelta(seconds=1))
        svc.call_next(db.session, counter=counters[4], now=MONDAY_0800_WIB)
        svc.start(db.session, ticket=a, now=MONDAY_0800_WIB + timedelta(minutes=1))
        db.session.commit()
        t, events = svc.call_next(db.session, counter=counters[4], now=MONDAY_0800_WIB + timedelta(minutes=5))
        db.session.commit()
        db.session.refresh(a)
        assert t.id == b.id and a.status == "done"
        assert "ticket_finished" in [e.name for e in events]


def test_no_show_requeues_once_then_no_show(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, counters = office_and(any_app)
        a = issue(office, services["KK"], MONDAY_0800_WIB)
        b = issue(office, services["KK"], MONDAY_0800_WIB + timedelta(seconds=1))
        c = counters[4]
        t, _ = svc.call_next(db.session, counter=c, now=MONDAY_0800_WIB + timedelta(minutes=1))
        svc.no_show(db.session, ticket=t, now=MONDAY_0800_WIB + timedelta(minutes=2))
        db.session.commit()
        assert a.status == "waiting" and a.requeues == 1
        t, _ = svc.call_next(db.session, counter=c, now=MONDAY_0800_WIB + timedelta(minutes=3))
        assert t.id == b.id  # a went to the back of the queue
        svc.finish(db.session, ticket=t, now=MONDAY_0800_WIB + timedelta(minutes=4))
        t, _ = svc.call_next(db.session, counter=c, now=MONDAY_0800_WIB + timedelta(minutes=5))
        assert t.id == a.id
        svc.no_show(db.session, ticket=t, now=MONDAY_0800_WIB + timedelta(minutes=6))
        db.session.commit()
        assert a.status == "no_show"


def test_transfer_keeps_code_and_issue_time_position(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, counters = office_and(any_app)
        rekam, cetak = services["REKAM"], services["CETAK"]
        t = issue(office, rekam, MONDAY_0800_WIB)
        later = issue(office, cetak, MONDAY_0800_WIB + timedelta(minutes=5))
        called, _ = svc.call_next(db.session, counter=counters[1], now=MONDAY_0800_WIB + timedelta(minutes=6))
        svc.transfer(db.session, ticket=called, target=cetak, now=MONDAY_0800_WIB + timedelta(minutes=10))
        db.session.commit()
        assert t.code == "A-001" and t.service_id == cetak.id and t.status == "waiting"
        nxt, _ = svc.call_next(db.session, counter=counters[3], now=MONDAY_0800_WIB + timedelta(minutes=11))
        assert nxt.id == t.id  # issued before B-001, so ahead of it
        assert later.status == "waiting"
        with pytest.raises(InvalidTransition):
            svc.transfer(db.session, ticket=nxt, target=cetak, now=MONDAY_0800_WIB)


def test_quota_reached_is_refused_without_using_a_number(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, _ = office_and(any_app)
        kia = services["KIA"]
        kia.daily_quota = 2
        db.session.commit()
        issue(office, kia, MONDAY_0800_WIB)
        issue(office, kia, MONDAY_0800_WIB, priority="lansia")  # priority counts toward the quota
        with pytest.raises(QuotaReached):
            issue(office, kia, MONDAY_0800_WIB)
        db.session.rollback()
        kia.daily_quota = 3
        db.session.commit()
        assert issue(office, kia, MONDAY_0800_WIB).code == "D-002"  # gapless: no number was burnt


def test_quota_caps_from_features_lower_the_quota(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, _ = office_and(any_app)
        caps = [lambda s, service, day: 1 if service.code == "KK" else None]
        svc.issue_ticket(db.session, office=office, service=services["KK"], now=MONDAY_0800_WIB, quota_caps=caps)
        db.session.commit()
        with pytest.raises(QuotaReached):
            svc.issue_ticket(db.session, office=office, service=services["KK"], now=MONDAY_0800_WIB,
                             quota_caps=caps)


def test_inactive_service_refuses_tickets(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, _ = office_and(any_app)
        services["MATI"].active = False
        db.session.commit()
        with pytest.raises(ServiceUnavailable):
            issue(office, services["MATI"], MONDAY_0800_WIB)


def test_close_day_expires_open_tickets_and_keeps_them(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, counters = office_and(any_app)
        a = issue(office, services["KK"], MONDAY_0800_WIB)
        b = issue(office, services["KK"], MONDAY_0800_WIB)
        svc.call_next(db.session, counter=counters[4], now=MONDAY_0800_WIB)
        db.session.commit()
        tuesday = MONDAY_0800_WIB + timedelta(days=1)
        n, _ = svc.close_day(db.session, office=office, now=tuesday)
        db.session.commit()
        assert n == 2
        assert {t.status for t in db.session.scalars(select(Ticket))} == {"expired"}
        # a new day starts at 1 again; expired tickets of Monday are never called
        c = issue(office, services["KK"], tuesday)
        assert c.code == "C-001"
        t, _ = svc.call_next(db.session, counter=counters[4], now=tuesday)
        assert t.id == c.id and a.id != c.id and b.id != c.id


def test_position_counts_people_ahead(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, _ = office_and(any_app)
        r = services["REKAM"]
        a = issue(office, r, MONDAY_0800_WIB)
        b = issue(office, r, MONDAY_0800_WIB + timedelta(seconds=1))
        p = issue(office, r, MONDAY_0800_WIB + timedelta(seconds=2), priority="lansia")
        assert [svc.position_of(db.session, t) for t in (a, b, p)] == [1, 2, 0]


def test_closed_counter_cannot_call(any_app):
    seed(any_app)
    with any_app.app_context():
        _, _, counters = office_and(any_app)
        counters[2].active = False
        with pytest.raises(InvalidTransition):
            svc.call_next(db.session, counter=counters[2], now=MONDAY_0800_WIB)
