"""The ticket state machine, every action x every status, through the services and through the HTTP API.

The table of what is allowed is written out here on purpose instead of being read from
``queue_service.domain.status``: a change there (or a guard dropped in ``services/tickets.py``) must make this
file fail. Each case starts from a fresh database with one ticket brought to its status by the real path
(issue, call next, start, finish, no-show, cancel, close day); allowed actions must succeed and leave the
ticket in the expected status, the others must be refused with the invalid-transition error (409 over HTTP)
and leave the ticket and its history exactly as they were.

``call`` (a counter's "call next") is not a command on one ticket: its row checks that only a waiting ticket
is ever handed out, whatever the status. What "call next" does to the counter's *own* current ticket lives
in its own test at the end (``test_call_next_effect_on_the_counters_current_ticket``): that behaviour is
being changed elsewhere (a ticket only called, never started, is no longer simply finished).
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from queue_service.domain.errors import InvalidTransition
from queue_service.extensions import db
from queue_service.models import Counter, Office, Service, Ticket, TicketEvent
from queue_service.services import tickets as svc
from tests.conftest import MONDAY_0800_WIB, Api, seed, tokens

STATUSES = ["waiting", "called", "serving", "done", "no_show", "cancelled", "expired"]
ACTIONS = ["recall", "start", "finish", "no_show", "transfer", "cancel"]

#: action -> {status it may start from: status it leaves the ticket in}. Everything else: 409.
ALLOWED = {
    "recall": {"called": "called"},
    "start": {"called": "serving"},
    "finish": {"called": "done", "serving": "done"},
    "no_show": {"called": "waiting"},  # the first no-show puts the ticket back in the queue (requeued once)
    "transfer": {"waiting": "waiting", "called": "waiting", "serving": "waiting"},
    "cancel": {"waiting": "cancelled", "called": "cancelled"},
}
#: how the invalid-transition message names each action
LABEL = {"recall": "recall", "start": "start", "finish": "finish", "no_show": "no-show", "transfer": "transfer",
         "cancel": "cancel"}

SERVICE, TARGET = "KK", "PINDAH"  # the ticket's service, and where "transfer" sends it
HOLDER, OTHER = 4, 6  # two counters serving KK: counter 4 calls the ticket; counter 6 tries "call next" too

CASES = [(a, s) for a in ACTIONS for s in STATUSES]


def test_the_table_covers_every_status_and_action():
    from queue_service.domain import status as st
    assert sorted(STATUSES) == sorted(s.value for s in st.Status)
    assert set(ACTIONS) | {"call", "expire"} == set(st.ALLOWED_FROM)


def refused_message(action: str, status: str) -> re.Pattern:
    return re.compile(rf"^Cannot {re.escape(LABEL[action])} a ticket that is {status}\b")


# --------------------------------------------------------------------------- the service layer

class Services:
    """Drives the use cases the way a view does: one transaction per command, commit on success, rollback on
    a domain error."""

    def __init__(self, app):
        self.app = app
        self.now = MONDAY_0800_WIB

    def tick(self):
        self.now += timedelta(seconds=30)
        return self.now

    def _office(self):
        office = db.session.scalar(select(Office))
        return office, {s.code: s for s in office.services}, {c.number: c for c in office.counters}

    def issue(self) -> int:
        office, services, _ = self._office()
        t, _ = svc.issue_ticket(db.session, office=office, service=services[SERVICE], now=self.tick())
        db.session.commit()
        return t.id

    def call_next(self, number: int) -> int | None:
        _, _, counters = self._office()
        t, _ = svc.call_next(db.session, counter=counters[number], now=self.tick())
        tid = t.id if t is not None else None
        db.session.commit()
        return tid

    def act(self, action: str, ticket_id: int):
        """Returns the ticket's new status, or raises InvalidTransition (after the rollback)."""
        t = svc.get_ticket_for_update(db.session, ticket_id)
        now = self.tick()
        try:
            if action == "transfer":
                _, services, _ = self._office()
                svc.transfer(db.session, ticket=t, target=services[TARGET], now=now)
            else:
                getattr(svc, action)(db.session, ticket=t, now=now)
        except InvalidTransition:
            db.session.rollback()
            raise
        db.session.commit()
        return db.session.get(Ticket, ticket_id).status

    def close_day(self):
        office, _, _ = self._office()
        svc.close_day(db.session, office=office, now=self.tick(), include_today=True)
        db.session.commit()


