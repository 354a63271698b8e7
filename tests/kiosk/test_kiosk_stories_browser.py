"""The kiosk as citizens found it in a real browser: a second press within the double-press window showed the same
ticket as new under "Silakan ambil tiket Anda" while nothing new printed; the ticket left the screen after 10 s
(short for an elderly citizen to scan the QR); a priority ticket did not say "Prioritas"; the waiting counts on
the buttons lagged 10-20 s. Headless Chromium against the real server."""
from __future__ import annotations

import json

import requests
from sqlalchemy import func, select

from printjobs.models import PrintJob
from queue_service.extensions import db
from tests.plugins.browser import wait_js, assert_accessible, save_artifact
from tests.printers.test_agent import MONDAY_0900_WIB, RunningClock


def _jobs(s) -> int:
    with s.app.app_context():
        n = db.session.scalar(select(func.count(PrintJob.id)))
        db.session.remove()
        return n


def _kiosk(s, context):
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.clock.install()  # real time flows; fast_forward jumps ahead (the screen's reset and countdown)
    page.goto(f"{s.url}/kiosk/pair?token={s.tokens['kiosk']}")
    page.wait_for_selector(".service[data-service=KK]")
    return page, errors


def _setup(s):
    s.app.config["CLOCK"] = RunningClock(MONDAY_0900_WIB)
    s.app.config["KIOSK_DOUBLE_PRESS_SECONDS"] = 60  # the window, wide enough for a test machine


def _issue_at_desk(s, service):
    r = requests.post(f"{s.url}/api/v1/offices/BKS/tickets", json={"service": service},
                      headers={"Authorization": f"Bearer {s.tokens['petugas2']}"}, timeout=10)
    assert r.status_code == 201


def test_waiting_counts_follow_the_queue_at_once(live_server, browser):
    s = live_server
    _setup(s)
    context = browser.new_context(viewport={"width": 1080, "height": 1920})
    try:
        page, errors = _kiosk(s, context)
        # over the kiosk's socket: the state reads are blocked here, so only a push can change the count
        page.wait_for_selector("body[data-live=true]", timeout=10_000)
        page.route("**/api/v1/kiosk/state", lambda route: route.abort())
        assert page.text_content('.service[data-service=KK] [data-role="waiting"]') == "0 menunggu"
        _issue_at_desk(s, "KK")  # two citizens at the information desk
        _issue_at_desk(s, "KK")
        wait_js(page, "() => document.querySelector('.service[data-service=KK] [data-role=waiting]')"
                      ".textContent === '2 menunggu'", timeout=10_000)
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        context.close()


def test_a_second_press_shows_the_servers_message_and_prints_nothing(live_server, browser):
    s = live_server
    _setup(s)
    context = browser.new_context(viewport={"width": 1080, "height": 1920})
    try:
        page, errors = _kiosk(s, context)
        page.click(".service[data-service=REKAM]")
        page.wait_for_selector("#ticket:not([hidden])")
        first = page.text_content("#ticket-code")
        assert page.text_content("#ticket-title") == "Nomor antrean Anda" and page.is_hidden("#ticket-priority")
        assert _jobs(s) == 1
        page.click("#ticket [data-close]")  # "Selesai"
        page.wait_for_selector("#ticket", state="hidden")
        # the same button again within the window: the server's message, nothing new printed
        page.click(".service[data-service=REKAM]")
        page.wait_for_selector("#ticket:not([hidden])")
        page.wait_for_timeout(1500)  # (today's page polls the original print job meanwhile)
        assert page.text_content("#ticket-code") == first
        assert page.text_content("#ticket-title") == "Tiket ini sudah dibuat untuk Anda."
        said = page.text_content("#ticket-print")
        assert said.startswith(f"Tombol ini baru saja ditekan: tiket {first} sudah dibuat"), said
        assert "tidak dicetak lagi" in said and "Silakan ambil tiket Anda" not in page.inner_text("#ticket")
        assert _jobs(s) == 1
        save_artifact(page, "kiosk-double-press", full_page=False)
        assert not [e for e in errors if not e.startswith("Failed to load resource")], errors
    finally:
        context.close()


def test_the_ticket_stays_30_seconds_with_a_countdown(live_server, browser):
    s = live_server
    _setup(s)
    context = browser.new_context(viewport={"width": 1080, "height": 1920})
    try:
        page, errors = _kiosk(s, context)
        assert json.loads(page.text_content("#kiosk-config"))["resetSeconds"] >= 30
        # (the second press of the same button: a ticket screen with no print job to follow)
        page.click(".service[data-service=KK]")
        page.wait_for_selector("#ticket:not([hidden])")
        page.click("#ticket [data-close]")
        page.click(".service[data-service=KK]")
        page.wait_for_selector("#ticket:not([hidden])")
        page.clock.fast_forward(20_000)
        assert page.is_visible("#ticket") and page.is_visible("#ticket [data-close]")  # "Selesai" ends it sooner
        assert page.text_content("#ticket [data-countdown]") in (
            "Layar kembali ke awal dalam 10 detik.", "Layar kembali ke awal dalam 9 detik.")
        page.clock.fast_forward(11_000)
        page.wait_for_selector("#ticket", state="hidden")
    finally:
        context.close()


