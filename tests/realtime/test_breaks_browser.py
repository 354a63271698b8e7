"""The counter console's break ("Istirahat sampai 13:00") with the keyboard alone, in real Chromium, and the
managers' accuracy page, both checked with axe-core (issue 12)."""
from __future__ import annotations

import pytest
import requests

from queue_service.extensions import db
from queue_service.models import Counter
from tests.plugins.browser import assert_accessible, save_artifact, wait_js

pytestmark = [pytest.mark.browser]


def _counter(s, number):
    return next(c for c in s.demo["counters"] if c["number"] == number)


def _break_until(s, counter_id):
    with s.app.app_context():
        try:
            return db.session.get(Counter, counter_id).break_until
        finally:
            db.session.remove()


def test_break_dialog_with_the_keyboard_alone(live_server, browser):
    s = live_server
    counter = _counter(s, 3)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)  # axe is a script tag
    errors = []
    try:
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.set_default_timeout(15_000)
        s.login(page, "petugas3")
        page.goto(f"{s.url}/counter?counter={counter['id']}")
        page.wait_for_selector("#conn[data-state=connected]")

        page.locator("body").press("b")  # the shortcut opens the dialog, focus in the time field
        page.wait_for_selector("#break-dialog[open]")
        assert page.evaluate("document.activeElement.id") == "break-until"
        default = page.input_value("#break-until")
        assert len(default) == 5 and default[2] == ":"
        assert_accessible(page, artifact="break-dialog-a11y")
        page.keyboard.press("n")  # the console's shortcuts are off while the dialog is open
        page.keyboard.press("Escape")  # Esc closes it, focus goes back to its button
        page.wait_for_function("!document.getElementById('break-dialog').open")
        assert page.evaluate("document.activeElement.id") == "break-open"
        assert page.get_attribute("#console", "data-current") == ""  # "n" called nobody

        page.keyboard.press("Enter")  # the focused button opens it again
        page.wait_for_selector("#break-dialog[open]")
        for _ in range(4):  # through the time field's parts (hours, minutes, maybe AM/PM) to "Mulai istirahat"
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") != "break-until":
                break
        assert page.evaluate("document.activeElement.id") == "break-submit"
        page.keyboard.press("Enter")
        page.wait_for_function("!document.getElementById('break-dialog').open")
        page.wait_for_selector("#break-panel[data-on-break=true]")
        assert page.text_content("#break-status").strip() == f"Istirahat sampai {default} WIB"
        assert page.evaluate("document.activeElement.id") == "resume-button"
        assert page.is_hidden("#break-open") and _break_until(s, counter["id"]) is not None
        save_artifact(page, "counter-on-break")
        assert_accessible(page, artifact="counter-on-break-a11y")

        # another tab of the same counter sees the break (board push), and a display shows it
        tab2 = ctx.new_page()
        tab2.goto(f"{s.url}/counter?counter={counter['id']}")
        assert tab2.text_content("#break-status").strip() == f"Istirahat sampai {default} WIB"
        tv = ctx.new_page()
        tv.goto(f"{s.url}/display/BKS/pair?token={s.tokens['display']}")
        tv.wait_for_function("document.querySelector('#breaks-line').textContent.includes('Loket 3')")
        assert default in tv.text_content("#breaks-line")

        page.keyboard.press("Enter")  # "Kembali"
        page.wait_for_selector("#break-panel[data-on-break=false]")
        assert page.evaluate("document.activeElement.id") == "break-open"
        assert _break_until(s, counter["id"]) is None
        tab2.wait_for_selector("#break-panel[data-on-break=false]")
        tv.wait_for_function("document.querySelector('#breaks-line').textContent === ''")

        # on a break again, then "n" calls the next citizen and ends the break
        requests.post(f"{s.url}/api/v1/offices/BKS/tickets", json={"service": "CETAK"},
                      headers={"Authorization": f"Bearer {s.tokens['kiosk']}"}, timeout=10).raise_for_status()
        page.keyboard.press("Enter")
        page.wait_for_selector("#break-dialog[open]")
        page.keyboard.press("Enter")  # Enter in the time field submits the form
        page.wait_for_selector("#break-panel[data-on-break=true]")
        page.locator("body").press("n")
        page.wait_for_function("document.querySelector('#console').dataset.current !== ''")
        page.wait_for_selector("#break-panel[data-on-break=false]")
        assert _break_until(s, counter["id"]) is None
        assert not errors, errors
    finally:
        ctx.close()


def test_a_read_that_crosses_a_push_never_brings_the_break_back_on_the_display(live_server, browser):
    """A display that connected while a clerk ended a break kept "Loket 3 istirahat" on screen: its resync read
    (made before the change) answered after the change's push and painted the older board. Here the display's
    read is held until the push has arrived, then answered with what it read: the screen must keep the push."""
    s = live_server
    counter = _counter(s, 3)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        s.login(page, "petugas3")
        page.goto(f"{s.url}/counter?counter={counter['id']}")
        page.wait_for_selector("#conn[data-state=connected]")
        page.locator("body").press("b")
        page.wait_for_selector("#break-dialog[open]")
        page.keyboard.press("Enter")  # the proposed time
        page.wait_for_selector("#break-panel[data-on-break=true]")
        assert page.evaluate("document.activeElement.id") == "resume-button"

        held = []  # (route, response read while the counter was still on its break)

        def hold(route):
            if held:  # only the first read is held
                route.continue_()
            else:
                held.append((route, route.fetch()))

        tv = ctx.new_page()
        tv.set_default_timeout(15_000)
        tv.route("**/api/v1/offices/BKS/queue", hold)
        tv.goto(f"{s.url}/display/BKS/pair?token={s.tokens['display']}")
        wait_js(tv, "() => document.querySelector('#breaks-line').textContent.includes('Loket 3')")
        for _ in range(300):  # the read made when the socket connected, held (bounded wait)
            if held:
                break
            tv.wait_for_timeout(50)
        assert held, "the display made no read when its socket connected"

        page.keyboard.press("Enter")  # "Kembali": the break ends, the board is pushed
        page.wait_for_selector("#break-panel[data-on-break=false]")
        wait_js(tv, "() => document.querySelector('#breaks-line').textContent === ''")
        route, stale = held[0]
        with tv.expect_response("**/api/v1/offices/BKS/queue"):
            route.fulfill(response=stale)  # the old read answers now
        tv.evaluate("() => new Promise(r => setTimeout(r, 50))")  # its then() has run
        assert tv.text_content("#breaks-line") == "", "the display went back to the board before the push"
    finally:
        ctx.close()


def test_accuracy_page_is_accessible(live_server, browser):
    s = live_server
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        page = ctx.new_page()
        s.login(page, "manajer")
        page.goto(f"{s.url}/manager/BKS")
        page.click("text=Ketepatan perkiraan waktu tunggu")
        page.wait_for_url("**/manager/BKS/wait-estimates")
        assert page.text_content("h1").startswith("Ketepatan perkiraan waktu tunggu")
        assert_accessible(page, artifact="accuracy-page-a11y")
        page.goto(f"{s.url}/lang/en?next=/manager/BKS/wait-estimates")
        assert page.text_content("h1").startswith("How accurate the wait estimates were")
        assert_accessible(page, artifact="accuracy-page-en-a11y")
    finally:
        ctx.close()
