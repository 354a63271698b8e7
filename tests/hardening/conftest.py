"""A two-office world for the hardening tests: the demo office BKS and a second office KTB (users get a
".ktb" suffix), both with their feature demo data (stock, alerts), tickets in several states and print
jobs, so that every path parameter can be filled with a real id of the right office."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from queue_service import hooks
from queue_service.extensions import db
from queue_service.services.seed import seed_demo
from tests.conftest import MONDAY_0800_WIB, Api, tokens


@dataclass
class Office:
    code: str
    data: dict
    tokens: dict
    ids: dict = field(default_factory=dict)

    def user(self, role: str) -> dict:
        return next(u for u in self.data["users"] if u["role"] == role)

    def password(self, username: str) -> str:
        return next(u["password"] for u in self.data["users"] if u["username"] == username)


@dataclass
class World:
    app: object
    bks: Office
    ktb: Office

    @property
    def admin_token(self) -> str:
        return self.bks.tokens["admin"]

    def sign_in(self, username: str, password: str | None = None):
        """A test client with a staff session (CSRF stays on: forms need the token)."""
        client = self.app.test_client()
        password = password or (self.bks.password(username) if not username.endswith(".ktb")
                                else self.ktb.password(username))
        page = client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        r = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
        return client


def csrf_from(html: str) -> str:
    import re
    m = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def _seed_office(app, **kw) -> dict:
    with app.app_context():
        data = seed_demo(db.session, now=MONDAY_0800_WIB, **kw)
        for seeder in hooks.of(app).seeders:
            seeder(db.session, data, MONDAY_0800_WIB)
        db.session.commit()
        db.session.remove()
    return data


def _populate(app, office: Office) -> None:
    """Tickets (waiting, called), a print job and a stock alert of this office, through the real API."""
    api = Api(app.test_client())
    code = office.code
    clerk = office.tokens[office.user("clerk")["username"]]
    issued = []
    for service in ("REKAM", "CETAK", "KK", "KK"):
        r = api.post(f"/api/v1/offices/{code}/tickets", {"service": service}, token=office.tokens["kiosk"])
        assert r.status_code in (200, 201), r.get_data(as_text=True)
        issued.append(r.get_json())
    counter = office.data["counters"][0]["id"]
    r = api.post(f"/api/v1/counters/{counter}/call-next", token=clerk)
    assert r.status_code == 200, r.get_data(as_text=True)
    office.ids.update(
        ticket=issued[1]["id"], called_ticket=r.get_json()["id"], token=issued[1]["token"],
        counter=counter, service=office.data["services"][0]["id"], service_code="KK",
        device=office.data["devices"][0]["id"], display=office.data["devices"][1]["id"],
        user=office.user("clerk")["id"], manager=office.user("manager")["id"])
    with app.app_context():
        from queue_service.models import ApiToken
        office.ids["api_token"] = db.session.scalar(
            select(ApiToken.id).where(ApiToken.user_id == office.ids["user"]))
        try:
            from printjobs.models import PrintJob
            office.ids["job"] = db.session.scalar(
                select(PrintJob.id).where(PrintJob.device_id == office.ids["device"]).order_by(PrintJob.id))
        except ImportError:  # printers feature not in this build
            pass
        try:
            from inventory.models import StockAlert
            from inventory.recompute import recompute_office
            from queue_service.models import Office as OfficeModel
            o = db.session.scalar(select(OfficeModel).where(OfficeModel.code == code))
            recompute_office(db.session, o, MONDAY_0800_WIB)
            db.session.commit()
            office.ids["alert"] = db.session.scalar(
                select(StockAlert.id).where(StockAlert.office_id == o.id).order_by(StockAlert.id))
        except ImportError:
            pass
        db.session.remove()


@pytest.fixture
def world(app) -> World:
    bks = _seed_office(app)
    ktb = _seed_office(app, code="KTB", name="Disdukcapil Kabupaten Bekasi Timur (uji)")
    w = World(app, Office("BKS", bks, tokens(bks)), Office("KTB", ktb, tokens(ktb)))
    for office in (w.bks, w.ktb):
        _populate(app, office)
    return w
