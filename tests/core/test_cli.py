"""The adminduk commands through Flask's CLI runner."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from queue_service.cli import main
from queue_service.extensions import db
from queue_service.models import ApiToken, Office, Ticket, User


def run(runner, *args, **kw):
    return runner.invoke(main, list(args), catch_exceptions=False, **kw)


def test_seed_demo_json_has_every_login_and_token(app, runner):
    r = run(runner, "seed-demo", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["office"]["code"] == "BKS" and data["office"]["timezone"] == "Asia/Jakarta"
    assert {s["code"] for s in data["services"]} >= {"REKAM", "CETAK", "KK", "KIA", "LAHIR", "MATI", "PINDAH"}
    assert len(data["counters"]) == 6
    assert {u["role"] for u in data["users"]} == {"admin", "manager", "clerk"}
    assert all(u["password"] and u["api_token"] for u in data["users"])
    assert {d["kind"] for d in data["devices"]} == {"kiosk", "display"}
    # tokens work against the API, and nothing is stored in clear
    client = app.test_client()
    r2 = client.get("/api/v1/offices/BKS/queue",
                    headers={"Authorization": f"Bearer {data['users'][0]['api_token']}"})
    assert r2.status_code == 200
    with app.app_context():
        hashes = " ".join(db.session.scalars(select(User.password_hash)))
        assert not any(u["password"] in hashes for u in data["users"])
    # a second seed is refused with a message, and nothing changes
    r = runner.invoke(main, ["seed-demo"])
    assert r.exit_code != 0 and "exists already" in r.output


def test_create_user_and_token_and_revoke(app, runner, demo):
    r = run(runner, "create-user", "siti", "--role", "clerk", "--office", "BKS", "--password", "panjang-sekali-1")
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["create-user", "budi", "--office", "NOPE", "--password", "panjang-sekali-1"])
    assert r.exit_code != 0 and "No office" in r.output
    r = runner.invoke(main, ["create-user", "budi", "--office", "BKS", "--password", "short"])
    assert r.exit_code != 0 and "at least 10" in r.output
    r = runner.invoke(main, ["create-user", "siti", "--office", "BKS", "--password", "panjang-sekali-1"])
    assert r.exit_code != 0 and "taken" in r.output
    # the password is asked for when not given
    r = runner.invoke(main, ["create-user", "ani", "--office", "BKS"], input="rahasia-panjang\nrahasia-panjang\n")
    assert r.exit_code == 0, r.output

    r = runner.invoke(main, ["create-token", "siti", "--name", "tombol"])
    assert r.exit_code == 0
    token = r.output.strip().splitlines()[0]
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/offices/BKS/queue", headers=auth).status_code == 200
    with app.app_context():
        tid = db.session.scalar(select(ApiToken.id).join(User).where(User.username == "siti"))
    r = run(runner, "create-token", "siti", "--revoke", str(tid))
    assert r.exit_code == 0
    assert client.get("/api/v1/offices/BKS/queue", headers=auth).status_code == 401
    assert runner.invoke(main, ["create-token", "nobody"]).exit_code != 0


def test_close_day_expires_and_keeps(app, runner, demo, api):
    for _ in range(3):
        api.post("/api/v1/offices/BKS/tickets", {"service": "KK"}, token=api.tokens["petugas1"])
    r = run(runner, "close-day", "--office", "BKS")
    assert r.exit_code == 0 and "BKS: 3 ticket(s) expired" in r.output
    with app.app_context():
        assert [t.status for t in db.session.scalars(select(Ticket))] == ["expired"] * 3
    assert runner.invoke(main, ["close-day", "--office", "XXX"]).exit_code != 0


def test_init_db_upgrades_a_fresh_database(tmp_path, monkeypatch):
    from queue_service.app import create_app

    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url,
                      "INSTANCE_PATH": str(tmp_path / "i")})
    r = app.test_cli_runner().invoke(main, ["init-db"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert db.session.scalar(select(Office.id)) is None  # tables exist, empty


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    import pytest

    from queue_service.app import ConfigError, create_app

    monkeypatch.delenv("ADMINDUK_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}", "INSTANCE_PATH": str(tmp_path)})


def test_environment_overrides(monkeypatch, tmp_path):
    from queue_service.app import create_app

    monkeypatch.setenv("ADMINDUK_SECRET_KEY", "from-env")
    monkeypatch.setenv("ADMINDUK_PUBLIC_URL", "https://antrean.bekasikab.go.id")
    monkeypatch.setenv("ADMINDUK_NO_SHOW_REQUEUES", "2")
    monkeypatch.setenv("ADMINDUK_DATABASE_URL", f"sqlite:///{tmp_path / 'e.sqlite3'}")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["PUBLIC_URL"] == "https://antrean.bekasikab.go.id"
    assert app.config["NO_SHOW_REQUEUES"] == 2


def test_backup_while_serving_and_restore(app, runner, demo, api, tmp_path):
    import threading

    from tests.plugins.threads import ThreadGroup

    stop = threading.Event()
    answers = []

    def keep_issuing():  # the office keeps working during the backup
        while not stop.is_set():
            answers.append(api.post("/api/v1/offices/BKS/tickets", {"service": "KK"},
                                    token=api.tokens["petugas1"]).status_code)

    worker = ThreadGroup("issuing")
    worker.start(keep_issuing)
    try:
        target = tmp_path / "copy.sqlite3"
        r = run(runner, "backup", str(target))
        assert r.exit_code == 0 and target.exists(), r.output
    finally:
        stop.set()
        worker.join(10)  # the issuing thread raised or hung: the test fails
    assert answers and set(answers) == {201}, sorted(set(answers))  # ...and every ticket was issued
    assert runner.invoke(main, ["backup", str(target)]).exit_code != 0  # never overwrites

    import sqlite3
    saved = sqlite3.connect(target).execute("select count(*) from ticket").fetchone()[0]
    api.post("/api/v1/offices/BKS/tickets", {"service": "KK"}, token=api.tokens["petugas1"])
    r = run(runner, "restore", str(target), "--yes")
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert db.session.query(Ticket).count() == saved
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database at all")
    assert runner.invoke(main, ["restore", str(bad), "--yes"]).exit_code != 0


def test_worker_refuses_when_background_work_is_off(app, runner):
    app.config["BACKGROUND_WORKERS"] = False
    r = runner.invoke(main, ["worker"])
    assert r.exit_code != 0 and "nothing to run" in r.output


def test_every_setting_the_code_reads_is_documented_in_config():
    """config.py is the one place an operator reads to learn the settings."""
    import re
    from pathlib import Path

    from queue_service import config

    root = Path(__file__).resolve().parents[2]
    used = set()
    for pkg in ("queue_service", "kiosk", "printers", "printjobs", "inventory", "bookings"):
        for path in (root / pkg).rglob("*.py"):
            used |= set(re.findall(r"config(?:\.get\(|\[)\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
    framework = {"TESTING", "CLOCK", "SQLALCHEMY_DATABASE_URI", "BABEL_DEFAULT_LOCALE", "INSTANCE_PATH",
                 "BABEL_TRANSLATION_DIRECTORIES", "WTF_CSRF_CHECK_DEFAULT", "WTF_CSRF_ENABLED"}
    documented = set(config.defaults())
    assert not (used - framework - documented), sorted(used - framework - documented)


def test_serving_caps_malloc_arenas_unless_the_environment_says(monkeypatch):
    import platform

    from queue_service.serving import limit_malloc_arenas
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False  # the operator's setting wins
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    if platform.libc_ver()[0] == "glibc":
        assert limit_malloc_arenas() is True


def test_seed_demo_with_history_plays_past_office_days_through_the_queue(app, runner, clock):
    """``--history-days`` (``adminduk demo`` seeds 10): past open weekdays played through the service layer —
    every ticket issued, called by a demo clerk at a counter, finished (or not there), nothing left open, nothing
    today — and the features' seeders build on it (survey answers and complaints for the IKM pages)."""
    from datetime import date

    from feedback.models import Complaint, SurveyResponse
    from queue_service.models import TicketEvent

    r = run(runner, "seed-demo", "--json", "--history-days", "2")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output[r.output.index("{"):])
    with app.app_context():
        days = set(db.session.scalars(select(Ticket.service_day).distinct()))
        # the two open days before the demo clock's Monday 5 January 2026: Friday the 2nd, and Wednesday 31 December
        # (Thursday 1 January is New Year's Day in the office's calendar)
        assert days == {date(2025, 12, 31), date(2026, 1, 2)}
        statuses = set(db.session.scalars(select(Ticket.status).distinct()))
        assert statuses <= {"done", "no_show", "expired"} and "done" in statuses
        n = db.session.scalar(select(func.count(Ticket.id)))
        assert n == data["history_tickets"] and n > 300
        called = db.session.scalar(select(func.count(func.distinct(TicketEvent.ticket_id))).where(
            TicketEvent.action == "call", TicketEvent.actor.like("user:petugas%")))
        assert called >= n - 10  # expired tickets (left at closing) were never called
        assert db.session.scalar(select(func.count(SurveyResponse.id))) > n // 10
        assert sorted(db.session.scalars(select(Complaint.state))) == [
            "baru", "baru", "dijawab", "ditugaskan", "selesai"]
