"""The estimates a live status page is pushed are recorded too (issue 12), thinned: a page open for an hour
with a change every few seconds writes a record at most every 5 minutes, and only for pages that listen."""
from __future__ import annotations

from sqlalchemy import select

from queue_service import realtime
from queue_service.extensions import db, socketio
from queue_service.models import WaitEstimate

KIOSK_PATH = "/api/v1/offices/BKS/tickets"


def _sources(app, ticket_id):
    with app.app_context():
        try:
            return db.session.scalars(select(WaitEstimate.source).where(WaitEstimate.ticket_id == ticket_id)
                                      .order_by(WaitEstimate.id)).all()
        finally:
            db.session.remove()


def test_pushed_estimates_are_recorded_at_most_every_five_minutes(app, api, demo, clock):
    listening = api.post(KIOSK_PATH, {"service": "KK"}, token=api.tokens["kiosk"]).get_json()
    silent = api.post(KIOSK_PATH, {"service": "PINDAH"}, token=api.tokens["kiosk"]).get_json()
    assert silent["id"] != listening["id"]
    assert realtime.wait_for_eta_updates(10)
    page = socketio.test_client(app, auth={"token": listening["token"]})
    assert page.is_connected()
    api.post(KIOSK_PATH, {"service": "REKAM"}, token=api.tokens["petugas1"])  # a change: a push at 08:00
    assert realtime.wait_for_eta_updates(10)
    assert _sources(app, listening["id"]) == ["issue"]  # what the kiosk showed a moment ago is still fresh

    clock.advance(minutes=5, seconds=1)
    for _ in range(4):  # changes every few seconds: one push each, one record
        api.post(KIOSK_PATH, {"service": "KK"}, token=api.tokens["petugas1"])
        assert realtime.wait_for_eta_updates(10)
        clock.advance(seconds=20)
    assert _sources(app, listening["id"]) == ["issue", "push"]
    assert _sources(app, silent["id"]) == ["issue"]  # nobody looks at that ticket's page
    pushed = [e for e in page.get_received() if e["name"] == "ticket_updated"]
    assert pushed and pushed[-1]["args"][0]["estimate"] is not None
    with app.app_context():
        row = db.session.scalar(select(WaitEstimate).where(WaitEstimate.ticket_id == listening["id"],
                                                           WaitEstimate.source == "push"))
        figures = [e["args"][0]["estimate"] for e in pushed]
        assert {"minutes": row.minutes, "p10": row.low, "p90": row.high} in figures  # what the page was sent
        db.session.remove()
    clock.advance(minutes=5)
    api.post(KIOSK_PATH, {"service": "KK"}, token=api.tokens["petugas1"])
    assert realtime.wait_for_eta_updates(10)
    assert _sources(app, listening["id"]) == ["issue", "push", "push"]
