"""A citizen who was called but never served takes no stock: "call next" twice at the printing counter
(a lansia priority ticket first) books no KTP-el blank, ribbon or film; once a ticket is really served,
N finishes it and its card is booked."""
from __future__ import annotations

from sqlalchemy import func, select

from inventory.models import StockMovement
from inventory.seed import seed_stock
from queue_service.extensions import db
from tests.conftest import MONDAY_0800_WIB

BKS = "/api/v1/offices/BKS"


def _ticket_moves(app, ticket_id: int) -> list[tuple[str, int]]:
    with app.app_context():
        rows = db.session.execute(select(StockMovement.kind, StockMovement.quantity)
                                  .where(StockMovement.ticket_id == ticket_id).order_by(StockMovement.id)).all()
        db.session.remove()
        return [tuple(r) for r in rows]


def _movements(app) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count(StockMovement.id)))
        db.session.remove()
        return n


def test_n_twice_at_the_printing_counter_books_no_stock(app, api, demo):
    with app.app_context():
        seed_stock(db.session, demo, MONDAY_0800_WIB)
        db.session.commit()
        db.session.remove()
    cetak = next(c for c in demo["counters"] if "CETAK" in c["services"])
    clerk = api.tokens[f"petugas{cetak['number']}"]
    kiosk = api.tokens["kiosk"]
    lansia = api.post(f"{BKS}/tickets", {"service": "CETAK", "priority": "lansia"}, token=kiosk).get_json()
    regular = api.post(f"{BKS}/tickets", {"service": "CETAK"}, token=kiosk).get_json()
    before = _movements(app)

    r = api.post(f"/api/v1/counters/{cetak['id']}/call-next", token=clerk)
    assert r.status_code == 200 and r.get_json()["code"] == lansia["code"] and r.get_json()["priority"] == "lansia"
    r = api.post(f"/api/v1/counters/{cetak['id']}/call-next", token=clerk)  # N again, by mistake
    assert r.status_code == 409 and r.get_json()["error"] == "previous_not_started"
    assert _movements(app) == before and _ticket_moves(app, lansia["id"]) == []

    # the lansia did not come: marked absent (back in the queue once), the next citizen is called
    r = api.post(f"/api/v1/counters/{cetak['id']}/call-next", {"previous": "no_show"}, token=clerk)
    assert r.status_code == 200 and r.get_json()["code"] == regular["code"]
    assert _movements(app) == before and _ticket_moves(app, lansia["id"]) == []

    # served (started), then N: a real service, its card is booked (blank, ribbon, film)
    assert api.post(f"/api/v1/tickets/{regular['id']}/start", token=clerk).status_code == 200
    r = api.post(f"/api/v1/counters/{cetak['id']}/call-next", token=clerk)
    assert r.status_code == 200 and r.get_json()["code"] == lansia["code"]  # its second call
    assert sorted(_ticket_moves(app, regular["id"])) == [("consumption", -1)] * 3
    assert _ticket_moves(app, lansia["id"]) == []
