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


def _tab_to(page, href_end: str, limit: int = 120) -> str:
    """Press Tab until the focused element is a link whose href ends with ``href_end``; its href."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        href = page.evaluate("() => { const a = document.activeElement; return a && a.tagName === 'A' ? "
                             "a.getAttribute('href') : null }")
        if href and href.split("?")[0].endswith(href_end):
            return href
    raise AssertionError(f"no link to {href_end} reachable with Tab on {page.url}")


def test_keyboard_walk_from_the_manager_page_to_the_monthly_report(figures_server, a11y_page):
    """/manager (the manager's office page, inventory's) -> "Angka antrean" (the office link the figures feature
    registers through queue_service.hooks) -> "Laporan bulanan untuk Dinas", with Tab and Enter only; axe on each
    page (0 serious/critical); the report links its print stylesheet and the stylesheet has print rules."""
    from tests.plugins.browser import wait_js

    s = figures_server
    page = a11y_page
    page.set_viewport_size({"width": 1280, "height": 900})
    s.login(page, "manajer")
    page.wait_for_url(f"{s.url}/")
    page.goto(f"{s.url}/manager")
    page.wait_for_selector("h1")
    assert_accessible(page)
    _tab_to(page, "/manager/BKS/figures")
    page.keyboard.press("Enter")
    page.wait_for_url("**/manager/BKS/figures")
    wait_js(page, "location.pathname === '/manager/BKS/figures' && !!document.querySelector('#t-service')")
    assert_accessible(page)
    month = (datetime.now(timezone.utc).date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    _tab_to(page, f"/manager/BKS/report/{month}")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/manager/BKS/report/{month}")
    wait_js(page, f"location.pathname === '/manager/BKS/report/{month}' && !!document.querySelector('#r-service')")
    assert_accessible(page)
    links = page.evaluate("() => [...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.href)")
    assert any(h.endswith("/static/css/report.css") for h in links), links
    has_print = page.evaluate("""() => [...document.styleSheets].filter(s => (s.href || '').endsWith('report.css'))
        .some(s => [...s.cssRules].some(r => r.media && [...r.media].includes('print')))""")
    assert has_print
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible() and page.locator("#r-service").is_visible()
    save_artifact(page, "figures-keyboard-walk-report")
