"""SQLite transaction modes: safe requests read in a deferred BEGIN (no write lock held through the request),
everything else takes the write lock at BEGIN IMMEDIATE; GETs and POSTs mixed on SQLite never give a 5xx."""
from __future__ import annotations

import http.client
import json
import sqlite3
import threading
import time

import pytest
from sqlalchemy import select, text

from queue_service.db import begin_mode, sqlite_begin
from queue_service.extensions import db
from queue_service.models import ApiToken
from tests.plugins.threads import ThreadGroup

pytestmark = pytest.mark.slow


def _write_lock_free(path: str) -> bool:
    """True when another connection can take SQLite's write lock right now (no waiting)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


def test_safe_requests_read_without_the_write_lock(app, demo):
    with app.app_context():
        path = db.engine.url.database
    for method, deferred in (("GET", True), ("HEAD", True), ("OPTIONS", True), ("POST", False),
                             ("PUT", False), ("PATCH", False), ("DELETE", False)):
        with app.test_request_context("/api/v1/offices/BKS/queue", method=method):
            assert begin_mode() == ("deferred" if deferred else "immediate")
            db.session.execute(text("SELECT count(*) FROM ticket")).scalar()  # the transaction has begun
            assert _write_lock_free(path) is deferred, method
            with sqlite_begin("immediate"):
                assert begin_mode() == "immediate"
            db.session.rollback()
            db.session.remove()
    with app.app_context():  # outside a request (CLI, jobs): the write lock at BEGIN
        assert begin_mode() == "immediate"
        db.session.execute(text("SELECT 1")).scalar()
        assert not _write_lock_free(path)
        db.session.rollback()
        with sqlite_begin("deferred"):
            db.session.execute(text("SELECT 1")).scalar()
            assert _write_lock_free(path)
        db.session.remove()


def _request(conn, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    return r.status, r.read()


def test_concurrent_gets_and_posts_on_sqlite_give_no_5xx(live_server):
    """Issuing, calling and stock movements (POST) while queue, ticket, counter-state and stock pages are read
    (GET, whose stock figures are recomputed and whose token use times are recorded as they go)."""
    tk, stop_at = live_server.tokens, time.monotonic() + 4.0
    counters = {c["number"]: c["id"] for c in live_server.demo["counters"]}
    statuses: list[tuple[str, int]] = []
    failures: list[str] = []
    issued: list[str] = []

    def client(work):
        def run():
            conn = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=60)
            try:
                k = 0
                while time.monotonic() < stop_at:
                    method, path, status, body = work(conn, k)
                    statuses.append((method, status))
                    if status >= 500:
                        failures.append(f"{method} {path} -> {status} {body[:160]!r}")
                    k += 1
            except Exception as exc:  # surfaced below
                failures.append(repr(exc))
            finally:
                conn.close()
        return run

    def issuer(user):
        def work(conn, k):
            path = "/api/v1/offices/BKS/tickets"
            status, body = _request(conn, "POST", path, tk[user], {"service": ["REKAM", "KK", "SUKET"][k % 3]})
            if status == 201:
                issued.append(json.loads(body)["token"])
            return "POST", path, status, body
        return work

    def caller(conn, k):
        path = f"/api/v1/counters/{counters[3]}/call-next"  # the called ticket did not come: requeued
        return ("POST", path, *_request(conn, "POST", path, tk["petugas3"], {"previous": "no_show"}))

    def stock_writer(conn, k):
        path = "/api/v1/offices/BKS/stock/movements"
        return ("POST", path, *_request(conn, "POST", path, tk["manajer"], {"kind": "receipt", "quantity": 1,
                                                                            "source": "test"}))

    def reader(user):
        def work(conn, k):
            paths = ["/api/v1/offices/BKS/queue", "/api/v1/offices/BKS/stock",
                     f"/counter/{counters[1]}/state"]
            if issued:
                paths.append(f"/api/v1/tickets/{issued[-1]}")
            path = paths[k % len(paths)]
            return ("GET", path, *_request(conn, "GET", path, tk[user]))
        return work

    workers = [issuer("petugas1"), issuer("petugas2"), caller, stock_writer,
               reader("manajer"), reader("admin"), reader("petugas4"), reader("petugas5")]
    group = ThreadGroup("client")
    for w in workers:
        group.start(client(w))
    group.join(120)  # a client still running at the deadline fails too
    assert not failures, failures[:5]
    gets = [s for m, s in statuses if m == "GET"]
    posts = [s for m, s in statuses if m == "POST"]
    assert len(gets) > 20 and len(posts) > 20, (len(gets), len(posts))
    assert all(s == 200 for s in gets), sorted(set(gets))
    assert issued and all(s in (200, 201, 204) for s in posts), sorted(set(posts))  # 204: nobody waiting
    with live_server.app.app_context():  # the GETs recorded their tokens' use, apart from their reads
        used = {t.user.username for t in db.session.scalars(select(ApiToken)) if t.last_used_at is not None}
        db.session.remove()
    assert {"manajer", "admin", "petugas4", "petugas5"} <= used


# --------------------------------------------------------------------------- the in-process write queue


def test_write_queue_is_left_on_every_path(app, demo, monkeypatch):
    from sqlalchemy.orm import Session

    import queue_service.db as dbmod
    from queue_service.db import write_queue
    with app.app_context():
        engine = db.engine
        q = write_queue(engine)
        assert q is not None and not q.held

        def write(session):
            session.execute(text("UPDATE office SET name = name"))

        with Session(engine) as s:  # commit
            write(s)
            assert q.held
            s.commit()
            assert not q.held
        with Session(engine) as s:  # rollback
            write(s)
            s.rollback()
            assert not q.held
        with pytest.raises(ZeroDivisionError), Session(engine) as s, s.begin():  # exception in the block
            write(s)
            1 / 0
        assert not q.held
        with pytest.raises(Exception), Session(engine) as s, s.begin():  # a failing statement
            s.execute(text("INSERT INTO no_such_table VALUES (1)"))
        assert not q.held
        write(db.session)  # scoped session removed mid-transaction (end of a request, a job)
        assert q.held
        db.session.remove()
        assert not q.held
        conn = engine.connect()  # a connection returned to the pool without commit: the pool's reset
        conn.begin()
        conn.exec_driver_sql("UPDATE office SET name = name")
        assert q.held
        conn.close()
        assert not q.held
        conn = engine.connect()  # invalidated mid-transaction
        conn.begin()
        conn.exec_driver_sql("UPDATE office SET name = name")
        conn.invalidate()
        conn.close()
        assert not q.held
        with sqlite_begin("deferred"), Session(engine) as s:  # reads never queue
            s.execute(text("SELECT 1"))
            assert not q.held
        # a holder that never lets go (e.g. stuck): the next writer falls back to SQLite's busy handler
        monkeypatch.setattr(dbmod, "WRITE_QUEUE_TIMEOUT", 0.2)
        stuck = ThreadGroup("stuck")
        stuck.start(q.acquire, 1)  # held by another thread
        stuck.join(30)
        assert q.held and q.owner != threading.get_ident()
        t0 = time.monotonic()
        with Session(engine) as s:
            write(s)
            s.commit()
        # it waited for the queue (WRITE_QUEUE_TIMEOUT), then went on instead of hanging (no speed limit here)
        assert time.monotonic() - t0 >= 0.15 and q.held
        q.release()
        assert not q.held
        db.session.remove()


def test_write_queue_hands_the_lock_over_in_arrival_order(app, demo):
    from sqlalchemy.orm import Session

    from queue_service.db import write_queue
    with app.app_context():
        engine = db.engine
    q = write_queue(engine)
    order: list[int] = []

    def writer(i):
        with Session(engine) as s:
            s.execute(text("UPDATE office SET name = name"))  # BEGIN IMMEDIATE: waits in the queue
            order.append(i)
            s.commit()

    holder = Session(engine)
    holder.execute(text("UPDATE office SET name = name"))
    assert q.held
    writers = ThreadGroup("writer")
    for i in range(6):
        writers.start(writer, i)
        deadline = time.monotonic() + 10
        while q.waiting < i + 1 and time.monotonic() < deadline:  # queued before the next one starts
            writers.check()
            time.sleep(0.005)
        assert q.waiting == i + 1
    holder.commit()
    holder.close()
    writers.join(30)
    assert order == list(range(6))
    assert not q.held and q.waiting == 0
