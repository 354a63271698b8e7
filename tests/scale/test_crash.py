"""kill -9 the server (SQLite, one `adminduk run` process) in the middle of a burst of ticket issuing and
counter calls, restart it on the same database:

* every ticket whose creation was acknowledged (201 received) exists, with the same code;
* every acknowledged call is stored as called;
* numbering continues after the restart, without duplicates or gaps;
* a display (python-socketio client) reconnects by itself, resyncs from GET /api/v1/offices/BKS/queue
  (which shows the last acknowledged calls) and hears the next call.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from collections import defaultdict

import pytest
import requests
import socketio
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.plugins.servers import free_port, start_server
from tests.plugins.threads import ThreadGroup
from tests.scale.deploy import CLI, ROOT, seeded_sqlite

pytestmark = [pytest.mark.slow]

SERVICES = ["REKAM", "KK", "KIA", "SUKET"]


def test_kill_9_during_a_burst_loses_nothing_acknowledged(tmp_path):
    env, data, tokens = seeded_sqlite(tmp_path, ADMINDUK_LOG_LEVEL="WARNING")
    db_url = env["ADMINDUK_DATABASE_URL"]
    engine = create_engine(db_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    def start(n):
        return start_server([*CLI, "run", "--host", "127.0.0.1", "--port", str(port)], url=f"{base}/healthz",
                            env=env, cwd=ROOT, log_path=tmp_path / f"server-{n}.log", timeout=60)

    server = start(1)
    display = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=0.5)
    connects, heard, resyncs = [], [], []

    @display.event
    def connect():
        connects.append(time.monotonic())
        if len(connects) > 1:  # a reconnect: resync from the queue overview, as a display screen does
            r = requests.get(f"{base}/api/v1/offices/BKS/queue",
                             headers={"Authorization": f"Bearer {tokens['display']}"}, timeout=10)
            resyncs.append((r.status_code, r.json() if r.ok else r.text))

    @display.on("ticket_called")
    def _called(payload):
        heard.append(payload["code"])

    try:
        display.connect(base, auth={"token": tokens["display"]}, transports=["websocket"], wait_timeout=10)

        acked: list[dict] = []  # 201 received
        calls: dict[int, tuple[float, int]] = {}  # counter id -> (time, ticket id) of its last acknowledged call
        called_ids: list[int] = []
        lock, stop = threading.Lock(), threading.Event()
        counters = [c for c in data["counters"] if {"REKAM", "KK"} & set(c["services"])][:2]

        def issuer(i):
            s = requests.Session()
            s.headers["Authorization"] = f"Bearer {tokens[f'petugas{i + 3}']}"
            k = 0
            while not stop.is_set():
                try:
                    r = s.post(f"{base}/api/v1/offices/BKS/tickets", json={"service": SERVICES[(i + k) % 4]},
                               timeout=5)
                except requests.RequestException:
                    return  # the server is gone: this request was never acknowledged
                k += 1
                if r.status_code == 201:
                    with lock:
                        acked.append(r.json())

        def caller(counter):
            s = requests.Session()
            s.headers["Authorization"] = "Bearer " + tokens["petugas%d" % counter["number"]]
            while not stop.is_set():
                try:
                    r = s.post(f"{base}/api/v1/counters/{counter['id']}/call-next", timeout=5)
                except requests.RequestException:
                    return
                if r.status_code == 200:
                    with lock:
                        calls[counter["id"]] = (time.monotonic(), r.json()["id"])
                        called_ids.append(r.json()["id"])
                    try:  # the citizen came: served, so the next press finishes it
                        s.post(f"{base}/api/v1/tickets/{r.json()['id']}/start", timeout=5)
                    except requests.RequestException:
                        return
                time.sleep(0.02)

        group = ThreadGroup("burst")  # a client thread that raised (not a refused request) fails the test
        for i in range(4):
            group.start(issuer, i, name=f"issuer-{i}")
        for c in counters:
            group.start(caller, c, name=f"counter-{c['number']}")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (len(acked) < 60 or len(called_ids) < 5):
            group.check()
            time.sleep(0.02)
        os.killpg(server.pid, signal.SIGKILL)  # mid-burst: requests are in flight right now
        server.proc.wait(10)
        stop.set()
        group.join(30)
        assert len(acked) >= 60 and called_ids, (len(acked), len(called_ids))

        server = start(2)

        # every acknowledged ticket exists with the same code; every acknowledged call is stored
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {tokens['petugas1']}"
        for t in acked:
            r = s.get(f"{base}/api/v1/tickets/{t['token']}", timeout=10)
            assert r.status_code == 200, (t["code"], r.status_code)
            assert r.json()["code"] == t["code"] and r.json()["id"] == t["id"]
        from queue_service.models import Ticket
        with Session(engine) as session:
            rows = session.execute(select(Ticket.id, Ticket.series, Ticket.number, Ticket.called_at)).all()
        by_id = {r.id: r for r in rows}
        assert all(by_id[i].called_at is not None for i in called_ids)
        numbers = defaultdict(list)
        for r in rows:
            numbers[r.series].append(r.number)
        for series, ns in numbers.items():  # what was stored is unique and gapless
            assert sorted(ns) == list(range(1, len(ns) + 1)), series

        # numbering continues
        for code in SERVICES:
            r = s.post(f"{base}/api/v1/offices/BKS/tickets", json={"service": code}, timeout=10)
            assert r.status_code == 201, r.text
            series, number = r.json()["code"].split("-")
            assert int(number) == len(numbers[series]) + 1, (r.json()["code"], len(numbers[series]))

        # the display reconnected by itself and resynced: the board shows each counter's last acknowledged call
        assert _wait(lambda: len(resyncs) >= 1, 20), "the display did not reconnect"
        status, board = resyncs[0]
        assert status == 200, board
        current = {c["id"]: c["current"] for c in board["counters"]}
        with Session(engine) as session:
            for counter_id, (_, ticket_id) in calls.items():
                stored = session.scalars(select(Ticket).where(
                    Ticket.counter_id == counter_id, Ticket.status.in_(["called", "serving"]))
                    .order_by(Ticket.called_at.desc())).first()
                acked_call = session.get(Ticket, ticket_id)
                # its last acknowledged call is still on the counter, or a later call (committed before the
                # server died, acknowledged or not) finished it: it never went back to waiting
                assert acked_call.status in ("called", "serving", "done"), acked_call.status
                if acked_call.status != "done":
                    assert stored is not None and stored.id == acked_call.id
                # the resync shows what is stored
                assert (current[counter_id] or {}).get("code") == (stored.code if stored else None)
        # and it hears calls made after the restart
        counter = counters[0]
        clerk = {"Authorization": "Bearer " + tokens["petugas%d" % counter["number"]]}
        r = requests.post(f"{base}/api/v1/counters/{counter['id']}/call-next", headers=clerk, timeout=10)
        if r.status_code == 409 and r.json()["error"] == "previous_not_started":  # killed before its "start"
            r = requests.post(f"{base}/api/v1/counters/{counter['id']}/call-next", json={"previous": "no_show"},
                              headers=clerk, timeout=10)
        assert r.status_code == 200, r.text
        assert _wait(lambda: r.json()["code"] in heard, 10), "the reconnected display did not hear the call"
    finally:
        display.disconnect()
        server.stop()
        engine.dispose()


def _wait(pred, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()
