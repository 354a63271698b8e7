"""The print agent against the real server (HTTP + Socket.IO on 127.0.0.1) with a file:// printer,
and the print-test / print-agent commands."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import requests
from click.testing import CliRunner

from printers.agent import PrintAgent
from queue_service.cli import main
from queue_service.extensions import db
from queue_service.models import Device
from tests.plugins.threads import ThreadGroup

MONDAY_0900_WIB = datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)


class RunningClock:
    """Office hours for the live server whatever the real time: a fixed start that runs on."""

    def __init__(self, start):
        self.start, self.t0 = start, time.monotonic()

    def now(self):
        return self.start + timedelta(seconds=time.monotonic() - self.t0)


def agent_kiosk(server, uri="agent://", profile="POS-5890"):
    server.app.config["CLOCK"] = RunningClock(MONDAY_0900_WIB)
    with server.app.app_context():
        device = db.session.get(Device, server.demo["devices"][0]["id"])
        device.printer_uri, device.printer_profile = uri, profile
        db.session.commit()
        db.session.remove()


def issue(server, service):
    r = requests.post(f"{server.url}/api/v1/offices/BKS/tickets", json={"service": service},
                      headers={"Authorization": f"Bearer {server.tokens['kiosk']}"}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def job_status(server, job_id):
    r = requests.get(f"{server.url}/api/v1/print-jobs/{job_id}",
                     headers={"Authorization": f"Bearer {server.tokens['kiosk']}"}, timeout=10)
    return r.json()


def wait_status(server, job_id, wanted, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = job_status(server, job_id)
        if st["status"] == wanted:
            return st
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} is {job_status(server, job_id)}, not {wanted}")


def start(agent):
    stop = threading.Event()
    thread = ThreadGroup("print-agent")  # what agent.run raises fails the test (at halt, or while connecting)
    thread.start(agent.run, stop)
    deadline = time.monotonic() + 10
    while not (agent._sio is not None and agent._sio.connected) and time.monotonic() < deadline:
        thread.check()
        time.sleep(0.05)
    assert agent._sio is not None and agent._sio.connected, "the agent did not connect"
    return stop, thread


def halt(agent, stop, thread):
    stop.set()
    agent.wake()
    thread.join(15)  # raises if agent.run raised or is still running


def test_agent_prints_pushed_jobs_and_replays_missed_ones_after_a_disconnect(live_server, tmp_path):
    s = live_server
    agent_kiosk(s)
    out = tmp_path / "printer.bin"
    # poll once a minute: within this test only Socket.IO events and (re)connects make it print
    agent = PrintAgent(s.url, s.tokens["kiosk"], f"file://{out}", "POS-5890", poll_seconds=60)
    stop, thread = start(agent)
    try:
        t1 = issue(s, "KK")
        assert t1["print_job"]["status"] == "queued"
        wait_status(s, t1["print_job"]["id"], "sent")
        assert out.read_bytes().count(b"C-001") == 1
    finally:
        halt(agent, stop, thread)

    # the agent is gone: tickets are still issued, their jobs wait (the push reaches nobody)
    assert agent._sio is None  # the agent stopped and left: nobody can claim these jobs (no waiting needed)
    t2, t3 = issue(s, "REKAM"), issue(s, "KIA")
    with s.app.app_context():
        from printjobs.models import PrintJob
        j = db.session.get(PrintJob, t2["print_job"]["id"])
        info = (j.status, j.claimed_by, j.claimed_at, j.attempts)
        db.session.remove()
    assert job_status(s, t2["print_job"]["id"])["status"] == "queued", info
    assert job_status(s, t3["print_job"]["id"])["status"] == "queued"

    agent2 = PrintAgent(s.url, s.tokens["kiosk"], f"file://{out}", "POS-5890", poll_seconds=60)
    stop, thread = start(agent2)
    try:
        wait_status(s, t2["print_job"]["id"], "sent")
        wait_status(s, t3["print_job"]["id"], "sent")
        data = out.read_bytes()
        assert data.count(b"A-001") == 1 and data.count(b"D-001") == 1 and data.count(b"C-001") == 1
        assert sorted(agent2.printed) == sorted([t2["print_job"]["id"], t3["print_job"]["id"]])
    finally:
        halt(agent2, stop, thread)

    # a printer that fails is reported, and the server keeps the job for a retry
    t4 = issue(s, "MATI")
    bad = PrintAgent(s.url, s.tokens["kiosk"], f"file://{tmp_path}/missing-dir/printer.bin", "POS-5890")
    assert bad.sync() == 0
    st = job_status(s, t4["print_job"]["id"])
    assert st["status"] == "failed" and st["error_kind"] == "offline" and st["attempts"] == 1
    assert st["next_attempt_at"] is not None
    # a job cannot be claimed twice, nor by another office's kiosk, nor reported without a claim
    h = {"Authorization": f"Bearer {s.tokens['kiosk']}"}
    r = requests.post(f"{s.url}/api/v1/print-agent/jobs/{t1['print_job']['id']}/claim", headers=h, timeout=10)
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    r = requests.post(f"{s.url}/api/v1/print-agent/jobs/{t1['print_job']['id']}/result", json={"ok": True},
                      headers=h, timeout=10)
    assert r.status_code == 409
    r = requests.post(f"{s.url}/api/v1/print-agent/jobs/{t1['print_job']['id']}/result", json={"ok": "yes"},
                      headers=h, timeout=10)
    assert r.status_code == 400
    r = requests.get(f"{s.url}/api/v1/print-agent/jobs",
                     headers={"Authorization": f"Bearer {s.tokens['display']}"}, timeout=10)
    assert r.status_code == 403


def test_print_agent_command_once(live_server, tmp_path):
    s = live_server
    agent_kiosk(s)
    t = issue(s, "PINDAH")
    out = tmp_path / "p.bin"
    result = CliRunner().invoke(main, ["print-agent", "--server", s.url, "--token", s.tokens["kiosk"],
                                       "--printer", f"file://{out}", "--profile", "POS-5890", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 ticket(s) printed." in result.output
    assert b"G-001" in out.read_bytes()
    assert job_status(s, t["print_job"]["id"])["status"] == "sent"
    result = CliRunner().invoke(main, ["print-agent", "--server", s.url, "--token", "wrong",
                                       "--printer", f"file://{out}", "--once"])
    assert result.exit_code == 1 and "refused the kiosk token" in result.output


def test_print_test_command(tmp_path):
    import socket

    out = tmp_path / "sample.bin"
    result = CliRunner().invoke(main, ["print-test", f"file://{out}", "--profile", "TM-T20II"])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert f"{len(data)} bytes" in result.output
    assert b"A-001" in data and b"https://antrean.example.go.id/t/contoh" in data and data.endswith(b"\x1dV\x00")

    with socket.socket() as sock:  # a port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = CliRunner().invoke(main, ["print-test", f"tcp://127.0.0.1:{port}"])
    assert result.exit_code == 1 and "not reachable" in result.output
    result = CliRunner().invoke(main, ["print-test", "nonsense"])
    assert result.exit_code == 2 and "not a printer URI" in result.output
    result = CliRunner().invoke(main, ["print-test", f"file://{out}", "--profile", "nope"])
    assert result.exit_code == 2 and "unknown printer profile" in result.output
