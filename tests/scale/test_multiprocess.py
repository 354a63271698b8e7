"""One kabupaten on several processes: PostgreSQL + Redis, two `adminduk run` servers (one on threads,
one on gevent).

A display connected to process B hears the call made through process A; tickets issued through
both are unique and gapless; call-next through both never hands a ticket out twice.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter as Tally
from pathlib import Path

import pytest
import requests
import socketio
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.conftest import open_all_day

from tests.plugins.servers import free_port, start_server
from tests.plugins.threads import run_threads

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cluster(tmp_path, postgres_server, redis_server):
    env = {"ADMINDUK_SECRET_KEY": "shared-secret-for-all-processes",
           "ADMINDUK_DATABASE_URL": postgres_server.new_database(),
           "ADMINDUK_MESSAGE_QUEUE": redis_server.url,
           "ADMINDUK_INSTANCE_PATH": str(tmp_path / "instance"),
           "ADMINDUK_PUBLIC_URL": "https://antrean.example.go.id"}
    cli = [sys.executable, "-m", "queue_service.cli"]
    full_env = {**__import__("os").environ, **env}
    subprocess.run([*cli, "init-db"], cwd=ROOT, env=full_env, check=True, capture_output=True)
    seeded = subprocess.run([*cli, "seed-demo", "--json"], cwd=ROOT, env=full_env, check=True,
                            capture_output=True, text=True)
    data = json.loads(seeded.stdout)
    engine = create_engine(env["ADMINDUK_DATABASE_URL"])
    with Session(engine) as session:  # the real clock runs here: keep the office open
        open_all_day(session)
        session.commit()
    engine.dispose()
    servers, urls = [], []
    try:
        # a on threads, b on greenlets (ADMINDUK_ASYNC_MODE=gevent: psycopg and redis-py cooperate)
        for name, mode in (("a", "threading"), ("b", "gevent")):
            port = free_port()
            urls.append(f"http://127.0.0.1:{port}")
            servers.append(start_server([*cli, "run", "--host", "127.0.0.1", "--port", str(port)],
                                        url=f"http://127.0.0.1:{port}/healthz",
                                        env={**env, "ADMINDUK_ASYNC_MODE": mode}, cwd=ROOT,
                                        log_path=tmp_path / f"server-{name}.log", timeout=60))
        yield data, urls
    finally:
        for s in servers:
            s.stop()


def _tokens(data):
    out = {u["username"]: u["api_token"] for u in data["users"]}
    out.update({d["kind"]: d["token"] for d in data["devices"]})
    return out


def test_display_on_b_hears_call_made_on_a(cluster):
    data, (a, b) = cluster
    tokens = _tokens(data)
    heard, event = [], threading.Event()
    client = socketio.Client(reconnection=False)

    @client.on("ticket_called")
    def _on(payload):
        heard.append(payload)
        event.set()

    client.connect(b, auth={"token": tokens["display"]}, transports=["websocket"], wait_timeout=10)
    try:
        r = requests.post(f"{a}/api/v1/offices/BKS/tickets", json={"service": "KK"},
                          headers={"Authorization": f"Bearer {tokens['kiosk']}"}, timeout=10)
        assert r.status_code == 201, r.text
        counter = next(c for c in data["counters"] if "KK" in c["services"])
        r = requests.post(f"{a}/api/v1/counters/{counter['id']}/call-next",
                          headers={"Authorization": f"Bearer {tokens['petugas4']}"}, timeout=10)
        assert r.status_code == 200, r.text
        assert event.wait(10), "the display on process B never heard the call made on A"
        assert heard[0]["code"] == "C-001"
    finally:
        client.disconnect()


def test_numbers_unique_and_calls_exclusive_across_processes(cluster):
    data, servers = cluster
    tokens = _tokens(data)
    issued, errors, lock = [], [], threading.Lock()

    def issue(i):
        s = requests.Session()  # staff tokens: a kiosk is throttled and de-duplicates double presses
        s.headers["Authorization"] = f"Bearer {tokens[f'petugas{i + 1}']}"
        for k in range(40):
            r = s.post(f"{servers[(i + k) % 2]}/api/v1/offices/BKS/tickets",
                       json={"service": "REKAM" if k % 2 else "KK"}, timeout=20)
            with lock:
                (issued if r.status_code == 201 else errors).append(r.json() if r.status_code == 201 else r.text)

    run_threads(6, issue, timeout=120)  # a thread that raised (a refused connection, bad JSON) fails the test
    assert not errors, errors[:3]
    by_series: dict[str, list[int]] = {}
    for t in issued:
        series, number = t["code"].split("-")
        by_series.setdefault(series, []).append(int(number))
    assert {k: sorted(v) for k, v in by_series.items()} == {
        k: list(range(1, len(v) + 1)) for k, v in by_series.items()}
    assert len(issued) == 240

    # every counter that serves REKAM or KK calls through both processes until nobody waits
    counters = [c for c in data["counters"] if {"REKAM", "KK"} & set(c["services"])]
    clerks = [tokens[f"petugas{c['number']}"] for c in counters]
    called, lock = [], threading.Lock()

    def call(i):
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {clerks[i]}"
        k = 0
        while True:
            r = s.post(f"{servers[k % 2]}/api/v1/counters/{counters[i]['id']}/call-next", timeout=20)
            k += 1
            if r.status_code == 204:
                return
            assert r.status_code == 200, r.text
            with lock:
                called.append(r.json()["id"])
            # served: the next press finishes it (a ticket only called is never finished by "call next")
            r = s.post(f"{servers[k % 2]}/api/v1/tickets/{r.json()['id']}/start", timeout=20)
            assert r.status_code == 200, r.text

    # every thread's assertion counts: one failed call-next must not hide behind the others emptying the queue
    run_threads(len(counters), call, timeout=180)
    tally = Tally(called)
    assert len(tally) == 240 and max(tally.values()) == 1
