"""Helpers for the realtime tests: signing a test client in (with the real CSRF check)."""
from __future__ import annotations

import re

import pytest


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(client, demo: dict, username: str) -> str:
    """Sign ``client`` in as a demo user through the login form; returns a CSRF token for later POSTs."""
    password = next(u["password"] for u in demo["users"] if u["username"] == username)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:500]
    return csrf_from(client.get("/").get_data(as_text=True))


@pytest.fixture
def counter_for():
    def pick(demo: dict, service: str) -> dict:
        return next(c for c in demo["counters"] if service in c["services"])
    return pick


@pytest.fixture
def foreign_counter(app) -> int:
    """A counter of another office (KTB, "Kota Bekasi"): the demo clerks must not reach it."""
    from queue_service.extensions import db
    from queue_service.models import Counter, Office
    with app.app_context():
        other = Office(code="KTB", name="Kota Bekasi")
        db.session.add(other)
        db.session.flush()
        counter = Counter(office_id=other.id, number=1, name="Loket 1")
        db.session.add(counter)
        db.session.commit()
        return counter.id
