"""``ADMINDUK_ASYNC_MODE=gevent adminduk run``: the same service on greenlets (gevent's WSGI server,
simple-websocket), started for real on 127.0.0.1 on a SQLite file.

* a display (python-socketio client, websocket) hears a call made over HTTP, with its announcement;
* tickets issued by 8 concurrent clients are unique and gapless (SQLite writes queue up in one process);
* websocket handshakes decline permessage-deflate, in this mode and in threading mode.
"""
from __future__ import annotations

import base64
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio

from tests.plugins.servers import free_port, start_server
from tests.scale.deploy import CLI, ROOT, seeded_sqlite

pytestmark = [pytest.mark.slow]


@pytest.fixture
def gevent_server(tmp_path):
    env, data, tokens = seeded_sqlite(tmp_path, ADMINDUK_ASYNC_MODE="gevent")
    port = free_port()
    server = start_server([*CLI, "run", "--host", "127.0.0.1", "--port", str(port)],
                          url=f"http://127.0.0.1:{port}/healthz", env=env, cwd=ROOT,
                          log_path=tmp_path / "server.log", timeout=60)
    try:
        yield f"http://127.0.0.1:{port}", data, tokens, tmp_path / "server.log"
    finally:
        server.stop()


def test_display_hears_a_call_and_concurrent_issuing_stays_gapless(gevent_server):
    url, data, tokens, log = gevent_server
    staff = {"Authorization": f"Bearer {tokens['petugas2']}"}
    display = socketio.Client(reconnection=False)
    heard, got = [], threading.Event()

    @display.on("ticket_called")
    def _called(payload):
        heard.append(payload)
        got.set()

    display.connect(url, auth={"token": tokens["display"]}, transports=["websocket"], wait_timeout=10)
    try:
        def issue(i):
            r = requests.post(f"{url}/api/v1/offices/BKS/tickets", json={"service": "KK"}, headers=staff,
                              timeout=30)
            assert r.status_code == 201, r.text
            return r.json()

        with ThreadPoolExecutor(8) as pool:
            issued = list(pool.map(issue, range(40)))
        codes = [t["code"] for t in issued]
        numbers = sorted(int(c.split("-")[1]) for c in codes)
        assert numbers == list(range(1, 41)), codes  # unique and gapless

        # a status page (its ticket's room) hears its new position and estimate after the call: the
        # Monte Carlo runs in the hub's thread pool on gevent
        last = max(issued, key=lambda t: t["number"] if "number" in t else int(t["code"].split("-")[1]))
        updates, updated = [], threading.Event()
        phone = socketio.Client(reconnection=False)

        @phone.on("ticket_updated")
        def _updated(payload):
            updates.append(payload)
            if payload.get("estimate") is not None:
                updated.set()

        phone.connect(url, auth={"token": last["token"]}, transports=["websocket"], wait_timeout=10)

        counter = next(c for c in data["counters"] if "KK" in c["services"])
        r = requests.post(f"{url}/api/v1/counters/{counter['id']}/call-next",
                          headers={"Authorization": f"Bearer {tokens['petugas1']}"}, timeout=10)
        assert r.status_code == 200, r.text
        assert got.wait(10), log.read_text()[-2000:]
        assert heard[0]["id"] == r.json()["id"] and heard[0]["announcement"]["id"].startswith("Nomor antrean")
        assert updated.wait(15), (updates, log.read_text()[-2000:])
        assert updates[-1]["id"] == last["id"] and updates[-1]["position"] == 38  # 40 issued, 1 called
        assert updates[-1]["estimate"]["p10"] <= updates[-1]["estimate"]["minutes"] <= updates[-1]["estimate"]["p90"]
        phone.disconnect()
        assert requests.get(f"{url}/display/BKS", timeout=10).status_code in (200, 302, 401)
    finally:
        display.disconnect()
    assert "Traceback" not in log.read_text()


def _handshake(url: str) -> str:
    """A browser-like websocket handshake offering permessage-deflate; the server's response head."""
    host, port = url.replace("http://", "").split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
               f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    return head.split(b"\r\n\r\n")[0].decode("latin-1")


def test_websocket_handshake_declines_compression(gevent_server, live_server):
    for url in (gevent_server[0], live_server.url):  # gevent subprocess; threading in this process
        head = _handshake(url)
        assert head.startswith("HTTP/1.1 101"), head
        assert "sec-websocket-extensions" not in head.lower(), head
