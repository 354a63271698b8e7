"""Figures from the database: ticket facts from the real queue use cases, the rollup, and reads that mix
rolled-up days with days still read from the tickets (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from queue_service.extensions import db
from queue_service.models import Counter, Office, Service, Ticket
from queue_service.services import tickets as svc
from queue_service.services.seed import seed_demo
from reports import figures as fg

MON = date(2026, 1, 5)


def at(day: date, hh: int, mm: int = 0, tz_hours: int = 7) -> datetime:
    return datetime.combine(day, time(hh, mm), timezone.utc) - timedelta(hours=tz_hours)


def office_parts(session):
    office = session.scalar(select(Office).where(Office.code == "BKS"))
    services = {s.code: s for s in office.services}
    counters = {c.number: c for c in office.counters}
    return office, services, counters


def next_day(session, day: date) -> None:
    """The rollover after ``day`` (as the background job does just after midnight)."""
    office, _, _ = office_parts(session)
    svc.close_day(session, office=office, now=at(day + timedelta(days=1), 0, 5))


def play_day(session, day: date, tz_hours: int = 7):
    """A small scripted day on counters 1 and 2 (REKAM, KIA) and 4 (KK), with every outcome."""
    office, s, c = office_parts(session)
    t1, _ = svc.issue_ticket(session, office=office, service=s["REKAM"], now=at(day, 8, 0, tz_hours))
    t2, _ = svc.issue_ticket(session, office=office, service=s["REKAM"], now=at(day, 8, 5, tz_hours))
    t3, _ = svc.issue_ticket(session, office=office, service=s["KK"], now=at(day, 9, 10, tz_hours))
    t4, _ = svc.issue_ticket(session, office=office, service=s["KIA"], now=at(day, 9, 20, tz_hours))
    t5, _ = svc.issue_ticket(session, office=office, service=s["KK"], now=at(day, 10, 0, tz_hours))
    # t1: called 08:10 by ani at counter 1, started 08:11, finished 08:21 -> wait 10 min, service 10 min
    got, _ = svc.call_next(session, counter=c[1], now=at(day, 8, 10, tz_hours), actor="user:ani")
    assert got.id == t1.id
    svc.start(session, ticket=t1, now=at(day, 8, 11, tz_hours), actor="user:ani")
    svc.finish(session, ticket=t1, now=at(day, 8, 21, tz_hours), actor="user:ani")
    # t2: first called 08:25 (wait 20 min), no-show -> requeued, called again 09:00 by budi at counter 2, finished
    got, _ = svc.call_next(session, counter=c[1], now=at(day, 8, 25, tz_hours), actor="user:ani")
    assert got.id == t2.id
    svc.no_show(session, ticket=t2, now=at(day, 8, 27, tz_hours), actor="user:ani")
    got, _ = svc.call_next(session, counter=c[2], now=at(day, 9, 0, tz_hours), actor="user:budi")
    assert got.id == t2.id
    svc.finish(session, ticket=t2, now=at(day, 9, 4, tz_hours), actor="user:budi")  # not started: from the call
    # t3: KK, transferred to PINDAH while waiting, then cancelled
    svc.transfer(session, ticket=t3, target=s["PINDAH"], now=at(day, 9, 15, tz_hours), actor="user:citra")
    svc.cancel(session, ticket=t3, now=at(day, 9, 30, tz_hours), actor="user:citra")
    # t4: KIA called at counter 2 at 09:50 (wait 30 min) and never finished -> expired at the rollover
    got, _ = svc.call_next(session, counter=c[2], now=at(day, 9, 50, tz_hours), actor="user:budi")
    assert got.id == t4.id
    return {"t1": t1.id, "t2": t2.id, "t3": t3.id, "t4": t4.id, "t5": t5.id}


@pytest.fixture
def seeded(any_app):
    with any_app.app_context():
        seed_demo(db.session, now=at(MON, 7))
        db.session.commit()
    return any_app


def test_ticket_facts_follow_the_history(seeded):
    from reports import queries
    from reports.models import report_cell, report_day, report_hour, report_staff  # noqa: F401
    app = seeded
    with app.app_context():
        ids = play_day(db.session, MON)
        db.session.commit()
        office, s, c = office_parts(db.session)
        got = queries.ticket_facts(db.session, [office], MON, MON)
        facts = {f.status + str(f.service_id): f for f in got.facts}
        by_id = dict(zip(sorted(ids.values()), sorted(got.facts, key=lambda f: (f.hour, f.wait_s or 0))))
        assert len(got.facts) == 5 and by_id
        done = sorted([f for f in got.facts if f.status == "done"], key=lambda f: f.wait_s)
        assert done[0].wait_s == 600 and done[0].service_s == 600 and done[0].clerk == "ani"
        assert done[0].counter_id == c[1].id and done[0].hour == 8
        # the requeued ticket's wait runs to its FIRST call; it was served by budi at counter 2, from the call
        assert done[1].wait_s == 20 * 60 and done[1].service_s == 4 * 60 and done[1].clerk == "budi"
        assert done[1].counter_id == c[2].id
        cancelled = [f for f in got.facts if f.status == "cancelled"][0]
        assert cancelled.service_id == s["PINDAH"].id  # its final service
        assert cancelled.wait_s is None and cancelled.service_s is None and cancelled.hour == 9
        called = [f for f in got.facts if f.status == "called"][0]
        assert called.wait_s == 30 * 60 and called.service_s is None
        # counters at work per local hour: 1 at 08, 2 at 09 (and citra's transfer/cancel had no counter)
        assert got.counters[(office.id, MON, 8)] == {c[1].id}
        assert got.counters[(office.id, MON, 9)] == {c[2].id}
        assert facts  # keyed view built


def test_local_hours_in_another_zone(any_app):
    from reports import queries
    from reports.models import report_cell, report_day, report_hour, report_staff  # noqa: F401
    with any_app.app_context():
        seed_demo(db.session, now=at(MON, 7, 0, 8), timezone="Asia/Makassar")
        db.session.commit()
        play_day(db.session, MON, tz_hours=8)
        db.session.commit()
        office, _, _ = office_parts(db.session)
        got = queries.ticket_facts(db.session, [office], MON, MON)
        assert sorted(f.hour for f in got.facts) == [8, 8, 9, 9, 10]


def test_rollup_gives_the_same_figures_as_the_tickets(seeded):
    from reports import queries
    from reports.models import report_cell, report_day, report_hour, report_staff  # noqa: F401
    app = seeded
    with app.app_context():
        play_day(db.session, MON)
        next_day(db.session, MON)
        play_day(db.session, MON + timedelta(days=1))
        db.session.commit()
        office, s, _ = office_parts(db.session)
        end = MON + timedelta(days=1)
        raw = queries.load(db.session, [office], MON, end)
        targets = {sv.id: 900.0 for sv in s.values()}
        before = {by: fg.table(raw.time if by not in ("counter", "clerk") else raw.staff, by, targets)
                  for by in ("service", "day", "hour", "counter", "clerk", "all")}
        assert before["all"][None].issued == 10 and before["all"][None].served == 4
        n = queries.build_days(db.session, office, [MON, end], now=at(end, 20))
        db.session.commit()
        assert n == 10
        assert db.session.scalar(select(func.count()).select_from(report_day)) == 2
        assert db.session.scalar(select(func.sum(report_cell.c.issued))) == 10
        assert db.session.scalar(select(func.sum(report_staff.c.issued))) == 10
        assert db.session.scalar(select(func.count()).select_from(report_hour)) == 4
        rolled = queries.load(db.session, [office], MON, end)
        after = {by: fg.table(rolled.time if by not in ("counter", "clerk") else rolled.staff, by, targets)
                 for by in ("service", "day", "hour", "counter", "clerk", "all")}
        assert after == before
        assert rolled.counters == raw.counters and rolled.arrivals == raw.arrivals
        # building again replaces, never doubles
        queries.build_days(db.session, office, [MON], now=at(end, 21))
        db.session.commit()
        assert db.session.scalar(select(func.sum(report_cell.c.issued))) == 10


def test_read_mixes_rolled_up_days_and_live_days(seeded):
    from reports import queries
    from reports.models import report_cell, report_day, report_hour, report_staff  # noqa: F401
    app = seeded
    with app.app_context():
        play_day(db.session, MON)
        next_day(db.session, MON)
        db.session.commit()
        office, _, _ = office_parts(db.session)
        queries.build_days(db.session, office, [MON], now=at(MON, 20))
        db.session.commit()
        play_day(db.session, MON + timedelta(days=1))  # today: not rolled up
        db.session.commit()
        data = queries.load(db.session, [office], MON, MON + timedelta(days=1))
        per_day = fg.table(data.time, "day")
        assert [s.issued for s in per_day.values()] == [5, 5]
        assert data.days == [MON, MON + timedelta(days=1)]


def test_pending_days_and_the_roll_up_job(seeded):
    from reports import queries
    from reports.models import report_cell, report_day, report_hour, report_staff  # noqa: F401
    app = seeded
    with app.app_context():
        mon = play_day(db.session, MON)
        db.session.commit()
        office, _, _ = office_parts(db.session)
        # Tuesday's rollover was missed (the server was off): Monday still has open tickets; counter 2 finishes
        # Monday's t4 before calling on Tuesday (a called ticket that was not started cannot be passed over)
        svc.finish(db.session, ticket=db.session.get(Ticket, mon["t4"]), now=at(MON + timedelta(days=1), 8, 55),
                   actor="user:budi")
        play_day(db.session, MON + timedelta(days=1))
        db.session.commit()
        tue_evening = at(MON + timedelta(days=1), 20)
        # no rollover has run: no day is final yet
        assert queries.pending_days(db.session, office, tue_evening) == []
        # Wednesday's rollover closes Monday and Tuesday
        wed = at(MON + timedelta(days=2), 0, 5)
        svc.close_day(db.session, office=office, now=wed)
        db.session.commit()
        assert queries.pending_days(db.session, office, wed) == [MON, MON + timedelta(days=1)]
        assert queries.roll_up(db.session, wed, max_days=1) == 1
        db.session.commit()
        assert queries.pending_days(db.session, office, wed) == [MON + timedelta(days=1)]
        assert queries.roll_up(db.session, wed) == 1
        db.session.commit()
        assert queries.pending_days(db.session, office, wed) == []
        data = queries.load(db.session, [office], MON, MON + timedelta(days=1))
        total = fg.table(data.time, "all")[None]
        # expired: Monday's t5, Tuesday's t4 and t5 (Monday's t4 was finished when counter 2 called on Tuesday)
        assert total.issued == 10 and total.expired == 3 and total.served == 5


def test_office_totals_for_the_kabupaten(seeded):
    from reports import queries
    from reports.models import report_cell, report_day, report_hour, report_staff  # noqa: F401
    app = seeded
    with app.app_context():
        seed_demo(db.session, now=at(MON, 7), code="KRW", name="Disdukcapil Karawang")
        db.session.commit()
        play_day(db.session, MON)
        db.session.commit()
        offices = db.session.scalars(select(Office).order_by(Office.id)).all()
        bks = offices[0]
        queries.build_days(db.session, bks, [MON], now=at(MON, 20))
        db.session.commit()
        krw = offices[1]
        svc.issue_ticket(db.session, office=krw, service=krw.services[0], now=at(MON, 9))
        db.session.commit()
        table = fg.table(queries.office_totals(db.session, offices, MON, MON), "office")
        assert table[bks.id].issued == 5 and table[krw.id].issued == 1
        assert queries.office_totals(db.session, [], MON, MON).keys == []


def test_office_totals_over_whole_months_use_the_month_rows(seeded):
    from reports import queries
    from reports.models import report_cell, report_day, report_hour, report_staff  # noqa: F401
    from reports.models import report_month

    app = seeded
    with app.app_context():
        play_day(db.session, MON)
        next_day(db.session, MON)
        play_day(db.session, MON + timedelta(days=1))
        next_day(db.session, MON + timedelta(days=1))
        db.session.commit()
        office, s, _ = office_parts(db.session)
        queries.build_days(db.session, office, [MON, MON + timedelta(days=1)], now=at(MON, 23))
        db.session.commit()
        assert db.session.scalar(select(func.sum(report_month.c.issued))) == 10
        targets = {sv.id: 900.0 for sv in s.values()}
        month = fg.table(queries.office_totals(db.session, [office], date(2026, 1, 1), date(2026, 1, 31)), "office",
                         targets)[office.id]
        days = fg.table(queries.office_totals(db.session, [office], MON, MON + timedelta(days=1)), "office",
                        targets)[office.id]
        across = fg.table(queries.office_totals(db.session, [office], date(2025, 12, 15), date(2026, 2, 10)),
                          "office", targets)[office.id]
        assert month == days == across and month.issued == 10 and month.wait_p90 is not None
        # a rebuild of one day re-sums its month
        queries.build_days(db.session, office, [MON], now=at(MON, 23, 30))
        db.session.commit()
        assert db.session.scalar(select(func.sum(report_month.c.issued))) == 10
