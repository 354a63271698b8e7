"""Fixtures for the administration pages: the demo office, CSRF off, and signed-in clients."""
from __future__ import annotations

import re
from html import unescape

import pytest

from queue_service.extensions import db
from queue_service.models import Office
from queue_service.services.staff import create_user


@pytest.fixture
def admin_app(app, demo):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def sign_in(app, demo, username):
    client = app.test_client()
    password = next(u["password"] for u in demo["users"] if u["username"] == username)
    r = client.post("/login", data={"username": username, "password": password})
    assert r.status_code == 302, r.data[:500]
    return client


@pytest.fixture
def as_admin(admin_app, demo):
    return sign_in(admin_app, demo, "admin")


@pytest.fixture
def as_manager(admin_app, demo):
    return sign_in(admin_app, demo, "manajer")


@pytest.fixture
def other_office(admin_app):
    """A second office (Kota Tomohon, WITA) with its own manager, for isolation tests."""
    with admin_app.app_context():
        from datetime import time

        from queue_service.models import Counter, Service
        office = Office(code="TMH", name="Disdukcapil Kota Tomohon", timezone="Asia/Makassar",
                        opens_at=time(8), closes_at=time(15), open_days="12345", priority_prefix="P")
        db.session.add(office)
        db.session.flush()
        service = Service(office_id=office.id, code="KK", prefix="C", name_id="Kartu Keluarga",
                          name_en="Family card", priority_policy="strict")
        db.session.add(service)
        db.session.flush()
        counter = Counter(office_id=office.id, number=1, name="Loket 1", services=[service])
        db.session.add(counter)
        user = create_user(db.session, username="manajer_tmh", password="rahasia-tomohon-1", role="manager",
                           offices=[office], full_name="Manajer Tomohon")
        db.session.commit()
        data = {"code": "TMH", "id": office.id, "service_id": service.id, "counter_id": counter.id,
                "manager_id": user.id}
        db.session.remove()
    return data


def field_error(html: str, field_id: str) -> str | None:
    """The error text rendered next to a field, if the control points to it with aria-describedby."""
    m = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    if m is None:
        return None
    control = re.search(rf'<(?:input|select|textarea|fieldset)\b[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    assert control is not None, f"no control with id {field_id}"
    assert f"{field_id}-error" in (re.search(r'aria-describedby="([^"]*)"', control.group(0)) or [""," "])[1], \
        f"control {field_id} does not point to its error: {control.group(0)}"
    return unescape(m.group(1)).strip()


def readonly_value(html: str, input_id: str) -> str:
    m = re.search(rf'<input id="{re.escape(input_id)}"[^>]*value="([^"]*)"', html)
    assert m is not None, f"no input {input_id}"
    return unescape(m.group(1))
