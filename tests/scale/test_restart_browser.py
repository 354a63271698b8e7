"""A display screen in real Chromium survives a server restart: ``adminduk run`` (on gevent) is killed with
-9 and started again on the same port; the screen shows it is offline, reconnects by itself, resyncs — what
happened while it was away (a call, tickets waiting) is on the SCREEN after the reconnect, read from the page,
not from the API — and shows the next call made through the restarted server."""
from __future__ import annotations

import os
import signal

import pytest
import requests

from tests.plugins.browser import wait_js, save_artifact
from tests.plugins.servers import free_port, start_server
from tests.scale.deploy import CLI, ROOT, seeded_sqlite

pytestmark = [pytest.mark.slow]

#: what the screen shows: the big "now calling" code, the recent calls, and the waiting count per series
SCREEN_JS = """() => ({
  now: document.getElementById('now-code').textContent.trim(),
  counter: document.getElementById('now-counter').textContent.trim(),
  recent: Array.from(document.querySelectorAll('#recent-rows tr td:first-child')).map(td => td.textContent.trim()),
  waiting: Object.fromEntries(Array.from(document.querySelectorAll('#waiting-list li')).map(li => [
    li.querySelector('.w-prefix').textContent.trim(), Number(li.querySelector('.w-count').textContent)])),
  conn: document.getElementById('conn').dataset.state,
})"""


def test_display_reconnects_and_resyncs_after_a_server_restart(tmp_path, browser):
    env, data, tokens = seeded_sqlite(tmp_path, ADMINDUK_ASYNC_MODE="gevent")
    counter = next(c for c in data["counters"] if "KK" in c["services"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    staff = {"Authorization": f"Bearer {tokens['petugas2']}"}

    def start(n):
        return start_server([*CLI, "run", "--host", "127.0.0.1", "--port", str(port)], url=f"{base}/healthz",
                            env=env, cwd=ROOT, log_path=tmp_path / f"server-{n}.log", timeout=60)

    def issue(service):
        r = requests.post(f"{base}/api/v1/offices/BKS/tickets", json={"service": service}, headers=staff, timeout=10)
        assert r.status_code == 201, r.text
        return r.json()["code"]

    def issue_and_call():
        issue("KK")
        r = requests.post(f"{base}/api/v1/counters/{counter['id']}/call-next",
                          headers={"Authorization": f"Bearer {tokens['petugas1']}"}, timeout=10)
        assert r.status_code == 200, r.text
        started = requests.post(f"{base}/api/v1/tickets/{r.json()['id']}/start",  # served: N finishes it
                                headers={"Authorization": f"Bearer {tokens['petugas1']}"}, timeout=10)
        assert started.status_code == 200, started.text
        return r.json()["code"]

    def showing(tv, code):
        wait_js(tv, "c => document.getElementById('now-code').textContent.trim() === c", arg=code,
                             timeout=15000)

    server = start(1)
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        tv = ctx.new_page()
        tv.goto(f"{base}/display/BKS/pair?token={tokens['display']}")
        tv.wait_for_selector('#conn[data-state="connected"]', timeout=15000)
        first = issue_and_call()
        showing(tv, first)

        os.killpg(server.pid, signal.SIGKILL)
        server.proc.wait(10)
        tv.wait_for_selector('#conn[data-state="offline"]', timeout=30000)
        save_artifact(tv, "restart-offline")

        # the screen stays away (its network cut) while the restarted server moves on: a call is made and two
        # tickets wait — events the screen can never receive, only resync
        ctx.set_offline(True)
        server = start(2)
        away = issue_and_call()
        rekam = [issue("REKAM"), issue("REKAM")]
        screen = tv.evaluate(SCREEN_JS)
        assert screen["conn"] == "offline" and screen["now"] == first, screen  # nothing reached it meanwhile
        assert screen["waiting"].get("A", 0) == 0, screen

        ctx.set_offline(False)
        tv.wait_for_selector('#conn[data-state="connected"]', timeout=60000)  # reconnected by itself
        showing(tv, away)  # the call made while it was away, painted from the resync
        wait_js(tv, "() => Array.from(document.querySelectorAll('#waiting-list li')).some(li => "
                             "li.querySelector('.w-prefix').textContent.trim() === 'A' && "
                             "li.querySelector('.w-count').textContent === '2')",
                             timeout=15000)
        screen = tv.evaluate(SCREEN_JS)
        assert screen["now"] == away and screen["counter"].endswith(str(counter["number"])), screen
        assert screen["waiting"]["A"] == len(rekam) and screen["waiting"]["C"] == 0, screen  # the board resynced
        assert first in screen["recent"], screen  # the earlier call moved to the recent list
        save_artifact(tv, "restart-resynced")

        # and a call made after the restart arrives live on the screen
        second = issue_and_call()
        showing(tv, second)
        wait_js(tv, "c => Array.from(document.querySelectorAll('#recent-rows td')).some("
                             "td => td.textContent.trim() === c)", arg=away, timeout=15000)
        screen = tv.evaluate(SCREEN_JS)
        assert screen["now"] == second and away in screen["recent"] and screen["conn"] == "connected", screen
        save_artifact(tv, "restart-reconnected")
    finally:
        ctx.close()
        server.stop()
