"""Issue 11, security item 3 on the realtime side: a revoked device, API token or user loses its open
Socket.IO connections at once ("a revoked display kept receiving calls"), a signed-out session's connections
end, and reconnecting with the old credentials is refused. Real python-socketio clients against the running
server; then two server processes on PostgreSQL + Redis, where the revocation made through one process (or
from the command line) ends the connection held by the other."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
import socketio
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.conftest import open_all_day
from tests.plugins.servers import free_port, start_server

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "queue_service.cli"]
WAIT = 10  # seconds a handshake may take on a loaded 2-core machine (the disconnect comes in milliseconds)


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


class Browser:
    """A staff member's browser session (cookies, CSRF) on the real server."""

    def __init__(self, url: str, username: str, password: str):
        self.url, self.http = url, requests.Session()
        token = _csrf(self.http.get(f"{url}/login", timeout=WAIT).text)
        r = self.http.post(f"{url}/login", data={"username": username, "password": password, "csrf_token": token},
                           allow_redirects=False, timeout=WAIT)
        assert r.status_code == 302, r.text[:300]

    def post(self, path: str, data: dict | None = None):
        token = _csrf(self.http.get(f"{self.url}/login", timeout=WAIT).text)
        return self.http.post(f"{self.url}{path}", data={**(data or {}), "csrf_token": token},
                              allow_redirects=False, timeout=WAIT)

    @property
    def cookie(self) -> str:
        return self.http.cookies["session"]


class Listener:
    """A python-socketio client that records whether the server ended its connection, and its calls."""

    def __init__(self):
        self.client = socketio.Client(reconnection=False)
        self.gone, self.calls = threading.Event(), []
        self.client.on("disconnect", lambda *a: self.gone.set())
        self.client.on("ticket_called", lambda d: self.calls.append(d["code"]))

    def connect(self, url, **kw):
        self.client.connect(url, transports=["websocket"], wait_timeout=WAIT, **kw)
        return self

    def close(self):
        if self.client.connected:
            self.client.disconnect()


def _refused(url, **kw) -> bool:
    client = socketio.Client(reconnection=False)
    try:
        client.connect(url, transports=["websocket"], wait_timeout=WAIT, **kw)
    except socketio.exceptions.ConnectionError:
        return True
    client.disconnect()
    return False


def _password(data, username):
    return next(u["password"] for u in data["users"] if u["username"] == username)


def _device_id(data, kind):
    return next(d["id"] for d in data["devices"] if d["kind"] == kind)


@pytest.fixture
def listeners():
    made = []

    def make():
        made.append(Listener())
        return made[-1]

    yield make
    for listener in made:
        listener.close()


def test_a_revoked_display_is_disconnected_at_once_and_cannot_come_back(live_server, listeners):
    s = live_server
    display, other = listeners().connect(s.url, auth={"token": s.tokens["display"]}), listeners()
    kiosk = other.connect(s.url, auth={"token": s.tokens["kiosk"]})
    admin = Browser(s.url, "admin", _password(s.demo, "admin"))
    r = admin.post(f"/admin/offices/BKS/devices/{_device_id(s.demo, 'display')}/revoke")
    assert r.status_code == 302
    assert display.gone.wait(WAIT), "the revoked display kept its connection"
    assert not kiosk.gone.is_set() and kiosk.client.connected  # the other device goes on
    assert _refused(s.url, auth={"token": s.tokens["display"]})
    # and it hears no call any more (it would have, on the still-open socket)
    h = {"Authorization": f"Bearer {s.tokens['petugas1']}"}
    requests.post(f"{s.url}/api/v1/offices/BKS/tickets", json={"service": "KK"}, headers=h, timeout=WAIT)
    counter = next(c for c in s.demo["counters"] if "KK" in c["services"])
    assert requests.post(f"{s.url}/api/v1/counters/{counter['id']}/call-next", headers=h, timeout=WAIT).ok
    assert display.calls == []


def test_a_revoked_api_token_or_a_deactivated_user_loses_its_connections(live_server, listeners):
    s = live_server
    admin = Browser(s.url, "admin", _password(s.demo, "admin"))
    user_id = next(u["id"] for u in s.demo["users"] if u["username"] == "petugas2")
    # the same clerk connected twice: with her API token (a script) and with her browser session
    by_token = listeners().connect(s.url, auth={"token": s.tokens["petugas2"]})
    clerk = Browser(s.url, "petugas2", _password(s.demo, "petugas2"))
    by_session = listeners().connect(s.url, headers={"Cookie": f"session={clerk.cookie}"})
    page = admin.http.get(f"{s.url}/admin/users/{user_id}", timeout=WAIT).text
    token_id = re.search(rf"/admin/users/{user_id}/tokens/(\d+)/revoke", page).group(1)
    assert admin.post(f"/admin/users/{user_id}/tokens/{token_id}/revoke").status_code == 302
    assert by_token.gone.wait(WAIT), "the revoked token kept its connection"
    assert by_session.client.connected and not by_session.gone.is_set()  # the token, not the person
    assert _refused(s.url, auth={"token": s.tokens["petugas2"]})

    # deactivated: every connection of that person ends (another token of hers included)
    other = listeners().connect(s.url, auth={"token": s.tokens["petugas3"]})
    user3 = next(u["id"] for u in s.demo["users"] if u["username"] == "petugas3")
    r = admin.post(f"/admin/users/{user3}", {"username": "petugas3", "full_name": "Petugas Loket 3", "role": "clerk",
                                              "offices": [str(s.demo["office"]["id"])]})  # "active" unticked
    assert r.status_code == 302, r.text[-500:]
    assert other.gone.wait(WAIT), "the deactivated user kept a connection"
    assert _refused(s.url, auth={"token": s.tokens["petugas3"]})


