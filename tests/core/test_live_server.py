"""A real python-socketio client against the app served on 127.0.0.1 receives a call."""
from __future__ import annotations

import threading

import requests
import socketio


def test_display_client_hears_a_call_made_over_http(live_server):
    s = live_server
    received, got = [], threading.Event()
    client = socketio.Client(reconnection=False)

    @client.on("ticket_called")
    def _called(data):
        received.append(data)
        got.set()

    client.connect(s.url, auth={"token": s.tokens["display"]}, transports=["websocket"], wait_timeout=10)
    try:
        h = {"Authorization": f"Bearer {s.tokens['kiosk']}"}
        r = requests.post(f"{s.url}/api/v1/offices/BKS/tickets", json={"service": "KK"}, headers=h, timeout=10)
        assert r.status_code == 201, r.text
        counter = next(c for c in s.demo["counters"] if "KK" in c["services"])
        r = requests.post(f"{s.url}/api/v1/counters/{counter['id']}/call-next",
                          headers={"Authorization": f"Bearer {s.tokens['petugas1']}"}, timeout=10)
        assert r.status_code == 200, r.text
        assert got.wait(10), "the display never heard the call"
        assert received[0]["code"] == "C-001"
        assert received[0]["counter"]["number"] == counter["number"]
    finally:
        client.disconnect()


def test_unknown_token_is_refused(live_server):
    client = socketio.Client(reconnection=False)
    try:
        client.connect(live_server.url, auth={"token": "nope"}, transports=["websocket"], wait_timeout=5)
    except socketio.exceptions.ConnectionError as exc:
        assert "unauthorized" in str(exc).lower() or exc
    else:
        client.disconnect()
        raise AssertionError("connection with an unknown token was accepted")
