"""Background jobs: leases keep a job to one process at a time; the rollover job closes old days."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from queue_service import background
from queue_service.extensions import db
from queue_service.models import Office, Ticket
from queue_service.services import tickets as svc
from tests.conftest import MONDAY_0800_WIB, seed
from tests.plugins.threads import run_threads


def test_lease_goes_to_one_holder_until_it_expires(any_app):
    with any_app.app_context():
        now = MONDAY_0800_WIB
        assert background.acquire_lease(db.session, "rollover", now, 60, holder="a")
        assert not background.acquire_lease(db.session, "rollover", now, 60, holder="b")
        assert background.acquire_lease(db.session, "rollover", now + timedelta(seconds=30), 60, holder="a")
        assert not background.acquire_lease(db.session, "rollover", now + timedelta(seconds=80), 60, holder="b")
        assert background.acquire_lease(db.session, "rollover", now + timedelta(seconds=91), 60, holder="b")
        assert not background.acquire_lease(db.session, "rollover", now + timedelta(seconds=92), 60, holder="a")


def test_concurrent_holders_never_both_win(any_app):
    def contend(i):
        with any_app.app_context():
            try:
                return background.acquire_lease(db.session, "print_jobs", MONDAY_0800_WIB, 60, holder=f"p{i}")
            finally:
                db.session.remove()

    # a contender that raised is a failure of the test, not a contender that "did not win"
    won = run_threads(8, contend, timeout=30)
    assert all(isinstance(w, bool) for w in won), won
    assert won.count(True) == 1, won


def test_rollover_job_expires_yesterdays_open_tickets_once(app):
    seed(app)
    with app.app_context():
        office = db.session.scalar(select(Office))
        kk = next(s for s in office.services if s.code == "KK")
        svc.issue_ticket(db.session, office=office, service=kk, now=MONDAY_0800_WIB - timedelta(days=1))
        svc.issue_ticket(db.session, office=office, service=kk, now=MONDAY_0800_WIB)
        db.session.commit()
        background.rollover_job(app, MONDAY_0800_WIB)
        statuses = sorted(db.session.scalars(select(Ticket.status)))
        assert statuses == ["expired", "waiting"]
        assert db.session.scalar(select(Office.last_closed_day)) == MONDAY_0800_WIB.date()


def test_run_job_once_respects_the_lease(app):
    ran = []
    assert background.run_job_once(app, "probe", lambda a, now: ran.append(now))
    with app.app_context():
        # another process holds it now
        from queue_service.models import JobLease
        lease = db.session.get(JobLease, "probe")
        lease.holder = "someone-else"
        db.session.commit()
    assert not background.run_job_once(app, "probe", lambda a, now: ran.append(now))
    assert len(ran) == 1


def test_worker_command_runs_the_jobs(app, tmp_path):
    """`adminduk worker` (for gunicorn deployments) expires yesterday's tickets on its own."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    from sqlalchemy import update

    seed(app)
    with app.app_context():
        office = db.session.scalar(select(Office))
        kk = next(s for s in office.services if s.code == "KK")
        from datetime import datetime, timezone
        yesterday = datetime.now(timezone.utc) - timedelta(days=1)
        svc.issue_ticket(db.session, office=office, service=kk, now=yesterday)
        db.session.execute(update(Office).values(last_closed_day=None))
        db.session.commit()
        db.session.remove()
    env = {**os.environ, "ADMINDUK_SECRET_KEY": "x", "ADMINDUK_DATABASE_URL": app.config["DATABASE_URL"],
           "ADMINDUK_INSTANCE_PATH": str(tmp_path / "w")}
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "queue_service.cli", "worker"], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with app.app_context():
                status = db.session.scalar(select(Ticket.status))
                db.session.remove()
            if status == "expired":
                break
            time.sleep(0.3)
        assert status == "expired", proc.stderr.read1(4000) if proc.poll() is not None else "still waiting"
    finally:
        proc.terminate()
        proc.wait(10)
