"""An app with the reports feature wired, the demo office (+ a second office), and a played history."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from queue_service.extensions import db
from queue_service.models import Office
from queue_service.services import tickets as svc
from queue_service.services.seed import seed_demo
from tests.conftest import MONDAY_0800_WIB, make_app, tokens

FEATURES = ("kiosk", "printjobs", "inventory", "bookings", "reports")
MON = date(2026, 1, 5)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), timezone.utc) - timedelta(hours=7)


@pytest.fixture
def rapp(tmp_path, clock):
    app = make_app(f"sqlite:///{tmp_path / 'r.sqlite3'}", tmp_path, CLOCK=clock, FEATURES=FEATURES,
                   WTF_CSRF_ENABLED=False)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def play(session, office: Office, day: date, n: int = 6) -> None:
    """``n`` tickets of REKAM and KK; counters 1 and 4 call and finish them in turn."""
    services = {s.code: s for s in office.services}
    counters = {c.number: c for c in office.counters}
    for i in range(n):
        svc.issue_ticket(session, office=office, service=services["REKAM" if i % 2 == 0 else "KK"],
                         now=at(day, 8, 5 * i))
    minute = 10
    for i in range(n):
        counter = counters[1] if i % 2 == 0 else counters[4]
        t, _ = svc.call_next(session, counter=counter, now=at(day, 8, minute), actor="user:petugas1")
        if t is not None:
            svc.finish(session, ticket=t, now=at(day, 8, minute + 4), actor="user:petugas1")
        minute += 5
    svc.close_day(session, office=office, now=at(day + timedelta(days=1), 0, 5))


@pytest.fixture
def rdemo(rapp):
    with rapp.app_context():
        data = seed_demo(db.session, now=MONDAY_0800_WIB)
        other = seed_demo(db.session, now=MONDAY_0800_WIB, code="KRW", name="Disdukcapil Karawang")
        bks = db.session.get(Office, data["office"]["id"])
        for d in range(3):
            play(db.session, bks, MON - timedelta(days=7) + timedelta(days=d))
        db.session.commit()
        db.session.remove()
    data["tokens"] = tokens(data)
    data["tokens"].update(tokens(other))
    data["other"] = other
    return data


def login(client, data, username):
    users = data["users"] + data["other"]["users"]
    pw = next(u["password"] for u in users if u["username"] == username)
    r = client.post("/login", data={"username": username, "password": pw})
    assert r.status_code in (302, 303), r.status_code
    return client
