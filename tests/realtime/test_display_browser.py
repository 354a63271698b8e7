"""The waiting-room display in real Chromium on a TV-sized viewport: the layout holds from 1 to 20 services with
long names (the "now calling" panel and the last calls are never cut off or covered), the current call is not
also listed under the last calls after a reload, and ``hidden`` hides (the "Aktifkan suara" button, and the same
rule on every page)."""
from __future__ import annotations

import pytest

from tests.plugins.browser import wait_js, assert_accessible, save_artifact
from tests.realtime.tv import call_next, issue, pair, set_services, tv_browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

GEOMETRY = r"""
() => {
  const box = (e) => { const b = e.getBoundingClientRect();
                       return {top: b.top, left: b.left, bottom: b.bottom, right: b.right}; };
  const q = (s) => document.querySelector(s);
  const clipped = (e) => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1;
  return {
    vw: window.innerWidth, vh: window.innerHeight,
    scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
    areas: Object.fromEntries(["#now", ".recent", ".waiting", ".ticker", ".screen-head"].map((s) => [s, box(q(s))])),
    now: ["#now-title", "#now-code", "#now-counter", ".now-counter", "#now-service"].map((s) => ({
      sel: s, box: box(q(s)), text: q(s).textContent.trim(),
      clipped: s === "#now-service" ? false : clipped(q(s)) })),
    recent: [...document.querySelectorAll("#recent-title, .recent thead tr, #recent-rows tr")].map((e) => ({
      box: box(e), text: e.children.length ? [...e.children].map((c) => c.textContent.trim()).join(" ")
                                            : e.textContent.trim() })),
    recentCells: [...document.querySelectorAll("#recent-rows td")].map((e) => ({text: e.textContent, clipped: clipped(e)})),
    tiles: [...document.querySelectorAll("#waiting-list li")].map((li) => ({
      box: box(li), name: box(li.querySelector(".w-name")), count: box(li.querySelector(".w-count")),
      countClipped: clipped(li.querySelector(".w-count")), text: li.textContent })),
  };
}
"""


def _inside(inner, outer, slack=1.0):
    return (inner["top"] >= outer["top"] - slack and inner["left"] >= outer["left"] - slack
            and inner["bottom"] <= outer["bottom"] + slack and inner["right"] <= outer["right"] + slack)


def _overlap(a, b):
    w = min(a["right"], b["right"]) - max(a["left"], b["left"])
    h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return max(0.0, w) * max(0.0, h)


