"""Stock API, manager pages and forms, CSV export and import, office isolation, and concurrent
consumption at several counters on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from inventory.alerts import active_alert
from inventory.ledger import InsufficientStock, MovementInput, balance_of, item_by_code, ledger_sum, record_movement
from inventory.models import ServiceConsumption, StockDay, StockMovement
from inventory.seed import seed_stock
from queue_service.extensions import db
from queue_service.models import Office, Service, Ticket
from queue_service.services.seed import seed_demo
from tests.conftest import MONDAY_0800_WIB, seed, tokens
from tests.plugins.threads import run_threads

T0 = MONDAY_0800_WIB
BKS = "/api/v1/offices/BKS"


@pytest.fixture
def stocked(app, demo, api):
    with app.app_context():
        other = seed_demo(db.session, now=T0, code="KBKS", name="Disdukcapil Kota Bekasi")
        risks = seed_stock(db.session, demo, T0)
        db.session.commit()
        db.session.remove()
    api.tokens.update({k: v for k, v in tokens(other).items() if k.endswith(".kbks")})
    return risks


def test_demo_stock_is_the_scenarios_critical_morning(stocked):
    ktp = stocked["KTP_EL"]
    assert ktp["balance"] == 420 and ktp["status"] == "critical"
    assert 130 <= ktp["forecast_daily_mean"] <= 190 and 2.0 <= ktp["days_of_cover"] <= 3.3
    assert ktp["next_delivery"] == (T0.date() + timedelta(days=9)).isoformat()
    assert ktp["p_stockout_before_delivery"] >= 0.95


def test_stock_api_movements_forecast_alerts_and_isolation(api, stocked, app):
    t = api.tokens
    r = api.get(f"{BKS}/stock", token=t["manajer"])
    assert r.status_code == 200
    items = {i["item"]: i for i in r.json["items"]}
    assert items["KTP_EL"]["balance"] == 420 and items["KTP_EL"]["risk"] == "critical"
    assert items["KTP_EL"]["reorder_point"] > 420 and items["RIBBON"]["packages"] == 9.6
    assert api.get(f"{BKS}/stock", token=t["petugas1"]).status_code == 200  # clerks may read
    # office isolation: staff of Kota Bekasi get 403 on Bekasi, and the other way round
    assert api.get(f"{BKS}/stock", token=t["manajer.kbks"]).status_code == 403
    assert api.get("/api/v1/offices/KBKS/alerts", token=t["manajer"]).status_code == 403
    assert api.post(f"{BKS}/stock/movements", {"kind": "receipt", "quantity": 5, "source": "X"},
                    token=t["manajer.kbks"]).status_code == 403
    assert api.get(f"{BKS}/stock").status_code == 401
    assert api.get("/api/v1/offices/NOPE/stock", token=t["admin"]).status_code == 404
    # movements: the same validation as the forms, JSON errors, nothing stored on error
    post = lambda body, who="manajer": api.post(f"{BKS}/stock/movements", body, token=t[who])  # noqa: E731
    assert post({"kind": "consumption", "quantity": 1}, who="petugas1").status_code == 403
    bad = [({"kind": "teleport", "quantity": 1}, 400), ({"kind": "receipt", "quantity": 5}, 400),
           ({"kind": "receipt", "quantity": "5", "source": "X"}, 400), ({"kind": "receipt", "quantity": 0,
                                                                      "source": "X"}, 400),
           ({"kind": "spoilage", "quantity": 1}, 400), ({"kind": "consumption", "quantity": 421}, 409),
           ({"kind": "receipt", "item": "NOPE", "quantity": 1, "source": "X"}, 404),
           ({"kind": "transfer_out", "quantity": 1, "to_office": "NOPE"}, 400),
           ({"kind": "receipt", "quantity": 1, "source": "X", "document_date": "kemarin"}, 400)]
    for body, code in bad:
        r = post(body)
        assert r.status_code == code, (body, r.json)
        assert set(r.json) >= {"error", "message"}
    assert api.post(f"{BKS}/stock/movements", data="x", token=t["manajer"]).status_code == 415
    r = post({"kind": "consumption", "quantity": 421})
    assert r.json["error"] == "insufficient_stock" and "420" in r.json["message"]
    # the scenario: 200 blanks borrowed from Kota Bekasi (which has 300): both ledgers at once
    assert post({"kind": "receipt", "quantity": 300, "source": "Ditjen"}, who="manajer.kbks").status_code == 403
    with app.app_context():
        kb = db.session.scalar(select(Office).where(Office.code == "KBKS"))
        record_movement(db.session, office=kb, data=MovementInput(kind="receipt", quantity=300,
                                                                          source="Ditjen"), now=T0)
        db.session.commit()
    # Bekasi's manager cannot take Kota Bekasi's stock (issue 11): Kota Bekasi sends it
    r = post({"kind": "transfer_in", "quantity": 200, "from_office": "KBKS", "reason": "pinjam"})
    assert r.status_code == 403 and r.json["error"] == "forbidden" and "transfer_out" in r.json["message"]
    r = api.post("/api/v1/offices/KBKS/stock/movements", {"kind": "transfer_out", "quantity": 200, "to_office": "BKS",
                                                          "reason": "pinjam"}, token=t["manajer.kbks"])
    assert r.status_code == 201 and r.json["balance"] == 100
    assert [m["kind"] for m in r.json["movements"]] == ["transfer_out", "transfer_in"]
    bks_stock = api.get(f"{BKS}/stock", token=t["manajer"]).json["items"][0]
    assert bks_stock["balance"] == 620
    r = post({"kind": "adjustment", "counted": 610, "reason": "stok opname"})
    assert r.status_code == 201 and r.json["movements"][0]["quantity"] == -10
    # forecast
    r = api.get(f"{BKS}/stock/forecast?item=KTP_EL&horizon=14", token=t["petugas1"])
    assert r.status_code == 200 and len(r.json["forecast"]["days"]) == 14
    days = r.json["forecast"]["days"]
    assert days[0]["date"] == "2026-01-05" and days[5]["closed"] and days[5]["mean"] == 0  # Saturday
    assert all(d["lower"] <= d["mean"] <= d["upper"] for d in days)
    for q in ("horizon=0", "horizon=abc", "horizon=400"):
        assert api.get(f"{BKS}/stock/forecast?{q}", token=t["manajer"]).status_code == 400
    assert api.get(f"{BKS}/stock/forecast?item=NOPE", token=t["manajer"]).status_code == 404
    # alerts
    r = api.get(f"{BKS}/alerts", token=t["manajer"])
    crit = [a for a in r.json["alerts"] if a["item"] == "KTP_EL"]
    assert crit and crit[0]["level"] == "critical" and crit[0]["status"] == "open"
    assert api.get(f"{BKS}/alerts?status=bogus", token=t["manajer"]).status_code == 400
    ack = f"{BKS}/alerts/{crit[0]['id']}/acknowledge"
    assert api.post(ack, token=t["petugas1"]).status_code == 403
    assert api.post(f"/api/v1/offices/KBKS/alerts/{crit[0]['id']}/acknowledge",
                    token=t["manajer.kbks"]).status_code == 404
    r = api.post(ack, token=t["manajer"])
    assert r.status_code == 200 and r.json["status"] == "acknowledged"
    assert api.post(ack, token=t["manajer"]).status_code == 409
    # the kiosk's question, and the OpenAPI document
    r = api.get(f"{BKS}/services/CETAK/availability", token=t["kiosk"])
    assert r.status_code == 200 and r.json["available"] and r.json["stock_cap"] == 610 - 20
    assert api.get("/api/v1/offices/KBKS/services/CETAK/availability", token=t["kiosk"]).status_code == 403
    assert api.post(f"{BKS}/stock/turned-away", {"count": 3}, token=t["kiosk"]).status_code == 204
    paths = api.get("/api/v1/openapi.json").json["paths"]
    for p in ("/api/v1/offices/{office_code}/stock", "/api/v1/offices/{office_code}/stock/movements",
              "/api/v1/offices/{office_code}/stock/forecast", "/api/v1/offices/{office_code}/alerts"):
        assert p in paths


def _login(client, demo, username):
    pw = next(u["password"] for u in demo["users"] if u["username"] == username)
    r = client.post("/login", data={"username": username, "password": pw})
    assert r.status_code in (302, 303)


def test_manager_pages_forms_and_csv(app, client, demo, stocked):
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.get("/manager").status_code in (302, 401)
    _login(client, demo, "petugas1")
    assert client.get("/manager").status_code == 403
    client.post("/logout")
    _login(client, demo, "manajer")
    page = client.get("/manager").get_data(as_text=True)
    assert "Blangko KTP-el" in page and "<svg" in page and "Kritis" in page and "420" in page
    assert "style=" not in page and "<script>" not in page
    assert client.get("/manager/KBKS").status_code == 403
    assert client.get("/manager/BKS/stock/teleport").status_code == 404
    # a form with errors: 422, messages next to the fields, nothing saved
    with app.app_context():
        before = db.session.scalar(select(func.count(StockMovement.id)))
    r = client.post("/manager/BKS/stock/count", data={"item": "KTP_EL", "counted": "banyak", "reason": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Isi dengan bilangan bulat." in html and 'aria-invalid="true"' in html
    r = client.post("/manager/BKS/stock/spoilage", data={"item": "KTP_EL", "quantity": "999", "reason": "x"})
    assert r.status_code == 422 and "Stok tidak cukup: sisa 420" in r.get_data(as_text=True)
    r = client.post("/manager/BKS/stock/delivery", data={"item": "KTP_EL", "quantity": "10",
                                                         "expected_date": "2020-01-01"})
    assert r.status_code == 422 and "masa lalu" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(StockMovement.id))) == before
    # good forms
    r = client.post("/manager/BKS/stock/receipt", data={"item": "KTP_EL", "quantity": "1000",
                                                        "source": "Ditjen Dukcapil", "document_no": "BAST/1",
                                                        "document_date": "2026-01-05", "delivery_id": "0"})
    assert r.status_code == 302
    r = client.post("/manager/BKS/stock/transfer", data={"direction": "out", "item": "KTP_EL",
                                                         "other_office": "KBKS", "quantity": "20"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(StockMovement.id))) == before + 3
    # ledger with filters and the CSV export
    r = client.get("/manager/BKS/ledger?item=KTP_EL&kind=receipt")
    assert r.status_code == 200 and "BAST/1" in r.get_data(as_text=True)
    assert client.get("/manager/BKS/ledger?kind=bogus").status_code == 400
    assert client.get("/manager/BKS/ledger?from=kemarin").status_code == 400
    r = client.get("/manager/BKS/ledger.csv?item=KTP_EL&from=2026-01-05&to=2026-01-05")
    lines = r.get_data(as_text=True).strip().splitlines()
    assert r.headers["Content-Type"].startswith("text/csv") and lines[0].startswith("id,waktu")
    assert len(lines) == 3 and "transfer_out" in lines[1] and "BAST/1" in lines[2]
    # alerts: acknowledge from the page
    with app.app_context():
        alert = active_alert(db.session, item_by_code(
            db.session, db.session.scalar(select(Office).where(Office.code == "BKS")), "KIA"))
        alert_id = alert.id if alert else None
    if alert_id:
        assert client.post(f"/manager/BKS/alerts/{alert_id}/acknowledge").status_code == 302
    # admins see every office, sorted by days of cover
    client.post("/logout")
    _login(client, demo, "admin")
    html = client.get("/manager").get_data(as_text=True)
    assert html.index(">BKS — ") < html.index(">KBKS — ")  # 2.3 days of cover first, no data last


def test_cli_import_history_all_or_nothing_and_forecast_table(app, demo, runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,office,item,consumed,on_hand\n2025-12-01,BKS,KTP_EL,150,400\n"
                   "2025-12-02,BKS,KTP_EL,-3,\n2025-12-03,XXX,KTP_EL,1,\n2025-13-01,BKS,KTP_EL,1,\n"
                   "2025-12-04,BKS,NOPE,1,\n2025-12-01,BKS,KTP_EL,5,\n2026-02-01,BKS,KTP_EL,5,\n")
    r = runner.invoke(args=["stock", "import-history", str(bad)])
    assert r.exit_code != 0 and "nothing was imported" in r.output
    for needle in ("line 3", "line 6", "line 7"):
        assert needle in r.output, r.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StockDay)) == 0
    r = runner.invoke(args=["stock", "import-history", str(tmp_path / "missing.csv")])
    assert r.exit_code != 0
    good = tmp_path / "good.csv"
    rows = ["date,office,item,consumed,on_hand"]
    day = T0.date() - timedelta(days=120)
    while day < T0.date():
        if day.weekday() < 5:
            rows.append(f"{day},BKS,KTP_EL,{140 + 30 * (day.weekday() == 0)},{0 if day.day == 15 else 900}")
        day += timedelta(days=1)
    good.write_text("\n".join(rows) + "\n")
    r = runner.invoke(args=["stock", "import-history", str(good)])
    assert r.exit_code == 0, r.output
    assert f"Imported {len(rows) - 1} day(s)" in r.output
    r = runner.invoke(args=["stock", "forecast", "--office", "BKS"])
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if "KTP_EL" in x)
    assert "critical" in line  # no stock in the ledger yet
    assert runner.invoke(args=["stock", "forecast", "--office", "NOPE"]).exit_code != 0


def _consume_at_counters(app, threads=6, per_thread=15):
    refused = []

    def work(i):
        with app.app_context():
            office = db.session.scalar(select(Office).where(Office.code == "BKS"))
            item_by_code(db.session, office, "KTP_EL")  # created once, before the race
            db.session.commit()
            for k in range(per_thread):
                for attempt in range(10):
                    try:
                        record_movement(db.session, office=office, data=MovementInput(
                            kind="consumption", quantity=1 + (k % 2)), now=T0, actor=f"loket{i}")
                        db.session.commit()
                        break
                    except InsufficientStock:
                        db.session.rollback()
                        refused.append(i)
                        break
                    except OperationalError:
                        db.session.rollback()
                        if attempt == 9:
                            raise
            db.session.remove()

    run_threads(threads, work, timeout=120)  # any thread that raised or hung fails the test
    return refused


@pytest.mark.slow
def test_concurrent_consumption_at_several_counters_stays_consistent(any_app):
    seed(any_app)
    with any_app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        record_movement(db.session, office=office, data=MovementInput(kind="receipt", quantity=100,
                                                                              source="Ditjen"), now=T0)
        db.session.commit()
    # 6 counters x 15 x (1 or 2) = 135 wanted, 100 in stock: some are refused, none goes negative
    refused = _consume_at_counters(any_app)
    with any_app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        item = item_by_code(db.session, office, "KTP_EL")
        balance = balance_of(db.session, item)
        assert balance == ledger_sum(db.session, item) >= 0
        assert balance <= 1 and refused  # stock exhausted (a last 2 can be refused with 1 left)
        afters = sorted(db.session.scalars(select(StockMovement.balance_after).where(
            StockMovement.item_id == item.id, StockMovement.kind == "consumption")))
        assert len(afters) == len(set(afters))  # every movement saw a distinct running balance
        day = db.session.get(StockDay, (item.id, T0.date()))
        assert day.used == 100 - balance and day.min_balance == balance


def test_finish_hook_via_the_counter_api(api, app, stocked):
    """The clerk's finish form data reaches the ledger through the core's finish API."""
    t = api.tokens
    r = api.post(f"{BKS}/tickets", {"service": "CETAK"}, token=t["kiosk"])
    assert r.status_code == 201
    with app.app_context():
        counter = db.session.scalar(select(Service).where(Service.code == "CETAK")).counters[0]
        cid = counter.id
    called = api.post(f"/api/v1/counters/{cid}/call-next", token=t["petugas3"]).json
    r = api.post(f"/api/v1/tickets/{called['id']}/finish", {"cards": 9999}, token=t["petugas3"])
    assert r.status_code == 400  # the core caps the figures
    r = api.post(f"/api/v1/tickets/{called['id']}/finish", {"cards": 2, "spoiled": 1}, token=t["petugas3"])
    assert r.status_code == 400 and r.json["error"] == "validation_error"
    r = api.post(f"/api/v1/tickets/{called['id']}/finish",
                 {"cards": 2, "spoiled": 1, "spoiled_reason": "foto buram"}, token=t["petugas3"])
    assert r.status_code == 200 and r.json["status"] == "done"
    with app.app_context():
        rows = db.session.execute(select(StockMovement.kind, StockMovement.quantity).join(Ticket).where(
            Ticket.id == called["id"]).order_by(StockMovement.id)).all()
        kinds = [(k, q) for k, q in rows]
    assert ("consumption", -2) in kinds and ("spoilage", -1) in kinds and ("consumption", -3) in kinds
    stock = api.get(f"{BKS}/stock", token=t["manajer"]).json["items"]
    assert stock[0]["balance"] == 417
    with app.app_context():
        rule = db.session.scalar(select(ServiceConsumption).where(ServiceConsumption.caps_quota))
        assert rule.reserve == 20


def test_a_manager_signed_out_is_sent_to_sign_in_and_back(app, demo, stocked):
    c = app.test_client()
    r = c.get("/manager/BKS/ledger")
    assert r.status_code == 302 and "/login?next=" in r.headers["Location"]
    page = c.get(r.headers["Location"])
    assert page.status_code == 200
    from tests.realtime.conftest import csrf_from
    pw = next(u["password"] for u in demo["users"] if u["username"] == "manajer")
    back = c.post(r.headers["Location"], data={"username": "manajer", "password": pw,
                                               "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert back.status_code == 302, back.get_data(as_text=True)[-1500:]
    assert back.status_code == 302 and back.headers["Location"].endswith("/manager/BKS/ledger")
    assert app.test_client().get("/api/v1/offices/BKS/stock").status_code == 401  # the API still answers 401
