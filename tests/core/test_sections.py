"""One bar of the manager's sections on every staff page: stock, queue figures, bookings, IKM and complaints,
administration are one click apart whichever feature's page is open, the open one marked; clerks, devices and
citizens do not get it."""
from __future__ import annotations

import re

from tests.realtime.conftest import login

BAR = re.compile(r'<nav class="sections" aria-label="Bagian">(.*?)</nav>', re.S)


def bar(html: str) -> list[tuple[str, bool]]:
    m = BAR.search(html)
    if m is None:
        return []
    return [(href, bool(cur)) for href, cur in re.findall(r'<a href="([^"]+)"( aria-current="true")?>', m.group(1))]


def test_a_manager_sees_every_section_from_every_features_page(app, demo):
    client = app.test_client()
    login(client, demo, "manajer")
    pages = {"/manager/BKS": "/manager/", "/manager/BKS/figures": "/manager/figures",
             "/manager/BKS/ikm": "/manager/feedback", "/admin/": "/admin/"}
    for page, current in pages.items():
        r = client.get(page)
        assert r.status_code == 200, page
        links = bar(r.get_data(as_text=True))
        assert [h for h, _ in links] == ["/manager/", "/manager/figures", "/manager/bookings", "/manager/feedback",
                                         "/admin/"], (page, links)
        assert [h for h, cur in links if cur] == [current], (page, links)


def test_clerks_devices_and_citizens_get_no_sections_bar(app, demo):
    clerk = app.test_client()
    login(clerk, demo, "petugas1")
    assert bar(clerk.get("/").get_data(as_text=True)) == []
    assert bar(clerk.get("/counter").get_data(as_text=True)) == []
    assert bar(app.test_client().get("/login").get_data(as_text=True)) == []
