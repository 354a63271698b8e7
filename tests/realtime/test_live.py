"""Against the real server on 127.0.0.1: a python-socketio client on a ticket's room, and the whole path in
headless Chromium (kiosk press -> counter "call next" from the keyboard -> display and status page)."""
from __future__ import annotations

import threading

import requests
import socketio

from tests.plugins.browser import wait_js, assert_accessible, save_artifact


def _counter(s, service):
    return next(c for c in s.demo["counters"] if service in c["services"])


def test_status_client_hears_position_then_its_call(live_server):
    s = live_server
    h = {"Authorization": f"Bearer {s.tokens['kiosk']}"}
    first = requests.post(f"{s.url}/api/v1/offices/BKS/tickets", json={"service": "MATI"}, headers=h, timeout=10).json()
    mine = requests.post(f"{s.url}/api/v1/offices/BKS/tickets", json={"service": "MATI"},
                         headers={"Authorization": f"Bearer {s.tokens['petugas3']}"}, timeout=10).json()
    events, called = [], threading.Event()
    client = socketio.Client(reconnection=False)
    client.on("ticket_updated", lambda d: events.append(("ticket_updated", d)))

    @client.on("ticket_called")
    def _called(d):
        events.append(("ticket_called", d))
        called.set()

    client.connect(s.url, auth={"token": mine["token"]}, transports=["websocket"], wait_timeout=10)
    try:
        counter = _counter(s, "MATI")
        clerk = {"Authorization": f"Bearer {s.tokens['petugas1']}"}
        assert requests.post(f"{s.url}/api/v1/counters/{counter['id']}/call-next", headers=clerk,
                             timeout=10).json()["code"] == first["code"]
        moved_up = threading.Event()
        client.on("ticket_updated", lambda d: (events.append(("ticket_updated", d)),
                                               d["position"] == 0 and moved_up.set()))
        assert moved_up.wait(10) or any(d["position"] == 0 for n, d in events if n == "ticket_updated"), events
        assert requests.post(f"{s.url}/api/v1/tickets/{first['id']}/start", headers=clerk,  # served, so N
                             timeout=10).status_code == 200  # finishes it (a ticket only called it would not)
        assert requests.post(f"{s.url}/api/v1/counters/{counter['id']}/call-next", headers=clerk,
                             timeout=10).json()["code"] == mine["code"]
        assert called.wait(10), events
        updates = [d for n, d in events if n == "ticket_updated"]
        assert any(u["position"] == 0 and u["estimate"] is not None for u in updates), updates
        call = next(d for n, d in events if n == "ticket_called")
        assert call["id"] == mine["id"] and call["counter"]["number"] == counter["number"]
        assert all(d["id"] == mine["id"] for _, d in events)  # nothing about other tickets
    finally:
        client.disconnect()


