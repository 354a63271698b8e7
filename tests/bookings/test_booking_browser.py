"""Bookings in real headless Chromium: book on the phone -> check in at the kiosk (a scanner typing the
QR's address) -> called at the counter from the keyboard -> the status page follows; a full day offers
the next free date; a printing date without forecast blanks is not bookable and says why; axe-core finds
no serious or critical violation on the booking pages."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from queue_service.models import Office
from tests.bookings.conftest import booking_live_server, enable
from tests.plugins.browser import assert_accessible, save_artifact
from tests.printers.test_agent import RunningClock

pytestmark = pytest.mark.browser

#: Monday 5 January 2026, 08:40 WIB (the office is open all day, every day, in these tests)
MONDAY_0840_WIB = datetime(2026, 1, 5, 1, 40, tzinfo=timezone.utc)


@pytest.fixture
def server(tmp_path):
    s, db = booking_live_server(tmp_path, clock=RunningClock(MONDAY_0840_WIB))
    with s.app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        for code in ("KK", "CETAK"):
            enable(db.session, next(x for x in office.services if x.code == code), capacity=2, walkin_share=0.0,
                   cutoff_minutes=0, bookable_from=datetime(2026, 1, 1, 8).time(),
                   bookable_until=datetime(2026, 1, 1, 11).time())
        db.session.commit()
        db.session.remove()
    s.db = db
    yield s
    s.stop()
    with s.app.app_context():
        db.session.remove()
        db.engine.dispose()


def _collect(page, errors):
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_default_timeout(15_000)


def test_book_on_the_phone_check_in_at_the_kiosk_called_at_the_counter(server, browser):
    s = server
    errors = []
    ctx_phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    ctx_kiosk = browser.new_context(viewport={"width": 1080, "height": 1920})
    ctx_clerk = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        phone, kiosk, clerk = ctx_phone.new_page(), ctx_kiosk.new_page(), ctx_clerk.new_page()
        for p in (phone, kiosk, clerk):
            _collect(p, errors)
        # the phone: office -> service -> date -> slot, with the keyboard where a person would type
        phone.goto(f"{s.url}/book/BKS")
        phone.click("text=Kartu Keluarga")
        phone.click("a.pick >> nth=0")  # today, the first date with room
        assert "Senin" in phone.inner_text("h1")
        phone.check("input[name=slot][value='09:00']")
        phone.fill("#phone", "0812 3456 7890")
        phone.check("#consent")
        phone.click("main button[type=submit]")
        phone.wait_for_selector("#booking-title")
        code = phone.inner_text("#booking-title")
        assert len(code) == 9 and code[4] == "-"
        assert "+62 812-****-890" in phone.inner_text("#booking-facts")
        phone.wait_for_function("document.querySelector('.qr img').naturalWidth > 0")
        save_artifact(phone, "booking-phone-booked")
        booking_url = phone.url

        # the kiosk: a 2D scanner "types" the QR's content (the booking page address) and Enter
        kiosk.goto(f"{s.url}/kiosk/pair?token={s.tokens['kiosk']}")  # the kiosk's start page
        kiosk.click("a.kiosk-action:has-text('Sudah booking?')")  # its check-in button (hooks.kiosk_actions)
        kiosk.wait_for_url("**/kiosk/booking")
        kiosk.wait_for_selector("#scan:focus")
        kiosk.keyboard.type(booking_url)
        kiosk.keyboard.press("Enter")
        kiosk.wait_for_selector("#checkin-ticket")
        ticket_code = kiosk.inner_text("#checkin-ticket")
        assert ticket_code.startswith("C-")
        # the kiosk has a printer: its ticket is on its way (the screen said "photograph this" whatever happened)
        assert "sedang dicetak" in kiosk.inner_text("#result")
        save_artifact(kiosk, "booking-kiosk-checked-in", full_page=False)

        # the booking page now points at the ticket's live status page
        phone.goto(booking_url)
        phone.wait_for_selector("#ticket-box:not([hidden])")
        assert phone.inner_text("#ticket-code") == ticket_code
        phone.click("#ticket-link")
        phone.wait_for_selector("#ticket-code")
        assert phone.inner_text("#ticket-code") == ticket_code

        # the counter calls from the keyboard; the status page follows
        counter = next(c for c in s.demo["counters"] if "KK" in c["services"])
        s.login(clerk, "petugas1")
        clerk.goto(f"{s.url}/counter?counter={counter['id']}")
        clerk.wait_for_selector("#conn[data-state=connected]")
        clerk.locator("body").press("n")
        clerk.wait_for_selector(f"#console[data-current='{ticket_code}']")
        phone.wait_for_selector("#call-banner:not([hidden])")
        assert phone.text_content("#call-text").strip() == f"Silakan menuju loket {counter['number']}"
        save_artifact(phone, "booking-phone-called")
        assert not [e for e in errors if not e.startswith("Failed to load resource")], errors
    finally:
        ctx_phone.close()
        ctx_kiosk.close()
        ctx_clerk.close()


def test_a_full_day_offers_the_next_free_date(server, browser):
    import requests

    s = server
    token = s.tokens["manajer"]
    for slot in ("09:00", "09:00", "10:00", "10:00"):  # every place left today (08:00 has begun)
        r = requests.post(f"{s.url}/api/v1/offices/BKS/bookings", json={"service": "KK", "date": "2026-01-05",
                                                                       "slot": slot},
                          headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 201, r.text
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = ctx.new_page()
        page.goto(f"{s.url}/book/BKS/KK/2026-01-05")
        assert page.inner_text("#day-reason").strip() == "Penuh"
        nxt = page.locator("#next-days a").first
        assert "Selasa" in nxt.inner_text()
        nxt.click()
        assert page.url.endswith("/book/BKS/KK/2026-01-06")
        page.wait_for_selector("input[name=slot]:not([disabled])")
    finally:
        ctx.close()


def test_a_printing_day_without_forecast_blanks_is_not_bookable_and_says_why(server, browser):
    """The demo stock runs out before the delivery: those days show "Blangko diperkirakan habis"."""
    from inventory.seed import seed_stock

    s = server
    with s.app.app_context():  # the demo's stock: 420 blanks, ~160 a day, 3000 expected in 9 days
        seed_stock(s.db.session, s.demo, datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc))
        s.db.session.commit()
        s.db.session.remove()
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = ctx.new_page()
        page.goto(f"{s.url}/book/BKS/CETAK")
        blank = page.locator(".day-closed:has(.why-blanks)").first
        assert "Blangko diperkirakan habis" in blank.inner_text()
        assert "kiriman blangko" in page.inner_text("#blank-note")
        save_artifact(page, "booking-no-blanks")
        day = (datetime(2026, 1, 5) + timedelta(days=4)).date().isoformat()  # Friday
        page.goto(f"{s.url}/book/BKS/CETAK/{day}")
        if page.locator("#day-reason").count():
            assert "Blangko diperkirakan habis" in page.inner_text("#day-reason")
            assert page.locator("input[name=slot]").count() == 0
    finally:
        ctx.close()


@pytest.mark.parametrize("path", ["/book", "/book/BKS", "/book/BKS/KK", "/book/BKS/KK/2026-01-06", "/antre/BKS"])
def test_booking_pages_are_accessible(server, browser, path):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(f"{server.url}{path}")
        assert_accessible(page)
    finally:
        ctx.close()


def _y4m(path, text: str, width: int = 640, height: int = 480, frames: int = 10) -> None:
    """A short Y4M video (what Chromium's fake camera plays) showing the QR code of ``text``."""
    import numpy as np
    import qrcode
    from PIL import Image

    img = qrcode.make(text, box_size=8, border=4).convert("L")
    side = min(width, height) - 40
    img = img.resize((side, side), Image.NEAREST)
    canvas = Image.new("L", (width, height), 255)
    canvas.paste(img, ((width - side) // 2, (height - side) // 2))
    y = np.asarray(canvas, dtype=np.uint8)
    uv = np.full((height // 2, width // 2), 128, dtype=np.uint8)
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + y.tobytes() + uv.tobytes() + uv.tobytes())


def test_the_kiosk_camera_reads_the_booking_qr_with_the_vendored_decoder(server, playwright_driver,
                                                                          chromium_executable, tmp_path):
    """A camera showing the booking's QR code (Chromium's fake camera plays a video of it): jsQR decodes it
    in the page and the booking is checked in."""
    import requests

    from tests.plugins.browser import CHROMIUM_ARGS

    s = server
    r = requests.post(f"{s.url}/api/v1/offices/BKS/bookings", json={"service": "KK", "date": "2026-01-05",
                                                                   "slot": "09:00"},
                      headers={"Authorization": f"Bearer {s.tokens['manajer']}"}, timeout=10)
    assert r.status_code == 201, r.text
    video = tmp_path / "qr.y4m"
    _y4m(video, r.json()["url"])
    camera_browser = playwright_driver.chromium.launch(
        executable_path=chromium_executable, headless=True, timeout=60_000,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"])
    try:
        ctx = camera_browser.new_context(viewport={"width": 1080, "height": 1920}, permissions=["camera"])
        page = ctx.new_page()
        errors = []
        _collect(page, errors)
        page.goto(f"{s.url}/kiosk/pair?token={s.tokens['kiosk']}")
        page.goto(f"{s.url}/kiosk/booking")
        page.click("#camera-button")
        page.wait_for_selector("#checkin-ticket", timeout=30_000)
        assert page.inner_text("#checkin-ticket").startswith("C-")
        assert not [e for e in errors if not e.startswith("Failed to load resource")], errors
    finally:
        camera_browser.close()


def test_booking_page_kiosk_checkin_and_remote_pages_are_accessible(server, browser):
    import requests

    s = server
    with s.app.app_context():
        office = s.db.session.scalar(select(Office).where(Office.code == "BKS"))
        from bookings.models import BookingService
        kk = next(x for x in office.services if x.code == "KK")
        row = s.db.session.get(BookingService, kk.id)
        row.remote_enabled, row.remote_daily_cap = True, 5
        s.db.session.commit()
        s.db.session.remove()
    r = requests.post(f"{s.url}/api/v1/offices/BKS/bookings", json={"service": "KK", "date": "2026-01-06",
                                                                   "slot": "09:00"},
                      headers={"Authorization": f"Bearer {s.tokens['manajer']}"}, timeout=10)
    booking_url = s.url + "/b/" + r.json()["url"].rsplit("/b/", 1)[1]
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, bypass_csp=True)
    kiosk = browser.new_context(viewport={"width": 1080, "height": 1920}, bypass_csp=True)
    try:
        page = phone.new_page()
        page.goto(booking_url)
        assert_accessible(page)
        page.goto(f"{s.url}/antre/BKS")
        page.check("input[name=service][value=KK]")
        page.select_option("#travel", "30")
        page.click("main button[type=submit]")
        page.wait_for_selector("#remote-code")
        assert "Berangkat" in page.inner_text("#advice") or page.locator("#advice").is_hidden()
        assert_accessible(page)
        k = kiosk.new_page()
        k.goto(f"{s.url}/kiosk/pair?token={s.tokens['kiosk']}")
        assert_accessible(k)  # the start page with its check-in button
        k.goto(f"{s.url}/kiosk/booking")
        assert_accessible(k)
        k.keyboard.type("K7QM-3XDP")
        k.keyboard.press("Enter")
        k.wait_for_selector(".result-bad")
        assert "tidak ditemukan" in k.inner_text("#result") or "bukan kode" in k.inner_text("#result")
        assert_accessible(k)
    finally:
        phone.close()
        kiosk.close()


def test_manager_booking_pages_are_accessible(server, browser):
    s = server
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        page = ctx.new_page()
        s.login(page, "manajer")
        # from the manager's pages to the booking settings through the nav link (one office: straight to it)
        page.goto(f"{s.url}/manager")
        page.click("nav a:has-text('Booking online')")
        page.wait_for_url("**/manager/BKS/bookings")
        for path in ("/manager/BKS/bookings", "/manager/BKS/bookings/service/CETAK", "/manager/BKS/bookings/texts",
                     "/manager/BKS/calendar", "/manager/BKS/bookings/day?date=2026-01-05"):
            page.goto(f"{s.url}{path}")
            assert_accessible(page)
        # a form with errors is accessible too (each message tied to its field)
        page.goto(f"{s.url}/manager/BKS/bookings/service/CETAK")
        page.fill("#slot_minutes", "2")
        page.fill("#breaks", "lunch")
        page.click("main button[type=submit]")
        page.wait_for_selector(".field-error")
        assert_accessible(page)
        save_artifact(page, "booking-manager-service-errors")
    finally:
        ctx.close()
