"""Counter console, display pairing and screen, status page, and wait estimates from the database."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from queue_service.extensions import db
from queue_service.models import Counter, Office, Ticket
from queue_service.services import tickets as svc
from queue_service.services.waits import build_snapshot, estimate_office, estimate_ticket
from tests.realtime.conftest import login

KIOSK_PATH = "/api/v1/offices/BKS/tickets"


def json_block(html: str, element_id: str):
    m = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert m, element_id
    return json.loads(m.group(1))


def test_counter_console_pages_and_office_isolation(app, api, demo, counter_for, foreign_counter):
    foreign = foreign_counter
    anon = app.test_client()
    assert anon.get("/counter").status_code == 302  # to the login page
    c = app.test_client()
    csrf = login(c, demo, "petugas1")
    page = c.get("/counter").get_data(as_text=True)
    assert "Loket 4" in page and "Kota Bekasi" not in page
    assert c.get(f"/counter?counter={foreign}").status_code == 403
    assert c.get(f"/counter/{foreign}/state").status_code == 403
    assert c.get("/counter?counter=abc").status_code == 404
    assert c.get("/counter?counter=99999999999").status_code == 404
    kk = counter_for(demo, "KK")
    t = api.post(KIOSK_PATH, {"service": "KK"}, token=api.tokens["kiosk"]).get_json()
    html = c.get(f"/counter?counter={kk['id']}").get_data(as_text=True)
    for hint in ('aria-keyshortcuts="N"', "<kbd>F</kbd>", "Panggil berikutnya", "Alihkan ke layanan"):
        assert hint in html
    state = json_block(html, "counter-state")
    assert state["counter"]["services"] == ["KK", "PINDAH"] and state["current"] is None
    with app.app_context():
        assert db.session.get(Counter, kk["id"]).open_since is not None  # the clerk is at the counter
    # a command through the API with the session + CSRF, as the console's script sends it
    r = c.post(f"/api/v1/counters/{kk['id']}/call-next", json={}, headers={"X-CSRFToken": csrf})
    assert r.status_code == 200 and r.get_json()["code"] == t["code"]
    assert c.post(f"/api/v1/counters/{kk['id']}/call-next", json={}).status_code == 400  # no CSRF token
    st = c.get(f"/counter/{kk['id']}/state").get_json()
    assert st["current"]["code"] == "C-001" and st["current"]["status"] == "called"
    # closing the counter: it no longer counts as open
    assert c.post(f"/counter/{kk['id']}/close", data={}).status_code == 400  # CSRF
    assert c.post(f"/counter/{kk['id']}/close", data={"csrf_token": csrf}).status_code == 302
    with app.app_context():
        assert db.session.get(Counter, kk["id"]).open_since is None


def test_display_pairing_screen_and_filter(app, api, demo):
    tv = app.test_client()
    assert tv.get("/display/BKS").status_code == 401
    assert tv.get("/display/BKS/pair?token=wrong").status_code == 403
    assert tv.get(f"/display/BKS/pair?token={api.tokens['kiosk']}").status_code == 403  # a kiosk is no TV
    assert tv.get(f"/display/NOPE/pair?token={api.tokens['display']}").status_code == 404
    r = tv.get(f"/display/BKS/pair?token={api.tokens['display']}&services=KK,REKAM&counters=4")
    assert r.status_code == 302 and api.tokens["display"] not in r.headers["Location"]
    cookie = r.headers["Set-Cookie"]
    assert "adminduk_device=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    html = tv.get(r.headers["Location"]).get_data(as_text=True)
    cfg = json_block(html, "display-config")
    assert cfg["filter"] == {"services": ["KK", "REKAM"], "counters": [4]}
    assert cfg["office"]["zone"] == "WIB" and cfg["office"]["timezone"] == "Asia/Jakarta"
    assert "GRATIS" in html  # the office's scrolling information text
    assert cfg["chime"].endswith("sounds/chime.wav") and tv.get(cfg["chime"]).status_code == 200
    # the resync endpoint accepts the cookie-authenticated display
    q = tv.get("/api/v1/offices/BKS/queue")
    assert q.status_code == 200 and q.get_json()["office"] == "BKS"
    # the device's own filter applies when the address has none
    with app.app_context():
        from queue_service.models import Device
        dev = db.session.query(Device).filter_by(kind="display").one()
        dev.filter_services, dev.filter_counters = "CETAK", "3, x"
        db.session.commit()
    cfg = json_block(tv.get("/display/BKS").get_data(as_text=True), "display-config")
    assert cfg["filter"] == {"services": ["CETAK"], "counters": [3]}


def test_status_page_before_and_after_the_call(app, api, demo, counter_for):
    t1 = api.post(KIOSK_PATH, {"service": "KK"}, token=api.tokens["kiosk"]).get_json()
    t2 = api.post(KIOSK_PATH, {"service": "KK"}, token=api.tokens["petugas2"]).get_json()
    c = app.test_client()
    html = c.get(f"/t/{t2['token']}").get_data(as_text=True)
    data = json_block(html, "status-state")["ticket"]
    assert data["code"] == "C-002" and data["status"] == "waiting" and data["position"] == 1
    assert data["estimate"] and data["estimate"]["p10"] <= data["estimate"]["minutes"] <= data["estimate"]["p90"]
    assert 'id="ticket-ahead">1<' in html and "Perkiraan waktu tunggu" in html
    # no staff and no personal data: no user name, no NIK-like number (the page's words may mention "petugas"
    # and "NIK": the feedback panel's questionnaire asks about the staff and warns not to type a NIK)
    assert [u["username"] for u in demo["users"] if re.search(rf"\b{re.escape(u['username'])}\b", html)] == []
    assert re.search(r"(?<!\d)\d{16}(?!\d)", html) is None
    assert c.get("/t/doesnotexist").status_code == 404 and c.get("/t/x").status_code == 404
    kk = counter_for(demo, "KK")
    api.post(f"/api/v1/counters/{kk['id']}/call-next", token=api.tokens["petugas1"])
    api.post(f"/api/v1/tickets/{t1['id']}/start", token=api.tokens["petugas1"])
    api.post(f"/api/v1/counters/{kk['id']}/call-next", token=api.tokens["petugas1"])  # finishes C-001
    html = c.get(f"/t/{t2['token']}").get_data(as_text=True)  # correct on a reload without JS
    assert f"Silakan menuju loket {kk['number']}" in html and 'data-status="called"' in html
    assert 'id="call-banner" role="alert" hidden' not in html
    html = c.get(f"/t/{t1['token']}?lang=en").get_data(as_text=True)
    assert "Done" in html or "Selesai" in html


def test_wait_estimates_follow_counters_history_and_queue(app, api, demo, clock):
    now = clock.now()
    with app.app_context():
        s = db.session
        office = s.query(Office).filter_by(code="BKS").one()
        kk = next(x for x in office.services if x.code == "KK")
        # yesterday: ten KK tickets of 5 minutes each at counter 4
        c4 = next(c for c in office.counters if c.number == 4)
        yesterday = now - timedelta(days=1)
        for i in range(10):
            t, _ = svc.issue_ticket(s, office=office, service=kk, now=yesterday)
            t.status, t.counter_id = "done", c4.id
            t.called_at = yesterday + timedelta(minutes=5 * i)
            t.finished_at = t.called_at + timedelta(minutes=5)
        s.commit()
        tickets = [svc.issue_ticket(s, office=office, service=kk, now=now)[0] for _ in range(6)]
        s.commit()
        snap = build_snapshot(s, office, now)
        assert snap.service_times[kk.id] == [300.0] * 10
        assert len(snap.waiting) == 6 and all(c.open for c in snap.counters)  # nobody staffed: all active
        est = estimate_office(s, office, now)
        minutes = [est[t.id]["minutes"] for t in tickets]
        assert minutes == sorted(minutes) and minutes[0] == 0 and minutes[-1] > 0
        # two counters serve KK (4 and 6): the 6th ticket waits about (5 ahead / 2 counters) x 5 min
        assert 10 <= est[tickets[-1].id]["minutes"] <= 15
        assert estimate_ticket(s, tickets[-1], now) == est[tickets[-1].id]
        # only counter 4 staffed now: KK has one counter, waits grow
        c4.open_since = now
        s.commit()
        one = estimate_ticket(s, tickets[-1], now)
        assert one["minutes"] >= 24
        # only counter 1 (REKAM) staffed: nobody serves KK -> no estimate
        c4.open_since = None
        next(c for c in office.counters if c.number == 1).open_since = now
        s.commit()
        assert estimate_ticket(s, tickets[-1], now) is None
        called = s.get(Ticket, tickets[0].id)
        called.status = "called"
        s.commit()
        assert estimate_ticket(s, called, now) is None
