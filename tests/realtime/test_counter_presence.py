"""A counter counts as open while its console is open: the page's heartbeat keeps it open, a console that
went silent (browser closed without "Tutup loket") is closed by the ``counter-away`` job, and the next
heartbeat or call opens it again. Wait estimates follow."""
from __future__ import annotations

from queue_service import background, realtime
from queue_service.extensions import db, socketio
from queue_service.models import Counter, Office
from queue_service.services.waits import build_snapshot
from tests.realtime.conftest import login


def _counter(app, counter_id):
    with app.app_context():
        c = db.session.get(Counter, counter_id)
        return c.open_since, c.last_seen_at


def _run_job(app):
    with app.app_context():
        background.counter_away_job(app, app.config["CLOCK"].now())
        db.session.remove()


def _open_in_estimates(app, counter_id):
    with app.app_context():
        office = db.session.query(Office).filter_by(code="BKS").one()
        snap = build_snapshot(db.session, office, app.config["CLOCK"].now())
        return next(c.open for c in snap.counters if c.id == counter_id)


def test_heartbeat_keeps_a_counter_open_and_a_silent_one_closes(app, api, demo, counter_for):
    clock = app.config["CLOCK"]
    app.config["COUNTER_AWAY_SECONDS"] = 300
    kk, other = counter_for(demo, "KK"), counter_for(demo, "REKAM")
    c = app.test_client()
    csrf = login(c, demo, "petugas1")
    assert c.get(f"/counter?counter={kk['id']}").status_code == 200  # the clerk opens the console
    assert c.get(f"/counter?counter={other['id']}").status_code == 200  # and another counter (kept fresh)
    opened, seen = _counter(app, kk["id"])
    assert opened is not None and seen == opened
    display = socketio.test_client(app, auth={"token": api.tokens["display"]})

    assert c.post(f"/counter/{kk['id']}/heartbeat", json={}).status_code == 400  # no CSRF token
    clock.advance(minutes=4)
    for counter in (kk, other):
        assert c.post(f"/counter/{counter['id']}/heartbeat", json={}, headers={"X-CSRFToken": csrf}).status_code == 204
    assert _counter(app, kk["id"]) == (opened, clock.now())  # seen now, open since the start

    clock.advance(minutes=4)  # 4 minutes of silence: still open
    _run_job(app)
    assert _counter(app, kk["id"])[0] == opened and _open_in_estimates(app, kk["id"])

    assert c.post(f"/counter/{other['id']}/heartbeat", json={}, headers={"X-CSRFToken": csrf}).status_code == 204
    clock.advance(minutes=2)  # 6 minutes of silence for kk: the clerk is gone
    display.get_received()
    _run_job(app)
    assert _counter(app, kk["id"])[0] is None and not _open_in_estimates(app, kk["id"])
    assert _counter(app, other["id"])[0] is not None and _open_in_estimates(app, other["id"])
    assert realtime.wait_for_board_pushes(10)
    assert any(e["name"] == "queue_changed" for e in display.get_received())  # screens and estimates follow

    # the console comes back (a laptop that slept): its heartbeat reopens the counter
    assert c.post(f"/counter/{kk['id']}/heartbeat", json={}, headers={"X-CSRFToken": csrf}).status_code == 204
    assert _counter(app, kk["id"]) == (clock.now(), clock.now()) and _open_in_estimates(app, kk["id"])

    # a call is a sign of life too
    clock.advance(minutes=4)
    api.post("/api/v1/offices/BKS/tickets", {"service": "KK"}, token=api.tokens["petugas2"])
    assert api.post(f"/api/v1/counters/{kk['id']}/call-next", token=api.tokens["petugas1"]).status_code == 200
    assert _counter(app, kk["id"])[1] == clock.now()
    clock.advance(minutes=4)
    _run_job(app)
    assert _counter(app, kk["id"])[0] is not None


def test_heartbeat_is_for_the_clerks_own_office(app, api, demo, foreign_counter):
    foreign = foreign_counter
    c = app.test_client()
    csrf = login(c, demo, "petugas1")
    assert c.post(f"/counter/{foreign}/heartbeat", json={}, headers={"X-CSRFToken": csrf}).status_code == 403
    assert c.post("/counter/99999/heartbeat", json={}, headers={"X-CSRFToken": csrf}).status_code == 404
    with app.app_context():
        assert db.session.get(Counter, foreign).open_since is None
    assert app.test_client().post(f"/counter/{foreign}/heartbeat", json={}).status_code in (302, 400, 401)