def test_a_priority_ticket_says_prioritas_and_for_whom(live_server, browser):
    s = live_server
    _setup(s)
    context = browser.new_context(viewport={"width": 1080, "height": 1920})
    try:
        page, errors = _kiosk(s, context)
        page.click("#priority-open")
        page.click(".priority-choice[data-group=lansia]")
        page.click(".service[data-service=KK]")
        page.wait_for_selector("#ticket:not([hidden])")
        assert page.text_content("#ticket-code").startswith("P-")
        assert page.text_content("#ticket-priority") == "Prioritas: Lansia" and page.is_visible("#ticket-priority")
        save_artifact(page, "kiosk-priority-ticket", full_page=False)
        assert not [e for e in errors if not e.startswith("Failed to load resource")], errors
    finally:
        context.close()


def test_kiosk_ticket_screens_are_accessible(live_server, browser):
    s = live_server
    _setup(s)
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)  # axe as a script
    try:
        page, _ = _kiosk(s, context)
        page.click("#priority-open")
        page.click(".priority-choice[data-group=ibu_hamil]")
        page.click(".service[data-service=KK]")
        page.wait_for_selector("#ticket:not([hidden])")
        assert page.text_content("#ticket-priority") == "Prioritas: Ibu hamil"
        assert_accessible(page, artifact="kiosk-a11y-priority-ticket")
        page.click("#ticket [data-close]")
        page.click("#priority-open")
        page.click(".priority-choice[data-group=ibu_hamil]")
        page.click(".service[data-service=KK]")
        page.wait_for_selector("#ticket.duplicate:not([hidden])")
        assert_accessible(page, artifact="kiosk-a11y-double-press")
        page.goto(f"{s.url}/kiosk?lang=en")
        page.click(".service[data-service=KK]")
        page.wait_for_selector("#ticket:not([hidden])")
        assert page.text_content("#ticket [data-countdown]").startswith("The screen goes back to the start in")
    finally:
        context.close()


def _kiosk_prints_to(s, uri):
    from queue_service.models import Device
    s.app.config.update(PRINTER_TCP_ALLOW_LOCAL=True, PRINTER_TCP_PORTS=["1024-65535"])
    with s.app.app_context():
        kiosk = db.session.scalar(select(Device).where(Device.kind == "kiosk"))
        kiosk.printer_uri = uri
        db.session.commit()
        db.session.remove()


def _run_print_worker(s):
    from printjobs import worker
    with s.app.app_context():
        assert worker.process_due_jobs(s.app) >= 1
        db.session.remove()


def test_the_print_outcome_comes_over_the_socket(live_server, browser):
    """print_done / print_failed were emitted to the kiosks and nobody listened, while the page read its job every
    second. The job reads are blocked here once the ticket is on screen: only the push can tell the outcome."""
    from tests.plugins.printer import TcpPrinter, PAPER_OUT

    s = live_server
    _setup(s)
    printer = TcpPrinter().start()
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, bypass_csp=True)  # (axe)
    try:
        _kiosk_prints_to(s, printer.uri)
        page, errors = _kiosk(s, context)
        page.wait_for_selector("body[data-live=true]", timeout=10_000)
        reads: list[str] = []
        page.on("request", lambda r: reads.append(r.url) if "/api/v1/print-jobs/" in r.url else None)
        with page.expect_response(lambda r: "/api/v1/print-jobs/" in r.url):
            page.click(".service[data-service=REKAM]")  # the job is read once as it is followed
        page.wait_for_selector("#ticket:not([hidden])")
        assert page.text_content("#ticket-print") == "Tiket sedang dicetak…"
        page.route("**/api/v1/print-jobs/**", lambda route: route.abort())
        _run_print_worker(s)
        assert len(printer.wait_printed(1)) == 1
        page.wait_for_selector("#ticket.print-ok")
        assert page.text_content("#ticket-print") == "Silakan ambil tiket Anda."
        assert len(reads) == 1, reads  # no polling while the socket is up

        # paper out: the printer says so before the job, and the kiosk hears it at once
        printer.paper = PAPER_OUT
        page.click("#ticket [data-close]")
        page.wait_for_selector("#ticket", state="hidden")
        page.click(".service[data-service=KK]")
        page.wait_for_selector("#ticket:not([hidden])")
        _run_print_worker(s)
        page.wait_for_selector("#ticket.print-failed")
        assert page.text_content("#ticket-print") == "Kertas habis — silakan foto layar ini"
        assert_accessible(page, artifact="a11y-kiosk-paper-out")
        assert not [e for e in errors if not e.startswith("Failed to load resource")
                    and "ERR_FAILED" not in e], errors
    finally:
        context.close()
        printer.stop()