def bring_to(driver, status: str) -> int:
    """A fresh ticket of ``SERVICE`` in ``status``, by the real path; counter HOLDER holds it when it is open."""
    tid = driver.issue()
    if status == "waiting":
        return tid
    if status == "expired":
        driver.close_day()
        return tid
    if status == "cancelled":
        driver.act("cancel", tid)
        return tid
    assert driver.call_next(HOLDER) == tid
    if status == "called":
        return tid
    if status == "no_show":  # requeued once, then a no-show for good
        assert driver.act("no_show", tid) == "waiting"
        assert driver.call_next(HOLDER) == tid
        assert driver.act("no_show", tid) == "no_show"
        return tid
    driver.act("start", tid)
    if status == "serving":
        return tid
    assert status == "done"
    driver.act("finish", tid)
    return tid


def snapshot(ticket_id: int) -> dict:
    """What a refused command must leave untouched: the row and its history."""
    t = db.session.get(Ticket, ticket_id)
    db.session.refresh(t)
    row = {c.key: getattr(t, c.key) for c in Ticket.__table__.columns}
    row["history"] = db.session.scalar(select(func.count(TicketEvent.id)).where(TicketEvent.ticket_id == ticket_id))
    return row


@pytest.mark.parametrize("action,status", CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_action_on_every_status_through_the_services(app, action, status):
    seed(app)
    with app.app_context():
        driver = Services(app)
        tid = bring_to(driver, status)
        assert db.session.get(Ticket, tid).status == status
        before = snapshot(tid)
        expected = ALLOWED[action].get(status)
        if expected is not None:
            assert driver.act(action, tid) == expected
            after = snapshot(tid)
            assert after["history"] == before["history"] + 1
            last = db.session.scalar(select(TicketEvent.action).where(TicketEvent.ticket_id == tid)
                                     .order_by(TicketEvent.id.desc()).limit(1))
            assert last == action
            if action == "transfer":
                assert after["service_id"] == db.session.scalar(select(Service.id).where(Service.code == TARGET))
                assert after["counter_id"] is None and after["code"] == before["code"]
        else:
            with pytest.raises(InvalidTransition) as refused:
                driver.act(action, tid)
            assert refused_message(action, status).search(refused.value.message), refused.value.message
            assert refused.value.status == 409 and refused.value.code == "invalid_transition"
            assert snapshot(tid) == before
        db.session.remove()


@pytest.mark.parametrize("status", STATUSES)
def test_call_next_hands_out_only_a_waiting_ticket_through_the_services(app, status):
    """The ``call`` row: another counter of the same service presses "call next" while the ticket is in
    ``status``; only a waiting ticket is called, and nothing else about it changes."""
    seed(app)
    with app.app_context():
        driver = Services(app)
        tid = bring_to(driver, status)
        before = snapshot(tid)
        got = driver.call_next(OTHER)
        after = snapshot(tid)
        if status == "waiting":
            assert got == tid and after["status"] == "called"
            assert after["counter_id"] == db.session.scalar(select(Counter.id).where(Counter.number == OTHER))
        else:
            assert got is None and after == before
        db.session.remove()


# --------------------------------------------------------------------------- the HTTP API

class Http:
    """The same steps through /api/v1 with a clerk's bearer token (kiosk token for issuing)."""

    PATHS = {"recall": "recall", "start": "start", "finish": "finish", "no_show": "no-show",
             "transfer": "transfer", "cancel": "cancel"}

    def __init__(self, app, data):
        self.app, self.data = app, data
        self.api = Api(app.test_client())
        self.tokens = tokens(data)
        self.counters = {c["number"]: c["id"] for c in data["counters"]}
        self.last: dict = {}

    def issue(self) -> int:
        r = self.api.post("/api/v1/offices/BKS/tickets", {"service": SERVICE}, token=self.tokens["petugas1"])
        assert r.status_code == 201, r.get_json()
        self.last = r.get_json()
        return self.last["id"]

    def call_next(self, number: int) -> int | None:
        r = self.api.post(f"/api/v1/counters/{self.counters[number]}/call-next",
                          token=self.tokens[f"petugas{number}"])
        assert r.status_code in (200, 204), r.get_json()
        return r.get_json()["id"] if r.status_code == 200 else None

    def post(self, action: str, ticket_id: int):
        body = {"service": TARGET} if action == "transfer" else None
        return self.api.post(f"/api/v1/tickets/{ticket_id}/{self.PATHS[action]}", body,
                             token=self.tokens[f"petugas{HOLDER}"])

    def act(self, action: str, ticket_id: int):
        r = self.post(action, ticket_id)
        assert r.status_code == 200, r.get_json()
        return r.get_json()["status"]

    def close_day(self):  # no HTTP command expires today's tickets (the rollover job does): the service does
        with self.app.app_context():
            office = db.session.scalar(select(Office))
            svc.close_day(db.session, office=office, now=MONDAY_0800_WIB + timedelta(hours=1), include_today=True)
            db.session.commit()
            db.session.remove()

    def public(self, token: str) -> dict:
        r = self.api.get(f"/api/v1/tickets/{token}")
        assert r.status_code == 200
        return r.get_json()


def _history(app, ticket_id: int) -> list[str]:
    with app.app_context():
        out = db.session.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == ticket_id)
                                 .order_by(TicketEvent.id)).all()
        db.session.remove()
    return list(out)


