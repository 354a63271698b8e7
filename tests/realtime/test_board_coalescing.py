"""The office board (queue_changed) is pushed from a background task, coalesced per office; calls are not."""
from __future__ import annotations

import time

from queue_service import realtime
from queue_service.extensions import socketio

ISSUE = "/api/v1/offices/BKS/tickets"


def _names(events):
    return [e["name"] for e in events]


def test_board_pushes_coalesce_and_converge_calls_stay_immediate(app, api, demo, counter_for):
    app.config["LIVE_BOARD_INTERVAL"] = 0.3
    display = socketio.test_client(app, auth={"token": api.tokens["display"]})
    staff = socketio.test_client(app, auth={"token": api.tokens["petugas1"]})  # a staff script: every event
    assert display.is_connected() and staff.is_connected()
    assert realtime.wait_for_board_pushes(10)  # nothing left over from an earlier test goes out meanwhile
    display.get_received(), staff.get_received()
    t0 = time.monotonic()
    for k in range(12):
        assert api.post(ISSUE, {"service": "REKAM"}, token=api.tokens["petugas1"]).status_code == 201
    elapsed = time.monotonic() - t0
    assert realtime.wait_for_board_pushes(10)
    events = display.get_received()
    boards = [e["args"][0] for e in events if e["name"] == "queue_changed"]
    assert _names(staff.get_received()).count("ticket_issued") == 12  # per-ticket events are not coalesced
    assert 1 <= len(boards) <= int(elapsed / 0.3) + 2 and len(boards) < 12, (len(boards), elapsed)
    assert boards[-1]["waiting_total"] == 12  # the last board is the state after the last change

    counter = counter_for(demo, "REKAM")
    r = api.post(f"/api/v1/counters/{counter['id']}/call-next", token=api.tokens["petugas1"])
    assert r.status_code == 200
    immediate = display.get_received()  # right after the command: the call is there, the board may not be
    call = next(e["args"][0] for e in immediate if e["name"] == "ticket_called")
    assert call["code"] == r.get_json()["code"] and call["announcement"]["id"].startswith("Nomor antrean")
    assert realtime.wait_for_board_pushes(10)
    later = [e["args"][0] for e in immediate + display.get_received() if e["name"] == "queue_changed"]
    assert later, "a board follows the call"
    mine = next(c for c in later[-1]["counters"] if c["id"] == counter["id"])
    assert mine["current"]["code"] == call["code"] and later[-1]["waiting_total"] == 11
    display.disconnect()
