"""A display screen in real Chromium survives a server restart: ``adminduk run`` (on gevent) is killed with
-9 and started again on the same port; the screen shows it is offline, reconnects by itself, resyncs, and
announces the next call made through the restarted server."""
from __future__ import annotations

import os
import signal

import pytest
import requests

from tests.plugins.browser import save_artifact
from tests.plugins.servers import free_port, start_server
from tests.scale.deploy import CLI, ROOT, seeded_sqlite

pytestmark = [pytest.mark.slow]


def test_display_reconnects_and_resyncs_after_a_server_restart(tmp_path, browser):
    env, data, tokens = seeded_sqlite(tmp_path, ADMINDUK_ASYNC_MODE="gevent")
    counter = next(c for c in data["counters"] if "KK" in c["services"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    def start(n):
        return start_server([*CLI, "run", "--host", "127.0.0.1", "--port", str(port)], url=f"{base}/healthz",
                            env=env, cwd=ROOT, log_path=tmp_path / f"server-{n}.log", timeout=60)

    def issue_and_call():
        r = requests.post(f"{base}/api/v1/offices/BKS/tickets", json={"service": "KK"},
                          headers={"Authorization": f"Bearer {tokens['petugas2']}"}, timeout=10)
        assert r.status_code == 201, r.text
        r = requests.post(f"{base}/api/v1/counters/{counter['id']}/call-next",
                          headers={"Authorization": f"Bearer {tokens['petugas1']}"}, timeout=10)
        assert r.status_code == 200, r.text
        started = requests.post(f"{base}/api/v1/tickets/{r.json()['id']}/start",  # served: N finishes it
                                headers={"Authorization": f"Bearer {tokens['petugas1']}"}, timeout=10)
        assert started.status_code == 200, started.text
        return r.json()["code"]

    server = start(1)
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        tv = ctx.new_page()
        tv.goto(f"{base}/display/BKS/pair?token={tokens['display']}")
        tv.wait_for_selector('#conn[data-state="connected"]', timeout=15000)
        first = issue_and_call()
        tv.wait_for_function("c => document.getElementById('now-code').textContent.trim() === c", arg=first,
                             timeout=15000)

        os.killpg(server.pid, signal.SIGKILL)
        server.proc.wait(10)
        tv.wait_for_selector('#conn[data-state="offline"]', timeout=30000)
        save_artifact(tv, "restart-offline")

        # while the screen is away, the queue moves on through another way in (a waiting ticket appears)
        server = start(2)
        r = requests.post(f"{base}/api/v1/offices/BKS/tickets", json={"service": "REKAM"},
                          headers={"Authorization": f"Bearer {tokens['petugas2']}"}, timeout=10)
        assert r.status_code == 201
        tv.wait_for_selector('#conn[data-state="connected"]', timeout=60000)  # reconnected by itself
        queue = requests.get(f"{base}/api/v1/offices/BKS/queue",
                             headers={"Authorization": f"Bearer {tokens['display']}"}, timeout=10).json()
        assert sum(x["waiting"] for x in queue["services"]) >= 1 and queue["recent_calls"][0]["code"] == first
        second = issue_and_call()
        tv.wait_for_function("c => document.getElementById('now-code').textContent.trim() === c", arg=second,
                             timeout=15000)
        recent = tv.inner_text("body")
        assert first in recent  # the resync kept the earlier call in the recent list
        save_artifact(tv, "restart-reconnected")
    finally:
        ctx.close()
        server.stop()
