"""Socket.IO test-client tests: every event, the rooms, and refused connections."""
from __future__ import annotations

from queue_service import realtime
from queue_service.extensions import db, socketio
from queue_service.models import Device, Office
from tests.realtime.conftest import login

KIOSK_PATH = "/api/v1/offices/BKS/tickets"


def received(client, name=None):
    assert realtime.wait_for_board_pushes(10)  # queue_changed is sent by the office's board task
    events = client.get_received()
    return [e for e in events if name is None or e["name"] == name]


def by_name(events):
    out = {}
    for e in events:
        out.setdefault(e["name"], []).append(e["args"][0])
    return out


def test_each_event_reaches_the_right_rooms(app, api, demo, counter_for):
    display = socketio.test_client(app, auth={"token": api.tokens["display"]})
    kiosk = socketio.test_client(app, auth={"token": api.tokens["kiosk"]})
    staff_http = app.test_client()
    login(staff_http, demo, "petugas1")
    staff = socketio.test_client(app, flask_test_client=staff_http, auth={"office": "BKS"})
    assert display.is_connected() and kiosk.is_connected() and staff.is_connected()

    first = api.post(KIOSK_PATH, {"service": "KK"}, token=api.tokens["kiosk"]).get_json()
    second = api.post(KIOSK_PATH, {"service": "PINDAH"}, token=api.tokens["petugas2"]).get_json()
    mine = socketio.test_client(app, auth={"token": first["token"]})
    other = socketio.test_client(app, auth={"token": second["token"]})
    assert mine.is_connected() and other.is_connected()

    d = by_name(received(display))
    assert "ticket_issued" not in d  # displays hear what they show: calls and the board
    assert [t["code"] for t in by_name(received(staff))["ticket_issued"]] == ["C-001", "G-001"]
    board = d["queue_changed"][-1]
    waiting = {s["code"]: s["waiting"] for s in board["services"]}
    assert waiting["KK"] == 1 and waiting["PINDAH"] == 1 and board["waiting_total"] == 2
    assert len(board["counters"]) == 6 and board["office"] == "BKS"
    k = by_name(received(kiosk))
    assert "ticket_issued" not in k and k["queue_changed"][-1]["waiting_total"] == 2  # kiosks: counts only

    assert realtime.wait_for_eta_updates(10)
    received(mine), received(other)

    counter = counter_for(demo, "KK")  # Loket 4 serves KK and PINDAH: C-001 was first
    r = api.post(f"/api/v1/counters/{counter['id']}/call-next", token=api.tokens["petugas1"])
    assert r.get_json()["code"] == "C-001"
    called = by_name(received(display))
    call = called["ticket_called"][0]
    assert call["counter"]["number"] == counter["number"]
    assert call["announcement"]["id"] == (
        f"Nomor antrean C nol nol satu, silakan menuju loket {['nol', 'satu', 'dua', 'tiga', 'empat', 'lima', 'enam'][counter['number']]}")
    board = called["queue_changed"][-1]
    assert len(called["queue_changed"]) == 1  # one board per batch
    c4 = next(c for c in board["counters"] if c["id"] == counter["id"])
    assert c4["current"]["id"] == first["id"] and c4["current"]["code"] == "C-001"
    assert board["recent_calls"][0]["code"] == "C-001"
    m = by_name(received(mine))
    assert m["ticket_called"][0]["counter"]["number"] == counter["number"]
    assert "queue_changed" not in m  # the office board is not for citizens' phones
    assert "ticket_called" not in by_name(received(other))

    api.post(f"/api/v1/tickets/{first['id']}/recall", token=api.tokens["petugas1"])
    rec = by_name(received(display))["ticket_recalled"][0]
    assert rec["code"] == "C-001" and rec["announcement"]["id"].startswith("Nomor antrean C nol nol satu")
    assert by_name(received(mine))["ticket_recalled"]

    app.config["CLOCK"].advance(minutes=6)
    api.post(f"/api/v1/tickets/{first['id']}/finish", token=api.tokens["petugas1"])
    fin = by_name(received(display))
    assert "ticket_finished" not in fin
    c4 = next(c for c in fin["queue_changed"][-1]["counters"] if c["id"] == counter["id"])
    assert c4["current"] is None and c4["served_today"] == 1 and c4["mean_service_s"] == 360
    assert by_name(received(mine))["ticket_finished"][0]["id"] == first["id"]
    assert by_name(received(staff))["ticket_finished"][0]["status"] == "done"

    # ticket room: position/ETA updates computed in the background after queue_changed; a priority
    # ticket (strict policy) overtakes G-001, which hears its new position and estimate
    assert realtime.wait_for_eta_updates(10)
    received(other)
    p = api.post(KIOSK_PATH, {"service": "PINDAH", "priority": "lansia"}, token=api.tokens["petugas2"])
    assert p.status_code == 201, p.get_json()
    assert realtime.wait_for_eta_updates(10)
    upd = by_name(received(other)).get("ticket_updated", [])
    assert upd and upd[-1]["code"] == "G-001" and upd[-1]["position"] == 1
    assert set(upd[-1]["estimate"]) == {"minutes", "p10", "p90"}
    assert all(u["id"] == second["id"] for u in upd)  # a ticket room hears only its own ticket
    assert "ticket_updated" not in by_name(received(mine))  # finished tickets get no ETA pushes
    for c in (display, kiosk, staff, mine, other):
        c.disconnect()


def test_refused_connections(app, api, demo):
    with app.app_context():
        db.session.add(Office(code="KTB", name="Kota Bekasi"))
        db.session.commit()
    assert not socketio.test_client(app).is_connected()  # no credentials at all
    for auth in ({"token": "nope"}, {"token": 12345}, {"token": ["x"]}, "just a string", {"token": ""}):
        assert not socketio.test_client(app, auth=auth).is_connected(), auth
    http = app.test_client()
    login(http, demo, "petugas1")
    # staff may only ask for their own office's rooms
    assert not socketio.test_client(app, flask_test_client=http, auth={"office": "KTB"}).is_connected()
    assert not socketio.test_client(app, flask_test_client=http, auth={"office": "NOPE"}).is_connected()
    ok = socketio.test_client(app, flask_test_client=http, auth={"office": "BKS"})
    assert ok.is_connected()
    ok.disconnect()
    # a revoked display token is refused, by auth and by cookie
    with app.app_context():
        dev = db.session.query(Device).filter_by(kind="display").one()
        from datetime import datetime, timezone
        dev.revoked_at = datetime.now(timezone.utc)
        db.session.commit()
    assert not socketio.test_client(app, auth={"token": api.tokens["display"]}).is_connected()
    tv = app.test_client()
    tv.set_cookie("adminduk_device", api.tokens["display"])
    assert not socketio.test_client(app, flask_test_client=tv).is_connected()


def test_paired_display_cookie_joins_the_display_room(app, api, demo, counter_for):
    tv = app.test_client()
    r = tv.get(f"/display/BKS/pair?token={api.tokens['display']}")
    assert r.status_code == 302
    sock = socketio.test_client(app, flask_test_client=tv)  # no auth: the httponly cookie is enough
    assert sock.is_connected()
    api.post(KIOSK_PATH, {"service": "REKAM"}, token=api.tokens["kiosk"])
    api.post(f"/api/v1/counters/{counter_for(demo, 'REKAM')['id']}/call-next", token=api.tokens["petugas1"])
    names = [e["name"] for e in received(sock)]
    assert "ticket_called" in names and "queue_changed" in names
    sock.disconnect()
