"""Issue 11, security item 6: queue edges. A transfer to an inactive service is refused (as issuing there
is); ``close-day`` leaves today's called and serving tickets to their clerk, whose finish still works and still
takes the printed card off the stock; they expire at the next rollover."""
from __future__ import annotations

from sqlalchemy import select

from queue_service.cli import main
from queue_service.extensions import db
from queue_service.models import Service, Ticket
from tests.conftest import Api


def _status(app, ticket_id: int) -> str:
    with app.app_context():
        status = db.session.get(Ticket, ticket_id).status
        db.session.remove()
    return status


def _set_active(app, code: str, active: bool) -> None:
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.code == code, Service.office.has(code="BKS")))
        service.active = active
        db.session.commit()
        db.session.remove()


def test_a_ticket_cannot_be_transferred_to_an_inactive_service(world):
    app = world.app
    api = Api(app.test_client())
    clerk = world.bks.tokens["petugas1"]
    ticket_id = world.bks.ids["called_ticket"]
    _set_active(app, "MATI", False)
    # issuing there is refused ...
    r = api.post("/api/v1/offices/BKS/tickets", {"service": "MATI"}, token=clerk)
    assert r.status_code == 409 and r.get_json()["error"] == "service_unavailable"
    # ... and so is sending a citizen there, where nobody would ever call them
    r = api.post(f"/api/v1/tickets/{ticket_id}/transfer", {"service": "MATI"}, token=clerk)
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["error"] == "service_unavailable" and "MATI" in r.get_json()["message"]
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.status == "called" and ticket.service.code != "MATI"
        db.session.remove()
    _set_active(app, "MATI", True)
    assert api.post(f"/api/v1/tickets/{ticket_id}/transfer", {"service": "MATI"}, token=clerk).status_code == 200


def _ktp_balance(world) -> int:
    r = Api(world.app.test_client()).get("/api/v1/offices/BKS/stock", token=world.bks.tokens["manajer"])
    return next(i["balance"] for i in r.get_json()["items"] if i["item"] == "KTP_EL")


def test_close_day_leaves_the_citizen_at_the_counter_to_the_clerk(world):
    app = world.app
    api = Api(app.test_client())
    clerk = world.bks.tokens["petugas3"]
    counter = next(c for c in world.bks.data["counters"] if "CETAK" in c["services"])
    r = api.post(f"/api/v1/counters/{counter['id']}/call-next", token=clerk)
    assert r.status_code == 200 and r.get_json()["service"] == "CETAK", r.get_json()
    serving = r.get_json()["id"]
    assert api.post(f"/api/v1/tickets/{serving}/start", token=clerk).status_code == 200
    called = world.bks.ids["called_ticket"]  # called at another counter, not started yet
    waiting = [t.id for t in _tickets(app, "waiting")]
    assert waiting
    before = _ktp_balance(world)

    result = app.test_cli_runner().invoke(main, ["close-day", "--office", "BKS"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # the queue is closed: nobody waiting is called any more ...
    assert all(_status(app, t) == "expired" for t in waiting)
    # ... but the citizen at the counter is still served, and the card printed for her is on the ledger
    assert _status(app, serving) == "serving" and _status(app, called) == "called"
    r = api.post(f"/api/v1/tickets/{serving}/finish", {"cards": 1}, token=clerk)
    assert r.status_code == 200, r.get_json()
    assert _status(app, serving) == "done"
    assert _ktp_balance(world) == before - 1

    # a ticket nobody finished expires at the next day's rollover (never deleted)
    from queue_service import background
    clock = app.config["CLOCK"]
    clock.advance(days=1)
    with app.app_context():
        background.rollover_job(app, clock.now())
        db.session.remove()
    assert _status(app, called) == "expired"
    assert _status(app, serving) == "done"


def _tickets(app, status: str) -> list[Ticket]:
    with app.app_context():
        rows = list(db.session.scalars(select(Ticket).where(Ticket.status == status,
                                                            Ticket.office.has(code="BKS"))))
        db.session.expunge_all()
        db.session.remove()
    return rows