def test_signing_out_ends_the_sessions_connections_and_a_copied_cookie_cannot_reconnect(live_server, listeners):
    s = live_server
    manager = Browser(s.url, "manajer", _password(s.demo, "manajer"))
    copied = manager.cookie
    sock = listeners().connect(s.url, headers={"Cookie": f"session={copied}"})
    assert manager.post("/logout").status_code == 302
    assert sock.gone.wait(WAIT), "the signed-out session kept its connection"
    assert _refused(s.url, headers={"Cookie": f"session={copied}"})
    r = requests.get(f"{s.url}/manager", cookies={"session": copied}, allow_redirects=False, timeout=WAIT)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# ------------------------------------------------------------------------------------ several processes


@pytest.fixture
def two_processes(tmp_path, postgres_server, redis_server):
    env = {"ADMINDUK_SECRET_KEY": "shared-secret-for-all-processes",
           "ADMINDUK_DATABASE_URL": postgres_server.new_database(),
           "ADMINDUK_MESSAGE_QUEUE": redis_server.url,
           "ADMINDUK_INSTANCE_PATH": str(tmp_path / "instance"),
           "ADMINDUK_PUBLIC_URL": "https://antrean.example.go.id",
           # a long token memory: only the revocation message can make the other process forget at once
           "ADMINDUK_PRINCIPAL_CACHE_SECONDS": "600"}
    full_env = {**os.environ, **env}
    subprocess.run([*CLI, "init-db"], cwd=ROOT, env=full_env, check=True, capture_output=True)
    data = json.loads(subprocess.run([*CLI, "seed-demo", "--json"], cwd=ROOT, env=full_env, check=True,
                                     capture_output=True, text=True).stdout)
    engine = create_engine(env["ADMINDUK_DATABASE_URL"])
    with Session(engine) as session:
        open_all_day(session)
        session.commit()
    engine.dispose()
    servers, urls = [], []
    try:
        for name, mode in (("a", "threading"), ("b", "gevent")):
            port = free_port()
            urls.append(f"http://127.0.0.1:{port}")
            servers.append(start_server([*CLI, "run", "--host", "127.0.0.1", "--port", str(port)],
                                        url=f"http://127.0.0.1:{port}/healthz",
                                        env={**env, "ADMINDUK_ASYNC_MODE": mode}, cwd=ROOT,
                                        log_path=tmp_path / f"server-{name}.log", timeout=60))
        yield data, urls, full_env
    finally:
        for server in servers:
            server.stop()


@pytest.mark.slow
@pytest.mark.postgres
def test_a_revocation_made_through_one_process_ends_the_connection_held_by_another(two_processes, listeners):
    data, (a, b), env = two_processes
    tokens = {u["username"]: u["api_token"] for u in data["users"]} | {d["kind"]: d["token"] for d in data["devices"]}
    # both processes have resolved the display's token (and remember it for 10 minutes)
    for url in (a, b):
        r = requests.get(f"{url}/api/v1/offices/BKS/queue", headers={"Authorization": f"Bearer {tokens['display']}"},
                         timeout=WAIT)
        assert r.status_code == 200
    display = listeners().connect(b, auth={"token": tokens["display"]})
    script = listeners().connect(b, auth={"token": tokens["petugas1"]})
    admin = Browser(a, "admin", _password(data, "admin"))
    assert admin.post(f"/admin/offices/BKS/devices/{_device_id(data, 'display')}/revoke").status_code == 302
    assert display.gone.wait(WAIT), "process B kept the display revoked through process A"
    assert not script.gone.is_set()
    # B forgot the token it had resolved: no reconnect, no API call
    assert _refused(b, auth={"token": tokens["display"]})
    r = requests.get(f"{b}/api/v1/offices/BKS/queue", headers={"Authorization": f"Bearer {tokens['display']}"},
                     timeout=WAIT)
    assert r.status_code == 401

    # from the command line (a third process): `adminduk create-token petugas1 --revoke ID`
    page = admin.http.get(f"{a}/admin/users/{next(u['id'] for u in data['users'] if u['username'] == 'petugas1')}",
                          timeout=WAIT).text
    token_id = re.search(r"/tokens/(\d+)/revoke", page).group(1)
    result = subprocess.run([*CLI, "create-token", "petugas1", "--revoke", token_id], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert script.gone.wait(WAIT), "the token revoked from the command line kept its connection on B"
    assert _refused(b, auth={"token": tokens["petugas1"]})
