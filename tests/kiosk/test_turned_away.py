"""Citizens turned away at the quota are counted once, where they are turned away: an issue refused with
``quota_reached`` (API or kiosk) and a press on a full service at the kiosk. The blanks' refusals go to the
stock ledger's day (lost demand the blank forecast sees); the others are "quota" refusals of the figures."""
from __future__ import annotations

from sqlalchemy import select

from inventory.ledger import ensure_items, move
from inventory.models import ServiceConsumption, StockDay
from queue_service.extensions import db
from queue_service.models import Office, Service

ISSUE = "/api/v1/offices/BKS/tickets"
TURNED = "/api/v1/kiosk/turned-away"
TODAY = "from=2026-01-05&to=2026-01-05"  # the demo clock's Monday


def figures(api) -> dict:
    r = api.get(f"/api/v1/offices/BKS/figures?{TODAY}", token=api.tokens["manajer"])
    assert r.status_code == 200, r.get_json()
    return r.get_json()["turned_away"]


def test_a_refused_issue_and_a_press_on_a_full_service_are_counted_as_quota(app, api, clock):
    with app.app_context():
        db.session.scalar(select(Service).where(Service.code == "KK")).daily_quota = 1
        db.session.commit()
    k, clerk = api.tokens["kiosk"], api.tokens["petugas1"]
    assert api.post(ISSUE, json={"service": "KK"}, token=k).status_code == 201
    assert figures(api) == {}
    clock.advance(seconds=5)
    r = api.post(ISSUE, json={"service": "KK"}, token=k)  # the quota ran out between screen and press
    assert r.status_code == 409 and r.get_json()["error"] == "quota_reached"
    assert figures(api) == {"quota": 1}
    assert api.post(ISSUE, json={"service": "KK"}, token=clerk).status_code == 409  # a clerk's issue too
    assert figures(api) == {"quota": 2}
    # a press on the full button: the kiosk says so and reports it
    r = api.post(TURNED, json={"service": "KK"}, token=k)
    assert r.status_code == 200 and r.get_json() == {"counted": True, "reason": "quota"}
    assert figures(api) == {"quota": 3}


def test_a_report_for_a_service_that_still_takes_tickets_counts_nothing(app, api):
    k = api.tokens["kiosk"]
    r = api.post(TURNED, json={"service": "REKAM"}, token=k)
    assert r.status_code == 409 and "still takes tickets" in r.get_json()["message"]
    r = api.post(TURNED, json={"service": "NOPE"}, token=k)
    assert r.status_code == 404 and "NOPE" in r.get_json()["message"]
    for body in ({}, {"service": 7}, {"service": "X" * 100}):
        r = api.post(TURNED, json=body, token=k)
        assert r.status_code == 400 and r.get_json()["message"], body
    # only a kiosk reports it: a clerk, a manager and a stranger cannot inflate the figures
    assert api.post(TURNED, json={"service": "REKAM"}, token=api.tokens["petugas1"]).status_code == 403
    assert api.post(TURNED, json={"service": "REKAM"}, token=api.tokens["manajer"]).status_code == 403
    assert api.post(TURNED, json={"service": "REKAM"}).status_code == 401
    assert figures(api) == {}


def test_when_the_blanks_are_why_the_refusal_is_lost_demand_on_the_stock_ledger(app, api, clock):
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        item = ensure_items(db.session, office)["KTP_EL"]
        cetak = db.session.scalar(select(Service).where(Service.code == "CETAK"))
        db.session.add(ServiceConsumption(service_id=cetak.id, item_id=item.id, per_card=1, caps_quota=True,
                                          reserve=2))
        move(db.session, office=office, item=item, kind="receipt", quantity=2, now=clock.current,
             actor="test")  # only the reserve in stock: no card left to print today
        db.session.commit()
        item_id = item.id
    k = api.tokens["kiosk"]
    state = {s["code"]: s for s in api.get("/api/v1/kiosk/state", token=k).get_json()["services"]}
    assert state["CETAK"]["state"] == "quota"
    assert api.post(ISSUE, json={"service": "CETAK"}, token=k).status_code == 409
    r = api.post(TURNED, json={"service": "CETAK"}, token=k)
    assert r.status_code == 200 and r.get_json() == {"counted": True, "reason": "stock"}
    assert figures(api) == {"stock": 2}  # not also counted as "quota"
    with app.app_context():
        assert db.session.scalar(select(StockDay.turned_away).where(StockDay.item_id == item_id)) == 2
