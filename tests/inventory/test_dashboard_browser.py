"""The manager dashboard in real Chromium: CSP-clean, no script errors, accessible (axe), a live
stock alert arrives over Socket.IO; screenshots kept in test-artifacts/."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from inventory.ledger import MovementInput, record_movement
from inventory.seed import seed_stock
from queue_service.extensions import db
from queue_service.models import Office
from tests.plugins.browser import assert_accessible, save_artifact


def test_manager_dashboard_in_chromium(live_server, page, a11y_page):
    s = live_server
    with s.app.app_context():
        seed_stock(db.session, s.demo, datetime.now(timezone.utc))
        db.session.commit()
        db.session.remove()
    page.set_viewport_size({"width": 412, "height": 915})  # the manager's phone
    s.login(page, "manajer")
    page.goto(f"{s.url}/manager")
    page.wait_for_selector("#item-KTP_EL")
    text = page.inner_text("section[aria-labelledby=item-KTP_EL]")
    assert "420" in text and "Kritis" in text
    assert page.locator("svg.chart").count() >= 4
    save_artifact(page, "manager-dashboard-phone")
    # a movement recorded elsewhere (the API) shows up live on the open page
    page.wait_for_timeout(800)  # socket connected
    with s.app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        _m, events = record_movement(db.session, office=office, data=MovementInput(
            kind="spoilage", quantity=5, reason="uji"), now=datetime.now(timezone.utc), actor="test")
        db.session.commit()
        from queue_service import realtime
        realtime.emit(events)
        db.session.remove()
    page.wait_for_selector("#live-notice:not([hidden])", timeout=5000)
    assert not page.page_errors, page.page_errors
    # (the only 404 a fresh browser sees is /favicon.ico, which the app does not ship)
    assert not [m for m in page.console_messages if m[0] == "error" and "404" not in m[1]], page.console_messages

    a11y_page.set_viewport_size({"width": 1280, "height": 900})
    s.login(a11y_page, "manajer")
    for path in ("/manager", "/manager/BKS/ledger", "/manager/BKS/stock/receipt"):
        a11y_page.goto(f"{s.url}{path}")
        assert_accessible(a11y_page)
    a11y_page.goto(f"{s.url}/manager/BKS/stock/count")
    a11y_page.fill("#counted", "-4")
    a11y_page.click("form.stock-form button[type=submit]")
    a11y_page.wait_for_selector(".field-error")
    assert_accessible(a11y_page)
    save_artifact(a11y_page, "manager-stock-count-errors")
    a11y_page.goto(f"{s.url}/manager")
    save_artifact(a11y_page, "manager-dashboard-desktop")
