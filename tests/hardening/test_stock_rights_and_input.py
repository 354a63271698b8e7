"""Issue 11, security items 2 and 5: another office's stock, bounded integers, receipts booked once.

A manager of office B posting ``{"kind": "transfer_in", "from_office": "A"}`` emptied office A's blanks. A
transfer is made by someone with rights over the source office (its ``transfer_out``, or an admin), which
records both ledgers at once; a ``transfer_in`` from an office the caller has no rights over is refused.
Integers of 2^63 and more answered 500; the same delivery document booked twice doubled the stock; a form
submitted twice stored two rows."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from queue_service.extensions import db
from tests.conftest import Api
from tests.hardening.conftest import csrf_from


def _balance(world, office: str, item: str = "KTP_EL") -> int:
    token = (world.bks if office == "BKS" else world.ktb).tokens["manajer" if office == "BKS" else "manajer.ktb"]
    r = Api(world.app.test_client()).get(f"/api/v1/offices/{office}/stock", token=token)
    return next(i["balance"] for i in r.get_json()["items"] if i["item"] == item)


def _movements(app) -> int:
    from inventory.models import StockMovement
    with app.app_context():
        n = db.session.scalar(select(func.count(StockMovement.id)))
        db.session.remove()
    return n


def _receive(world, office: str, quantity: int) -> None:
    token = world.bks.tokens["admin"]
    r = Api(world.app.test_client()).post(f"/api/v1/offices/{office}/stock/movements",
                                          {"kind": "receipt", "quantity": quantity, "source": "Ditjen"}, token=token)
    assert r.status_code == 201, r.get_json()


# ------------------------------------------------------------------------------------ item 2


def test_a_manager_cannot_take_another_offices_stock(world):
    app = world.app
    api = Api(app.test_client())
    _receive(world, "BKS", 50)
    a_before, b_before, rows = _balance(world, "BKS"), _balance(world, "KTB"), _movements(app)
    assert a_before > 0
    attack = {"kind": "transfer_in", "from_office": "BKS", "quantity": a_before, "reason": "pinjam"}
    # office KTB's manager, through the API and through the stock form
    r = api.post("/api/v1/offices/KTB/stock/movements", attack, token=world.ktb.tokens["manajer.ktb"])
    assert r.status_code == 403, r.get_json()
    assert r.get_json()["error"] == "forbidden" and "transfer_out" in r.get_json()["message"]
    manager = world.sign_in("manajer.ktb")
    page = manager.get("/manager/KTB/stock/transfer").get_data(as_text=True)
    r = manager.post("/manager/KTB/stock/transfer", data={
        "csrf_token": csrf_from(page), "direction": "in", "item": "KTP_EL", "other_office": "BKS",
        "quantity": str(a_before), "reason": "pinjam"})
    assert r.status_code == 422 and "hanya bisa dipindahkan oleh kantor BKS" in r.get_data(as_text=True)
    assert (_balance(world, "BKS"), _balance(world, "KTB"), _movements(app)) == (a_before, b_before, rows)
    # a manager of BKS sends it (transfer_out): both ledgers at once
    r = api.post("/api/v1/offices/BKS/stock/movements", {"kind": "transfer_out", "to_office": "KTB", "quantity": 5,
                                                         "reason": "pinjam"}, token=world.bks.tokens["manajer"])
    assert r.status_code == 201 and [m["kind"] for m in r.get_json()["movements"]] == ["transfer_out", "transfer_in"]
    assert (_balance(world, "BKS"), _balance(world, "KTB")) == (a_before - 5, b_before + 5)
    # an admin (rights over both) may record it from the receiving side
    r = api.post("/api/v1/offices/KTB/stock/movements", {**attack, "quantity": 3}, token=world.admin_token)
    assert r.status_code == 201
    assert (_balance(world, "BKS"), _balance(world, "KTB")) == (a_before - 8, b_before + 8)


# ------------------------------------------------------------------------------------ item 5: integers


HUGE = [2**63, 2**63 - 1, 2**64, 10**30, -(2**63) - 1, 2**31]


def test_huge_integers_in_json_are_a_400_never_a_500(world):
    app = world.app
    api = Api(app.test_client())
    manager = world.bks.tokens["manajer"]
    clerk = world.bks.tokens["petugas1"]
    rows = _movements(app)
    for n in HUGE:
        for body in ({"kind": "consumption", "quantity": 1, "ticket_id": n},
                     {"kind": "receipt", "quantity": 1, "source": "x", "delivery_id": n},
                     {"kind": "receipt", "quantity": n, "source": "x"}, {"kind": "receipt", "packs": n, "source": "x"},
                     {"kind": "adjustment", "counted": n, "reason": "opname"}):
            r = api.post("/api/v1/offices/BKS/stock/movements", body, token=manager)
            assert r.status_code == 400, (body, r.status_code, r.get_data(as_text=True)[:200])
            assert r.get_json()["message"]
        ticket = world.bks.ids["called_ticket"]
        for url, body in ((f"/api/v1/tickets/{ticket}/finish", {"cards": n}),
                          ("/api/v1/offices/BKS/stock/turned-away", {"count": n})):
            assert api.post(url, body, token=clerk).status_code == 400, (url, n)
    assert _movements(app) == rows


def test_huge_integers_in_paths_queries_and_forms_are_refused_with_a_message(world):
    app = world.app
    admin = world.sign_in("admin")
    huge = str(2**63)
    for url in (f"/admin/offices/BKS/services/{huge}", f"/admin/offices/BKS/counters/{huge}",
                f"/admin/users/{huge}", f"/admin/offices/BKS/devices/{huge}", f"/counter?counter={huge}",
                f"/api/v1/tickets/{huge}/recall"):
        r = admin.get(url) if "recall" not in url else Api(app.test_client()).post(url, token=world.admin_token)
        assert r.status_code == 404, (url, r.status_code)
    for query in (f"page={huge}", "page=-1", "page=x"):
        r = admin.get(f"/manager/BKS/ledger?{query}")
        assert r.status_code == 400, (query, r.status_code)
    assert admin.get(f"/manager/BKS/settings?rule={huge}").status_code == 200
    # the service form: a huge sort order is a form error next to the field, nothing stored
    service = world.bks.ids["service"]
    page = admin.get(f"/admin/offices/BKS/services/{service}").get_data(as_text=True)
    form = {name: value for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)}
    form.update(priority_policy="strict", fallback_service_id="0", active="y")
    for value, message in ((huge, "terlalu besar"), ("9999999", "Urutan tampil antara")):
        r = admin.post(f"/admin/offices/BKS/services/{service}", data={**form, "sort_order": value})
        assert r.status_code == 422 and message in r.get_data(as_text=True), value
    # and in a stock form
    page = admin.get("/manager/BKS/stock/receipt").get_data(as_text=True)
    r = admin.post("/manager/BKS/stock/receipt", data={"csrf_token": csrf_from(page), "item": "KTP_EL",
                                                       "quantity": huge, "source": "Ditjen", "delivery_id": "0"})
    assert r.status_code == 422


# ------------------------------------------------------------------------------------ item 5: receipts once


def test_one_delivery_document_is_booked_once(world):
    app = world.app
    api = Api(app.test_client())
    manager = world.bks.tokens["manajer"]
    url = "/api/v1/offices/BKS/stock/movements"
    before = _balance(world, "BKS")
    bast = {"kind": "receipt", "quantity": 500, "source": "Ditjen Dukcapil", "document_no": "BAST/2026/017",
            "document_date": "2026-01-02"}
    first = api.post(url, bast, token=manager)
    assert first.status_code == 201
    rows = _movements(app)
    # the same document again (a retried script): the first booking's answer, nothing added
    again = api.post(url, bast, token=manager)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert again.get_json()["movements"][0]["id"] == first.get_json()["movements"][0]["id"]
    # spelled a little differently, or with another quantity: refused with a message (someone must look)
    r = api.post(url, {**bast, "document_no": " bast/2026/017 ", "quantity": 50}, token=manager)
    assert r.status_code == 409 and r.get_json()["error"] == "duplicate_receipt"
    assert "BAST/2026/017" in r.get_json()["message"]
    assert (_balance(world, "BKS"), _movements(app)) == (before + 500, rows)
    # the same number for another item, or in another office, is another document
    assert api.post(url, {**bast, "item": "KIA"}, token=manager).status_code == 201
    r = api.post("/api/v1/offices/KTB/stock/movements", bast, token=world.ktb.tokens["manajer.ktb"])
    assert r.status_code == 201
    # the manager's form says so next to the document number
    client = world.sign_in("manajer")
    page = client.get("/manager/BKS/stock/receipt").get_data(as_text=True)
    r = client.post("/manager/BKS/stock/receipt", data={
        "csrf_token": csrf_from(page), "nonce": _nonce(page), "item": "KTP_EL", "quantity": "400",
        "source": "Ditjen Dukcapil", "document_no": "BAST/2026/017", "delivery_id": "0"})
    assert r.status_code == 422 and "sudah dicatat" in r.get_data(as_text=True)
    assert _balance(world, "BKS") == before + 500


def _nonce(html: str) -> str:
    m = re.search(r'name="nonce"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*name="nonce"', html)
    assert m, "no one-time number in the form"
    return m.group(1)


@pytest.mark.parametrize("kind,fields", [
    ("receipt", {"item": "KTP_EL", "quantity": "25", "source": "Provinsi", "delivery_id": "0"}),
    ("spoilage", {"item": "KTP_EL", "quantity": "2", "reason": "kartu tergores"}),
    ("transfer", {"direction": "out", "item": "KTP_EL", "other_office": "KTB", "quantity": "4", "reason": "pinjam"}),
])
def test_a_stock_form_submitted_twice_is_stored_once(world, kind, fields):
    """A double click or a reload after a slow answer sends the same form twice: one row."""
    app = world.app
    _receive(world, "BKS", 30)
    client = world.sign_in("manajer")
    page = client.get(f"/manager/BKS/stock/{kind}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "nonce": _nonce(page), **fields}
    before, rows = _balance(world, "BKS"), _movements(app)
    first = client.post(f"/manager/BKS/stock/{kind}", data=data)
    assert first.status_code == 302, first.get_data(as_text=True)[-800:]
    second = client.post(f"/manager/BKS/stock/{kind}", data=data)
    assert second.status_code == 302
    assert "sudah terkirim" in client.get(second.headers["Location"]).get_data(as_text=True)
    per_form = 2 if kind == "transfer" else 1
    assert _movements(app) == rows + per_form
    delta = {"receipt": 25, "spoilage": -2, "transfer": -4}[kind]
    assert _balance(world, "BKS") == before + delta
    # a fresh page is a fresh form
    page = client.get(f"/manager/BKS/stock/{kind}").get_data(as_text=True)
    assert client.post(f"/manager/BKS/stock/{kind}", data={**data, "csrf_token": csrf_from(page),
                                                          "nonce": _nonce(page)}).status_code == 302
    assert _movements(app) == rows + 2 * per_form
