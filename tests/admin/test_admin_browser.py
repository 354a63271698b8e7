"""Chromium: an admin walks the administration pages; axe finds no serious/critical problems; the
device token page shows its QR code under the real CSP; a phone-width page does not scroll sideways."""
from __future__ import annotations

from tests.plugins.browser import wait_js, assert_accessible, save_artifact


def test_admin_pages_in_chromium(live_server, page, a11y_page):
    s = live_server
    # axe needs the CSP bypass (it is injected as an inline script), so the walk runs in a11y_page
    p = a11y_page
    s.login(p, "admin")
    p.wait_for_url(f"{s.url}/")
    for path, heading in [("/admin/", "Administrasi"), ("/admin/offices/BKS/services", "Layanan"),
                          ("/admin/offices/BKS/devices", "Perangkat"), ("/admin/users", "Pengguna")]:
        p.goto(s.url + path)
        assert p.locator("h1").inner_text().startswith(heading)
        assert_accessible(p, artifact=f"admin-a11y-{heading}")
    # a service form with validation errors: messages next to the fields, focus target described
    p.goto(f"{s.url}/admin/offices/BKS/services/new")
    p.fill("#code", "LEGAL")
    p.fill("#prefix", "P")
    p.fill("#name_id", "")
    p.click("form.admin-form button[type=submit]")
    assert p.locator("#name_id-error").inner_text().endswith("Wajib diisi.")
    assert "name_id-error" in p.get_attribute("#name_id", "aria-describedby")
    assert p.get_attribute("#name_id", "aria-invalid") == "true"
    assert_accessible(p, artifact="admin-a11y-service-form")
    p.fill("#name_id", "Legalisir")
    p.click("form.admin-form button[type=submit]")
    assert p.locator("#prefix-error").inner_text().endswith("Huruf P adalah seri prioritas kantor ini.")
    save_artifact(p, "admin-service-form-errors")

    # the real CSP (page fixture): create a display token, the QR code renders, no CSP violations
    q = page
    s.login(q, "admin")
    q.wait_for_url(f"{s.url}/")
    q.set_viewport_size({"width": 390, "height": 844})
    q.goto(f"{s.url}/admin/offices/BKS/devices/new")
    q.check("input[name=kind][value=display]")
    q.fill("#name", "TV Lantai 2")
    q.check("input[name=filter_services][value=KK]")
    q.click("form.admin-form button[type=submit]")
    q.wait_for_selector("#device-token")
    token = q.input_value("#device-token")
    assert token.startswith("dsp_")
    assert q.input_value("#pairing-url").endswith(f"/display/BKS/pair?token={token}")
    wait_js(q, "() => { const i = document.querySelector('.qr img'); return i.complete && i.naturalWidth > 0; }")
    overflow = q.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the token page scrolls sideways on a phone by {overflow}px"
    save_artifact(q, "admin-device-token-phone")
    q.goto(f"{s.url}/admin/offices/BKS/services")
    save_artifact(q, "admin-services-phone")
    csp = [text for kind, text in q.console_messages if "Content Security Policy" in text]
    assert not csp and not q.page_errors, (csp, q.page_errors)
