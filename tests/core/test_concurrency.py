"""Concurrency is input too: numbers stay unique and gapless, and no ticket is called twice,
on file SQLite and on a real PostgreSQL server, across threads and processes."""
from __future__ import annotations

import multiprocessing
import threading
from collections import Counter as Tally
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from queue_service.extensions import db
from queue_service.models import Counter, Office, Service, Ticket
from queue_service.services import tickets as svc
from tests.conftest import MONDAY_0800_WIB, seed
from tests.plugins.threads import run_threads

pytestmark = pytest.mark.slow


def _in_threads(n, target):
    """``target(i)`` in ``n`` threads started together; any exception or a thread still running after two
    minutes fails the test (tests/plugins/threads.py)."""
    run_threads(n, target, timeout=120)


def _issue_many(app, count, service_codes, priority_every=0):
    def work(i):
        with app.app_context():
            office = db.session.scalar(select(Office))
            services = {s.code: s for s in office.services}
            for k in range(count):
                code = service_codes[(i + k) % len(service_codes)]
                prio = "lansia" if priority_every and (i * count + k) % priority_every == 0 else None
                for attempt in range(5):
                    try:
                        svc.issue_ticket(db.session, office=office, service=services[code],
                                         now=MONDAY_0800_WIB + timedelta(seconds=k), priority=prio)
                        db.session.commit()
                        break
                    except OperationalError:  # busy database: retry, as the API client would
                        db.session.rollback()
                        if attempt == 4:
                            raise
            db.session.remove()
    return work


def _assert_gapless(app):
    with app.app_context():
        rows = db.session.execute(select(Ticket.series, Ticket.number)).all()
    by_series: dict[str, list[int]] = {}
    for series, number in rows:
        by_series.setdefault(series, []).append(number)
    for series, numbers in by_series.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), f"series {series} has gaps or duplicates"
    return {k: len(v) for k, v in by_series.items()}


def test_ten_threads_issue_a_thousand_unique_gapless_numbers(any_app):
    seed(any_app)
    _in_threads(10, _issue_many(any_app, 100, ["REKAM", "PINDAH", "KK"], priority_every=7))
    sizes = _assert_gapless(any_app)
    assert sum(sizes.values()) == 1000 and "P" in sizes


def test_twenty_counters_call_five_hundred_tickets_each_exactly_once(any_app):
    seed(any_app)
    with any_app.app_context():
        office = db.session.scalar(select(Office))
        services = list(office.services)
        # 20 counters serving every service, so all of them compete for the same tickets
        for n in range(7, 27):
            db.session.add(Counter(office_id=office.id, number=n, name=f"Loket {n}", services=services))
        db.session.commit()
        for k in range(500):
            svc.issue_ticket(db.session, office=office, service=[s for s in services if s.daily_quota is None][k % 3],
                             now=MONDAY_0800_WIB + timedelta(milliseconds=k),
                             priority="lansia" if k % 11 == 0 else None)
        db.session.commit()
        counter_ids = db.session.scalars(select(Counter.id).where(Counter.number >= 7)).all()
        db.session.remove()

    called: list[tuple[int, int]] = []
    lock = threading.Lock()

    def work(i):
        with any_app.app_context():
            counter = db.session.get(Counter, counter_ids[i])
            while True:
                for attempt in range(5):
                    try:
                        ticket, _ = svc.call_next(db.session, counter=counter, now=MONDAY_0800_WIB)
                        tid = ticket.id if ticket else None
                        if ticket is not None:  # served: the next press finishes it
                            svc.start(db.session, ticket=ticket, now=MONDAY_0800_WIB)
                        db.session.commit()
                        break
                    except OperationalError:  # busy database: retry, as the API client would
                        db.session.rollback()
                        if attempt == 4:
                            raise
                if tid is None:
                    break
                with lock:
                    called.append((tid, counter.id))
            db.session.remove()

    _in_threads(20, work)
    tally = Tally(tid for tid, _ in called)
    assert len(tally) == 500, "some tickets were never called"
    assert max(tally.values()) == 1, "a ticket was called twice"
    with any_app.app_context():
        statuses = Tally(db.session.scalars(select(Ticket.status)))
    # every ticket called exactly once, then finished by the same counter's next press
    assert statuses == {"done": 500}


def _process_issue(url: str, instance: str, n: int, out) -> None:
    from queue_service.app import create_app
    from queue_service.services import tickets as svc2

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url, "INSTANCE_PATH": instance,
                      "BACKGROUND_WORKERS": False})
    codes = []
    with app.app_context():
        office = db.session.scalar(select(Office))
        service = db.session.scalar(select(Service).where(Service.code == "KK"))
        for _ in range(n):
            t, _ = svc2.issue_ticket(db.session, office=office, service=service, now=MONDAY_0800_WIB)
            db.session.commit()
            codes.append(t.code)
    out.put(codes)


def test_four_processes_share_one_sqlite_file_without_duplicates(app, tmp_path):
    seed(app)
    url = app.config["DATABASE_URL"]
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_process_issue, args=(url, str(tmp_path / "inst"), 50, out)) for _ in range(4)]
    for p in procs:
        p.start()
    codes = [c for _ in procs for c in out.get(timeout=120)]
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert len(codes) == 200 and len(set(codes)) == 200
    assert _assert_gapless(app) == {"C": 200}
