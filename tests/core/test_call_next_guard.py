""""Call next" on a ticket that was only called (never started) never closes it as done.

Found in a real browser: a clerk pressing N twice closed a called, never started ticket as "done" (and the
finish hooks booked a KTP-el blank, a ribbon and a film for a citizen who was never served; a lansia
priority ticket was closed the same way). Now the server refuses (409 previous_not_started) unless the
request says the citizen did not come (``previous="no_show"``, with the requeue rule); a ticket being served
is still finished by N (the citizen was served).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from queue_service.domain import errors
from queue_service.extensions import db
from queue_service.models import Ticket, TicketEvent
from queue_service.services import tickets as svc
from tests.conftest import MONDAY_0800_WIB, seed
from tests.core.test_queue_services import issue, office_and

T = MONDAY_0800_WIB


def actions(ticket_id: int) -> list[str]:
    return list(db.session.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == ticket_id)
                                   .order_by(TicketEvent.id)))


def test_n_twice_on_a_called_priority_ticket_is_refused_and_never_done(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, counters = office_and(any_app)
        rekam, loket1 = services["REKAM"], counters[1]
        a = issue(office, rekam, T)
        lansia = issue(office, rekam, T + timedelta(seconds=1), priority="lansia")
        called, _ = svc.call_next(db.session, counter=loket1, now=T + timedelta(minutes=1))
        db.session.commit()
        assert called.id == lansia.id and called.code == "P-001"  # strict priority: the lansia first

        with pytest.raises(errors.PreviousNotStarted) as err:  # N again: the lansia was never served
            svc.call_next(db.session, counter=loket1, now=T + timedelta(minutes=2))
        db.session.rollback()
        assert err.value.status == 409 and err.value.details["ticket"] == "P-001"
        assert "not started" in err.value.message and '"previous": "no_show"' in err.value.message
        with pytest.raises(errors.PreviousNotStarted):  # "finish" is no way around it
            svc.call_next(db.session, counter=loket1, now=T + timedelta(minutes=2), previous="finish")
        db.session.rollback()
        lansia = db.session.get(Ticket, lansia.id)
        assert lansia.status == "called" and lansia.finished_at is None and actions(lansia.id) == ["issue", "call"]
        assert db.session.get(Ticket, a.id).status == "waiting"


def test_n_with_no_show_requeues_the_called_ticket_and_calls_someone_else(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, counters = office_and(any_app)
        kk, loket4 = services["KK"], counters[4]
        a = issue(office, kk, T)
        b = issue(office, kk, T + timedelta(seconds=1))
        svc.call_next(db.session, counter=loket4, now=T + timedelta(minutes=1))
        db.session.commit()
        with pytest.raises(errors.Conflict):  # the clerk saw another ticket: nothing happens
            svc.call_next(db.session, counter=loket4, now=T + timedelta(minutes=2), previous="no_show",
                          previous_id=b.id)
        db.session.rollback()
        t, events = svc.call_next(db.session, counter=loket4, now=T + timedelta(minutes=2), previous="no_show",
                                  previous_id=a.id)
        db.session.commit()
        a, b = db.session.get(Ticket, a.id), db.session.get(Ticket, b.id)
        assert t.id == b.id and a.status == "waiting" and a.requeues == 1
        assert [e.name for e in events if e.name != "queue_changed"] == ["ticket_updated", "ticket_called"]
        assert actions(a.id) == ["issue", "call", "no_show"]
        # the next citizen is served: N finishes a ticket being served (a real service)
        svc.start(db.session, ticket=b, now=T + timedelta(minutes=3))
        db.session.commit()
        t, events = svc.call_next(db.session, counter=loket4, now=T + timedelta(minutes=9))
        db.session.commit()
        assert t.id == a.id and db.session.get(Ticket, b.id).status == "done"
        assert "ticket_finished" in [e.name for e in events]
        # absent again: the requeue rule (once) makes it a final no-show; the queue is empty now
        t, _ = svc.call_next(db.session, counter=loket4, now=T + timedelta(minutes=10), previous="no_show")
        db.session.commit()
        assert t is None and db.session.get(Ticket, a.id).status == "no_show"
        assert "finish" not in actions(a.id)


def test_the_only_waiting_ticket_marked_absent_is_not_called_straight_back(any_app):
    seed(any_app)
    with any_app.app_context():
        office, services, counters = office_and(any_app)
        a = issue(office, services["KK"], T)
        svc.call_next(db.session, counter=counters[4], now=T + timedelta(minutes=1))
        db.session.commit()
        t, _ = svc.call_next(db.session, counter=counters[4], now=T + timedelta(minutes=2), previous="no_show")
        db.session.commit()
        assert t is None and db.session.get(Ticket, a.id).status == "waiting"
        t, _ = svc.call_next(db.session, counter=counters[4], now=T + timedelta(minutes=5))  # its second chance
        assert t.id == a.id
        with pytest.raises(errors.ValidationFailed):
            svc.call_next(db.session, counter=counters[4], now=T, previous="done")


# --------------------------------------------------------------------------- through the API

def _issue(api, service, priority=None):
    r = api.post("/api/v1/offices/BKS/tickets", {"service": service, "priority": priority},
                 token=api.tokens["kiosk"])
    assert r.status_code == 201
    return r.get_json()


def test_api_call_next_on_a_called_ticket_is_409_with_a_clear_message(api, app):
    cid = next(c["id"] for c in api.demo["counters"] if "KK" in c["services"])
    clerk = api.tokens["petugas4"]
    first = _issue(api, "KK", "lansia")
    second = _issue(api, "KK")
    r = api.post(f"/api/v1/counters/{cid}/call-next", token=clerk)
    assert r.status_code == 200 and r.get_json()["code"] == first["code"]
    r = api.post(f"/api/v1/counters/{cid}/call-next", token=clerk)  # N twice by mistake
    assert r.status_code == 409
    body = r.get_json()
    assert body["error"] == "previous_not_started" and "not started" in body["message"]
    assert body["details"]["ticket"] == first["code"] and body["details"]["ticket_id"] == first["id"]
    assert api.get(f"/api/v1/tickets/{first['token']}").get_json()["status"] == "called"
    for bad, status in (({"previous": "done"}, 400), ({"previous": 3}, 400), ({"previous_id": 2**40}, 400),
                        ({"previous_id": "x"}, 400), ({"previous": "no_show", "previous_id": second["id"]}, 409)):
        r = api.post(f"/api/v1/counters/{cid}/call-next", bad, token=clerk)
        assert r.status_code == status, (bad, r.get_json())
        assert r.get_json()["message"]
    assert api.get(f"/api/v1/tickets/{first['token']}").get_json()["status"] == "called"  # nothing changed
    r = api.post(f"/api/v1/counters/{cid}/call-next", {"previous": "no_show", "previous_id": first["id"]},
                 token=clerk)
    assert r.status_code == 200 and r.get_json()["code"] == second["code"]
    back = api.get(f"/api/v1/tickets/{first['token']}").get_json()
    assert back["status"] == "waiting" and back["requeues"] == 1
    with app.app_context():
        assert "finish" not in actions(first["id"])
