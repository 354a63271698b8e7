"""A production server by default: ``adminduk run`` and ``adminduk demo`` serve on gevent (installed by a plain
``pip install .``), threads are an explicit choice, neither mode prints a development-server warning, and the
demo keeps its data in a folder it names."""
from __future__ import annotations

import base64
import configparser
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
import socketio

from queue_service.app import async_mode
from queue_service.launch import LaunchError, choose_mode
from tests.plugins.servers import free_port, start_server
from tests.scale.deploy import ROOT, seeded_sqlite


def adminduk_command() -> list[str]:
    """The installed ``adminduk`` console script of this interpreter's environment (the real entry point)."""
    script = Path(sys.executable).parent / "adminduk"
    if script.exists():
        return [str(script)]
    found = shutil.which("adminduk")
    return [found] if found else [sys.executable, "-m", "queue_service.launch"]


def test_run_and_demo_choose_gevent_unless_told_otherwise():
    assert choose_mode(["run"], {}) == "gevent"
    assert choose_mode(["demo", "--port", "5001"], {}) == "gevent"
    assert choose_mode(["--app", "x:y", "run", "--host", "0.0.0.0"], {}) == "gevent"
    assert choose_mode(["run", "--async-mode", "threading"], {}) == "threading"
    assert choose_mode(["demo", "--async-mode=threading"], {"ADMINDUK_ASYNC_MODE": "gevent"}) == "threading"
    assert choose_mode(["run"], {"ADMINDUK_ASYNC_MODE": "threading"}) == "threading"
    # the other commands do not serve: plain threads unless the environment asks for greenlets
    assert choose_mode(["init-db"], {}) == "threading"
    assert choose_mode(["worker"], {}) == "threading"
    assert choose_mode(["worker"], {"ADMINDUK_ASYNC_MODE": "gevent"}) == "gevent"
    with pytest.raises(LaunchError, match="gevent, threading"):
        choose_mode(["run", "--async-mode", "eventlet"], {})
    with pytest.raises(LaunchError, match="ADMINDUK_ASYNC_MODE"):
        choose_mode(["run"], {"ADMINDUK_ASYNC_MODE": "eventlet"})
    # create_app without a configured mode: what the process is (this test process is not patched)
    assert async_mode(None) == "threading" and async_mode("gevent") == "gevent"


def test_a_plain_pip_install_brings_gevent_and_the_launcher():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    base = [line.split(">")[0].split("=")[0].strip().lower()
            for line in cfg["options"]["install_requires"].splitlines() if line.strip()]
    assert "gevent" in base
    # the console script chooses the mode before importing anything (queue_service.launch)
    assert "queue_service.launch:main" in cfg["options.entry_points"]["console_scripts"]


def test_a_plain_pip_install_ships_every_feature_package():
    """``create_app`` skips a feature whose package is not installed (a smaller build): a package left out of
    setup.cfg's list would vanish silently from a ``pip install .`` (the figures and the IKM once did), while the
    tests, run from the checkout, still found it."""
    from setuptools import find_packages

    from queue_service.config import FEATURES

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    include = [line.strip() for line in cfg["options.packages.find"]["include"].splitlines() if line.strip()]
    shipped = set(find_packages(where=str(ROOT), include=include))
    missing = [name for name in [*FEATURES, "printers", "templates"] if f"{name}" not in shipped
               or any(f"{name}.{sub.name}" not in shipped for sub in (ROOT / name).iterdir()
                      if sub.is_dir() and (sub / "__init__.py").exists())]
    assert not missing, f"not in a pip install: {missing}"


def _open_websockets(url: str, n: int) -> list[socket.socket]:
    """``n`` browser-like Engine.IO websocket handshakes, kept open (a display each, as far as the server's
    connection handling goes)."""
    host, port = url.replace("http://", "").split(":")
    socks = []
    for _ in range(n):
        key = base64.b64encode(os.urandom(16)).decode()
        s = socket.create_connection((host, int(port)), timeout=10)
        s.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
                   f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            assert chunk, "the server closed a websocket handshake"
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head[:200]
        socks.append(s)
    return socks


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no thread count")


