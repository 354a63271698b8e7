"""The kiosk page in real headless Chromium, portrait 1080x1920 and landscape 1920x1080: press a
service, see the code and the QR; priority entry; quota -> Suket offer; axe-core clean."""
from __future__ import annotations

import io

import pytest

from tests.plugins.browser import wait_js, assert_accessible, save_artifact
from tests.printers.test_agent import RunningClock, MONDAY_0900_WIB  # noqa: F401

from queue_service.extensions import db
from queue_service.models import Service
from sqlalchemy import select




@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_kiosk_press_shows_code_and_qr(live_server, browser, size):
    import zxingcpp
    from PIL import Image

    s = live_server
    s.app.config["CLOCK"] = RunningClock(MONDAY_0900_WIB)
    with s.app.app_context():
        cetak = db.session.scalar(select(Service).where(Service.code == "CETAK"))
        cetak.daily_quota = 0  # the blanks ran out today
        db.session.commit()
        db.session.remove()
    name = "portrait" if size[0] < size[1] else "landscape"
    for bypass in (False, True):  # CSP enforced first; then a context where axe can be injected
        context = browser.new_context(viewport={"width": size[0], "height": size[1]}, bypass_csp=bypass)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        try:
            page.goto(f"{s.url}/kiosk/pair?token={s.tokens['kiosk']}")
            assert page.url.endswith("/kiosk")
            page.wait_for_selector(".service[data-service=REKAM]")
            if not bypass:
                save_artifact(page, f"kiosk-{name}-home", full_page=False)
                # every service button fits on the screen, no scrolling on a touch kiosk
                box = page.locator(".priority-entry").bounding_box()
                assert box["y"] + box["height"] <= size[1], box
                # quota reached: the button says so and offers Suket
                cetak = page.locator(".service[data-service=CETAK]")
                assert "Blangko habis hari ini" in cetak.inner_text()
                page.click(".service[data-service=CETAK]")
                page.wait_for_selector("#notice:not([hidden])")
                assert "Surat Keterangan" in page.inner_text("#notice-action")
                save_artifact(page, f"kiosk-{name}-quota", full_page=False)
                page.click("#notice-action")  # take the Suket ticket instead
                page.wait_for_selector("#ticket:not([hidden])")
                assert page.inner_text("#ticket-code").startswith("H-")
                page.click("#ticket [data-close]")
                page.wait_for_selector("#ticket", state="hidden")

                page.click(".service[data-service=REKAM]")
            else:
                page.click("#priority-open")
                page.click(".priority-choice[data-group=lansia]")
                assert "Lansia" in page.inner_text("#priority-text")
                page.click(".service[data-service=REKAM]")
            page.wait_for_selector("#ticket:not([hidden])")
            code = page.inner_text("#ticket-code")
            assert code.startswith("P-" if bypass else "A-"), code
            wait_js(page, "() => document.getElementById('ticket-qr').naturalWidth > 0")
            # the kiosk has the demo dummy:// printer: nobody runs the worker here, so after a few
            # seconds the screen asks to photograph it instead of resetting quickly
            page.wait_for_selector("#ticket-print:has-text('foto layar')", timeout=15000)
            shot = page.screenshot()
            if not bypass:
                save_artifact(page, f"kiosk-{name}-ticket", full_page=False)
                qr = page.locator("#ticket-qr").screenshot()
                found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr)))
                assert found and found[0].text.startswith(s.url + "/t/"), found
            else:
                assert_accessible(page, artifact=f"kiosk-{name}-a11y-ticket")
                page.click("#ticket [data-close]")
                page.wait_for_selector("#ticket", state="hidden")
                assert_accessible(page, artifact=f"kiosk-{name}-a11y-home")
            assert shot
            assert not errors, errors
        finally:
            context.close()