@pytest.mark.parametrize("action,status", CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_action_on_every_status_through_the_api(app, action, status):
    http = Http(app, seed(app))
    tid = bring_to(http, status)
    token = http.last["token"]
    before, history = http.public(token), _history(app, tid)
    assert before["status"] == status
    expected = ALLOWED[action].get(status)
    r = http.post(action, tid)
    body = r.get_json()
    if expected is not None:
        assert r.status_code == 200, body
        assert body["status"] == expected and body["id"] == tid and body["code"] == before["code"]
        assert http.public(token)["status"] == expected  # stored, not only answered
        assert _history(app, tid) == [*history, action]
        if action == "transfer":
            assert body["service"] == TARGET and body["counter"] is None
    else:
        assert r.status_code == 409, body
        assert body["error"] == "invalid_transition"
        assert refused_message(action, status).search(body["message"]), body["message"]
        assert http.public(token) == before  # what was stored stays stored
        assert _history(app, tid) == history


@pytest.mark.parametrize("status", STATUSES)
def test_call_next_hands_out_only_a_waiting_ticket_through_the_api(app, status):
    http = Http(app, seed(app))
    tid = bring_to(http, status)
    token = http.last["token"]
    before, history = http.public(token), _history(app, tid)
    got = http.call_next(OTHER)
    after = http.public(token)
    if status == "waiting":
        assert got == tid and after["status"] == "called" and after["counter"]["number"] == OTHER
    else:
        assert got is None and after == before and _history(app, tid) == history


# --------------------------------------------------------------------------- call next vs. the current ticket

#: What "call next" does to the counter's own current ticket: a ticket being served is finished (its clerk pressed
#: "next" after serving it); a ticket only *called*, never started, is never finished: the call is refused with
#: 409 ``previous_not_started`` and nothing changes, unless the request says ``previous: no_show`` (the no-show
#: rule: back in the queue once). Issue 11: N pressed twice must never close a citizen who was not served.
CURRENT_TICKET_AFTER_CALL_NEXT = {"called": None, "serving": "done"}
#: with ``previous: no_show``: a called ticket goes back to the queue; a ticket being served cannot be a no-show
CURRENT_TICKET_AFTER_NO_SHOW_AND_NEXT = {"called": "waiting", "serving": None}


@pytest.mark.parametrize("status", sorted(CURRENT_TICKET_AFTER_CALL_NEXT))
def test_call_next_effect_on_the_counters_current_ticket(app, status):
    http = Http(app, seed(app))
    tid = bring_to(http, status)
    token = http.last["token"]
    nxt = http.issue()
    before, history = http.public(token), _history(app, tid)
    expected = CURRENT_TICKET_AFTER_CALL_NEXT[status]
    if expected is None:
        r = http.api.post(f"/api/v1/counters/{http.counters[HOLDER]}/call-next", token=http.tokens[f"petugas{HOLDER}"])
        assert r.status_code == 409 and r.get_json()["error"] == "previous_not_started", r.get_json()
        assert http.public(token) == before and _history(app, tid) == history
        return
    assert http.call_next(HOLDER) == nxt
    after = http.public(token)
    assert after["id"] == tid and after["status"] == expected
    assert after["counter"] is None  # no longer shown as the counter's call


@pytest.mark.parametrize("status", sorted(CURRENT_TICKET_AFTER_NO_SHOW_AND_NEXT))
def test_call_next_with_previous_no_show(app, status):
    http = Http(app, seed(app))
    tid = bring_to(http, status)
    token = http.last["token"]
    nxt = http.issue()
    before, history = http.public(token), _history(app, tid)
    r = http.api.post(f"/api/v1/counters/{http.counters[HOLDER]}/call-next", {"previous": "no_show"},
                      token=http.tokens[f"petugas{HOLDER}"])
    if CURRENT_TICKET_AFTER_NO_SHOW_AND_NEXT[status] is None:
        assert r.status_code == 409 and r.get_json()["error"] == "invalid_transition", r.get_json()
        assert http.public(token) == before and _history(app, tid) == history
        return
    assert r.status_code == 200 and r.get_json()["id"] == nxt, r.get_json()
    after = http.public(token)
    assert after["id"] == tid and after["status"] == CURRENT_TICKET_AFTER_NO_SHOW_AND_NEXT[status]
    assert after["counter"] is None