def test_kiosk_to_counter_keyboard_to_display_and_status_page(live_server, browser):
    s = live_server
    ctx_tv = browser.new_context(viewport={"width": 1920, "height": 1080})
    ctx_phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    ctx_clerk = browser.new_context(viewport={"width": 1280, "height": 900})
    errors = []
    try:
        tv, phone, clerk = ctx_tv.new_page(), ctx_phone.new_page(), ctx_clerk.new_page()
        for p in (tv, phone, clerk):
            p.on("pageerror", lambda exc: errors.append(str(exc)))
            p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            p.set_default_timeout(15_000)

        tv.goto(f"{s.url}/display/BKS/pair?token={s.tokens['display']}")
        assert tv.url.endswith("/display/BKS")
        tv.wait_for_selector("#conn[data-state=connected]")

        # the kiosk press (issued through the API with the kiosk's token)
        r = requests.post(f"{s.url}/api/v1/offices/BKS/tickets", json={"service": "KK"},
                          headers={"Authorization": f"Bearer {s.tokens['kiosk']}"}, timeout=10)
        assert r.status_code == 201
        ticket = r.json()
        phone.goto(f"{s.url}/t/{ticket['token']}")
        assert phone.text_content("#ticket-code") == ticket["code"]
        assert phone.text_content("#ticket-ahead").strip() == "0"

        counter = _counter(s, "KK")
        s.login(clerk, "petugas1")
        with clerk.expect_response(lambda r: r.url.endswith(f"/counter/{counter['id']}/heartbeat")) as beat:
            clerk.goto(f"{s.url}/counter?counter={counter['id']}")
        assert beat.value.status == 204  # the console says at once that the clerk is at the counter
        clerk.wait_for_selector("#conn[data-state=connected]")
        wait_js(clerk, "document.querySelector('#waiting-rows').textContent.includes('1')")
        clerk.locator("body").press("n")  # the keyboard shortcut, no mouse
        clerk.wait_for_selector(f"#console[data-current='{ticket['code']}']")

        wait_js(tv, f"document.querySelector('#now').dataset.code === '{ticket['code']}'")
        assert tv.text_content("#now-counter").strip().endswith(str(counter["number"]))
        spoken = tv.get_attribute("#now", "data-announcement")
        assert spoken.startswith("Nomor antrean C nol nol satu, silakan menuju loket")
        phone.wait_for_selector("#call-banner:not([hidden])")
        assert phone.text_content("#call-text").strip() == f"Silakan menuju loket {counter['number']}"
        save_artifact(tv, "realtime-display-calling", full_page=False)
        save_artifact(phone, "realtime-status-called")

        # finish from the keyboard; a second tab of the same counter follows over Socket.IO
        clerk2 = ctx_clerk.new_page()
        clerk2.goto(f"{s.url}/counter?counter={counter['id']}")
        clerk2.wait_for_selector(f"#console[data-current='{ticket['code']}']")
        clerk.locator("body").press("f")
        clerk.wait_for_selector("#console[data-current='']")
        clerk2.wait_for_selector("#console[data-current='']")
        wait_js(clerk, "document.querySelector('#served-today').textContent === '1'")
        save_artifact(clerk, "realtime-counter-console")
        phone.wait_for_selector("#ticket[data-status=done]")
        assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
        # (the browser's own /favicon.ico request is a 404 the pages do not make)
        assert not [e for e in errors if not e.startswith("Failed to load resource")], errors
    finally:
        ctx_tv.close()
        ctx_phone.close()
        ctx_clerk.close()


def test_accessibility_of_counter_display_and_status(live_server, browser):
    s = live_server
    r = requests.post(f"{s.url}/api/v1/offices/BKS/tickets", json={"service": "REKAM"},
                      headers={"Authorization": f"Bearer {s.tokens['kiosk']}"}, timeout=10)
    assert r.status_code == 201, r.text
    ticket = r.json()
    counter = _counter(s, "REKAM")
    office = s.demo["office"]["name"]
    # (name, viewport, path, who signs in, the page it must be: URL path, <title> start, its <h1> and a landmark)
    checks = [("status", {"width": 390, "height": 844}, f"/t/{ticket['token']}", None,
               (f"/t/{ticket['token']}", f"{ticket['code']} · Status antrean", ticket["code"], "main#main")),
              ("display", {"width": 1920, "height": 1080}, f"/display/BKS/pair?token={s.tokens['display']}", None,
               ("/display/BKS", f"Layar antrean · {office}", office, "main#main #now[aria-labelledby=now-title]")),
              ("counter", {"width": 1280, "height": 900}, f"/counter?counter={counter['id']}", "petugas2",
               (f"/counter?counter={counter['id']}", f"Loket {counter['number']} · BKS", f"Loket {counter['number']}",
                "main#main #console"))]
    audited = []
    for name, viewport, path, user, (url_path, title, heading, landmark) in checks:
        ctx = browser.new_context(viewport=viewport, bypass_csp=True)  # axe is injected as a script tag
        try:
            page = ctx.new_page()
            if user:
                s.login(page, user)
                page.wait_for_url(lambda u: "/login" not in u)  # signed in, not back on the form
            page.goto(f"{s.url}{path}")
            page.wait_for_load_state("networkidle")
            # the page audited is the one named (not a sign-in form or an error page that happens to be clean)
            assert page.url == f"{s.url}{url_path}", page.url
            assert page.title().startswith(title), page.title()
            assert page.locator("h1").first.inner_text().strip().startswith(heading), page.locator("h1").first.inner_text()
            assert page.locator(landmark).count() == 1, f"{name}: no {landmark} on {page.url}"
            assert_accessible(page, artifact=f"realtime-a11y-{name}")
            audited.append(name)
        finally:
            ctx.close()
    assert audited == ["status", "display", "counter"]