def _prepare(server, n: int) -> tuple[list[str], list[dict]]:
    codes = set_services(server, n)
    for code in codes:  # a few waiting in every service, then one call per counter (6 calls)
        for _ in range(max(2, -(-9 // len(codes)))):
            issue(server, code)
    calls = [call_next(server, number) for number in range(1, 7)]
    return codes, calls


def assert_layout_holds(page, n_services: int, calls: list[dict]) -> dict:
    g = page.evaluate(GEOMETRY)
    viewport = {"top": 0, "left": 0, "bottom": g["vh"], "right": g["vw"]}
    assert g["scroll"][0] <= g["vw"] and g["scroll"][1] <= g["vh"], f"the page scrolls: {g['scroll']}"
    for name in ("#now", ".recent", ".waiting", ".ticker", ".screen-head"):
        assert _inside(g["areas"][name], viewport), (name, g["areas"][name], viewport)
    names = list(g["areas"])
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert _overlap(g["areas"][a], g["areas"][b]) == 0, f"{a} and {b} overlap: {g['areas']}"
    # "now calling": every line inside its panel, the code and the counter never cut
    for part in g["now"]:
        assert _inside(part["box"], g["areas"]["#now"]), part
        assert not part["clipped"], part
    assert g["now"][1]["text"] == calls[-1]["code"]
    # the last calls: every row inside the section and the viewport, none cut
    assert len(g["recent"]) == 2 + 5, g["recent"]  # title, header row, five calls
    for row in g["recent"]:
        assert _inside(row["box"], g["areas"][".recent"]) and _inside(row["box"], viewport), row
    assert not any(c["clipped"] for c in g["recentCells"]), g["recentCells"]
    assert [r["text"].split()[0] for r in g["recent"][2:]] == [c["code"] for c in reversed(calls[:-1])]
    # the waiting tiles: one per service, each inside the band, names within their tile, counts whole
    assert len(g["tiles"]) == n_services, [t["text"] for t in g["tiles"]]
    for t in g["tiles"]:
        assert _inside(t["box"], g["areas"][".waiting"]) and _inside(t["box"], viewport), t
        assert _inside(t["name"], t["box"]) and _inside(t["count"], t["box"]), t
        assert not t["countClipped"], t
    return g


@pytest.mark.parametrize(("n_services", "width", "height"), [
    (1, 1920, 1080), (9, 1920, 1080), (12, 1920, 1080), (20, 1920, 1080), (12, 1280, 720), (20, 1280, 720)])
def test_the_layout_holds_from_1_to_20_services(live_server, browser, n_services, width, height):
    _, calls = _prepare(live_server, n_services)
    ctx = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)  # axe is injected
    try:
        page = ctx.new_page()
        pair(page, live_server)
        wait_js(page, "c => document.getElementById('now-code').textContent.trim() === c",
                               arg=calls[-1]["code"], timeout=15_000)
        wait_js(page, f"() => document.querySelectorAll('#waiting-list li').length === {n_services}")
        save_artifact(page, f"display-{n_services}-services-{width}x{height}")
        assert_layout_holds(page, n_services, calls)
        assert_accessible(page, artifact=f"display-a11y-{n_services}-{width}")
    finally:
        ctx.close()


def test_more_than_20_services_take_turns_in_pages(live_server, browser):
    _, calls = _prepare(live_server, 24)
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = ctx.new_page()
        pair(page, live_server)
        wait_js(page, "() => document.querySelectorAll('#waiting-list li').length === 20")
        assert page.inner_text("#waiting-page") == "halaman 1 dari 2"
        assert_layout_holds(page, 20, calls)
        wait_js(page, "() => document.querySelectorAll('#waiting-list li').length === 4", timeout=20_000)
        assert page.inner_text("#waiting-page") == "halaman 2 dari 2"
        assert_layout_holds(page, 4, calls)
    finally:
        ctx.close()


def test_after_a_reload_the_current_call_is_not_also_a_last_call(live_server, tv_browser):
    s = live_server
    set_services(s, 8)
    for code in ("REKAM", "KK", "CETAK"):
        issue(s, code)
    ctx = tv_browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = ctx.new_page()
        pair(page, s)
        first, second = call_next(s, 1), call_next(s, 2)
        wait_js(page, "c => document.getElementById('now-code').textContent.trim() === c", arg=second["code"],
                               timeout=20_000)
        wait_js(page, "c => document.getElementById('recent-rows').textContent.includes(c)",
                               arg=first["code"], timeout=20_000)
        assert second["code"] not in page.inner_text("#recent-rows")
        page.reload()
        page.wait_for_selector('#conn[data-state="connected"]', timeout=20_000)
        wait_js(page, "c => document.getElementById('now-code').textContent.trim() === c", arg=second["code"])
        rows = page.inner_text("#recent-rows")
        assert first["code"] in rows and second["code"] not in rows, rows
        # and a resync (every reconnect and every minute) keeps it so
        page.evaluate("() => new Promise(r => setTimeout(r, 600))")
        assert second["code"] not in page.inner_text("#recent-rows")
    finally:
        ctx.close()


def test_the_sound_button_hides_once_sound_is_enabled(live_server, browser):
    """Chromium without ``--autoplay-policy=no-user-gesture-required`` keeps audio off until a tap: the screen shows
    "Aktifkan suara"; one tap turns sound on and the button goes away."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = ctx.new_page()
        pair(page, live_server)
        button = page.locator("#sound-button")
        button.wait_for(state="visible", timeout=10_000)
        button.click()
        wait_js(page, "() => document.getElementById('sound-button').hidden", timeout=10_000)
        assert not button.is_visible()
        assert page.evaluate("() => getComputedStyle(document.getElementById('sound-button')).display") == "none"
    finally:
        ctx.close()


HIDDEN_SHOWN = r"""
() => [...document.querySelectorAll("[hidden]")]
  .filter((e) => e.getClientRects().length > 0 || getComputedStyle(e).display !== "none")
  .map((e) => e.outerHTML.slice(0, 120))
"""


def test_hidden_elements_stay_hidden_on_every_page(live_server, browser):
    """``[hidden]`` wins over the stylesheet's ``button {display: inline-flex}`` and the other layout rules."""
    s = live_server
    ticket = issue(s, "KK")
    pages = [("display", f"/display/BKS/pair?token={s.tokens['display']}"),
             ("kiosk", f"/kiosk/pair?token={s.tokens['kiosk']}"),
             ("status", f"/t/{ticket['token']}"),
             ("counter", "/counter"), ("manager", "/manager/BKS"), ("admin", "/admin/")]
    for name, path in pages:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        try:
            page = ctx.new_page()
            if name in ("counter", "manager", "admin"):
                s.login(page, "admin")
                page.wait_for_load_state()
            page.goto(f"{s.url}{path}")
            page.wait_for_load_state("networkidle")
            if name == "display":
                # what the display's script does once sound plays: the button must then go away
                page.evaluate("() => { document.getElementById('sound-button').hidden = true; }")
            shown = page.evaluate(HIDDEN_SHOWN)
            assert shown == [], f"{name}: elements marked hidden are on screen: {shown}"
        finally:
            ctx.close()
