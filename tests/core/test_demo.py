"""The README's first command: `adminduk demo` prepares everything and serves the printed URLs."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import requests

from tests.plugins.servers import free_port, start_server

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_demo_serves_every_url_it_prints(tmp_path):
    port = free_port()
    env = {"ADMINDUK_INSTANCE_PATH": str(tmp_path / "instance"), "ADMINDUK_SECRET_KEY": "",
           "ADMINDUK_DATABASE_URL": ""}
    log = tmp_path / "demo.log"
    server = start_server([sys.executable, "-m", "queue_service.cli", "demo", "--port", str(port)],
                          url=f"http://127.0.0.1:{port}/healthz", env=env, cwd=ROOT, log_path=log, timeout=90)
    try:
        out = log.read_text()
        urls = dict(re.findall(r"^  (\S.*?\S)\s{2,}(http://\S+)$", out, re.M))
        for label in ("Kiosk (pairs this browser)", "Counter console", "Manager dashboard", "Administration",
                      "Status page of a sample ticket", "API description"):
            assert label in urls, f"demo did not print {label!r}:\n{out}"
        creds = json.loads((tmp_path / "instance" / "demo-credentials.json").read_text())
        assert (tmp_path / "instance" / "secret_key").exists()
        # devices pair by opening one URL; staff pages answer once signed in
        for label in ("Kiosk (pairs this browser)", "Display screen (pairs this browser)",
                      "Status page of a sample ticket", "API description"):
            if label in urls:
                r = requests.get(urls[label], timeout=10)
                assert r.status_code == 200, (label, r.status_code)
        s = requests.Session()
        login = s.get(f"http://127.0.0.1:{port}/login", timeout=10).text
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
        admin = next(u for u in creds["users"] if u["role"] == "admin")
        r = s.post(f"http://127.0.0.1:{port}/login", timeout=10,
                   data={"csrf_token": csrf, "username": admin["username"], "password": admin["password"]})
        assert r.status_code == 200 and "/login" not in r.url
        for label in ("Counter console", "Manager dashboard", "Administration"):
            assert s.get(urls[label], timeout=20).status_code == 200, label
        if "Printed ticket preview (PNG)" in urls:
            r = s.get(urls["Printed ticket preview (PNG)"], timeout=10)
            assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        server.stop()
    # a second start reuses the database and the secret, and does not seed again
    port2 = free_port()
    log2 = tmp_path / "demo2.log"
    server = start_server([sys.executable, "-m", "queue_service.cli", "demo", "--port", str(port2)],
                          url=f"http://127.0.0.1:{port2}/healthz", env=env, cwd=ROOT, log_path=log2, timeout=90)
    server.stop()
    assert "Demo office created" not in log2.read_text()