DEV_SERVER_WORDS = ("development server", "production web server", "Serving Flask app", "Debug mode",
                    "do not use it in a production")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="counts threads through /proc")
@pytest.mark.parametrize("how", ["default", "--async-mode threading", "ADMINDUK_ASYNC_MODE=threading"])
def test_adminduk_run_serves_on_gevent_by_default_and_on_threads_when_asked(tmp_path, how, monkeypatch):
    monkeypatch.delenv("ADMINDUK_ASYNC_MODE", raising=False)
    env, data, tokens = seeded_sqlite(tmp_path)
    args = []
    if how == "--async-mode threading":
        args = ["--async-mode", "threading"]
    elif how.startswith("ADMINDUK_ASYNC_MODE"):
        env["ADMINDUK_ASYNC_MODE"] = "threading"
    expected = "gevent" if how == "default" else "threading"
    port = free_port()
    server = start_server([*adminduk_command(), "run", "--host", "127.0.0.1", "--port", str(port), *args],
                          url=f"http://127.0.0.1:{port}/healthz", env=env, cwd=ROOT,
                          log_path=tmp_path / "server.log", timeout=90)
    url = f"http://127.0.0.1:{port}"
    socks = []
    try:
        # a display hears a call made over HTTP (websockets work in both modes)
        display, heard = socketio.Client(reconnection=False), threading.Event()
        display.on("ticket_called", lambda payload: heard.set())
        display.connect(url, auth={"token": tokens["display"]}, transports=["websocket"], wait_timeout=20)
        try:
            staff = {"Authorization": f"Bearer {tokens['petugas1']}"}
            assert requests.post(f"{url}/api/v1/offices/BKS/tickets", json={"service": "KK"}, headers=staff,
                                 timeout=20).status_code == 201
            counter = next(c for c in data["counters"] if "KK" in c["services"])
            assert requests.post(f"{url}/api/v1/counters/{counter['id']}/call-next", headers=staff,
                                 timeout=20).status_code == 200
            assert heard.wait(20), server.log()[-2000:]
        finally:
            display.disconnect()
        # 30 open websockets: 30 more threads on threads, none on greenlets
        before = _threads(server.pid)
        socks = _open_websockets(url, 30)
        assert requests.get(f"{url}/healthz", timeout=20).status_code == 200
        after = _threads(server.pid)
        if expected == "gevent":
            assert after - before < 5, (before, after)
        else:
            assert after - before >= 30, (before, after)
    finally:
        for s in socks:
            s.close()
        server.stop()
    log = server.log()
    assert f"({expected};" in log, log[-2000:]
    for words in DEV_SERVER_WORDS:
        assert words.lower() not in log.lower(), (words, log[-2000:])
    assert "Traceback" not in log


@pytest.mark.slow
def test_demo_keeps_its_data_in_a_folder_it_prints(tmp_path):
    home, elsewhere = tmp_path / "home", tmp_path / "somewhere"
    home.mkdir()
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("ADMINDUK_INSTANCE_PATH", "XDG_DATA_HOME", "ADMINDUK_DATABASE_URL", "ADMINDUK_SECRET_KEY",
                        "ADMINDUK_PUBLIC_URL", "ADMINDUK_ASYNC_MODE")}
    env["HOME"] = str(home)
    out = subprocess.run([*adminduk_command(), "demo", "--no-serve"], cwd=elsewhere, env=env, timeout=240,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    folder = home / ".local" / "share" / "adminduk" / "demo"
    for name in ("adminduk.sqlite3", "secret_key", "demo-credentials.json"):
        assert (folder / name).exists(), (name, out.stdout)
    assert f"Demo data folder: {folder}" in out.stdout
    assert "--host 0.0.0.0" in out.stdout and "ADMINDUK_PUBLIC_URL" in out.stdout  # how a phone reaches it
    assert not any(elsewhere.iterdir())  # nothing left in the current directory
    # --data-dir chooses another folder
    mine = tmp_path / "mine"
    out = subprocess.run([*adminduk_command(), "demo", "--no-serve", "--data-dir", str(mine)], cwd=elsewhere,
                         env=env, timeout=240, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (mine / "demo-credentials.json").exists() and f"Demo data folder: {mine}" in out.stdout
