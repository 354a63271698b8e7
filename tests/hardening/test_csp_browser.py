"""Every page in Chromium under the real CSP (no bypass): no `securitypolicyviolation` event, no CSP console
error, no script error, and the XSS attack typed into every name and text of the office never runs."""
from __future__ import annotations

import json
import time
import urllib.request

from tests.hardening.test_security import inject
from tests.plugins.browser import save_artifact

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def _issue(server) -> dict:
    req = urllib.request.Request(
        f"{server.url}/api/v1/offices/BKS/tickets", data=json.dumps({"service": "KK"}).encode(),
        headers={"Authorization": f"Bearer {server.tokens['kiosk']}", "Content-Type": "application/json"},
        method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


class Settled:
    """The handshake instead of a fixed sleep: a page has run its first state when every Socket.IO connection it
    opened has been accepted (the ``40`` connect frame arrived: its connect handler ran) and no HTTP request it
    made (the resync after connecting included) is still in flight, twice in a row."""

    def __init__(self, page):
        self.pending, self.sockets, self.joined = set(), 0, 0
        page.on("request", lambda r: self.pending.add(r))
        page.on("requestfinished", lambda r: self.pending.discard(r))
        page.on("requestfailed", lambda r: self.pending.discard(r))
        page.on("websocket", lambda ws: self._socket(ws))

    def _socket(self, ws):
        if "/socket.io/" not in ws.url:
            return
        self.sockets += 1
        seen = []

        def frame(payload):
            if not seen and isinstance(payload, str) and payload.startswith("40"):
                seen.append(True)
                self.joined += 1
        ws.on("framereceived", frame)

    def reset(self):
        self.sockets = self.joined = 0

    def wait(self, page, timeout=15.0):
        deadline, quiet = time.monotonic() + timeout, 0
        while quiet < 2:
            assert time.monotonic() < deadline, (
                f"{page.url} did not settle: {self.joined}/{self.sockets} sockets joined, "
                f"{len(self.pending)} request(s) in flight: {[r.url for r in self.pending][:3]}")
            settled = self.joined >= self.sockets and not self.pending
            quiet = quiet + 1 if settled else 0
            page.wait_for_timeout(50)  # lets Playwright deliver the page's events between the checks


def test_pages_run_clean_under_the_real_csp(browser, live_server):
    server = live_server
    inject(server.app)
    ticket = _issue(server)
    counter = server.demo["counters"][0]["id"]
    visits = {
        None: ["/", "/login", f"/t/{ticket['token']}", "/tidak-ada"],
        "kiosk": [f"/kiosk/pair?token={server.tokens['kiosk']}"],
        "display": [f"/display/BKS/pair?token={server.tokens['display']}"],
        "petugas1": ["/counter", f"/counter?counter={counter}", "/printers"],
        "manajer": ["/manager", "/manager/BKS", "/manager/BKS/ledger", "/manager/BKS/stock/receipt",
                    "/admin/", "/admin/offices/BKS/", "/admin/offices/BKS/services",
                    "/admin/offices/BKS/counters", "/admin/offices/BKS/devices", "/admin/users", "/printers"],
        "admin": ["/admin/offices/new", "/admin/offices/BKS/edit", "/admin/users/new"],
    }
    problems, seen = [], 0
    for who, paths in visits.items():
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_default_timeout(15_000)
        context.add_init_script(LISTEN)
        page = context.new_page()
        dialogs, console, errors = [], [], []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        settled = Settled(page)
        if who not in (None, "kiosk", "display"):  # devices pair through their link instead
            server.login(page, who)
            page.wait_for_load_state()
        for path in paths:
            settled.reset()
            page.goto(server.url + path)
            page.wait_for_load_state("load")
            settled.wait(page)  # scripts ran, sockets connected and their first state (resync) came back
            if path.startswith(("/t/", "/display/", "/counter?")) and not settled.joined:
                problems.append(f"{path}: its live connection never joined (the page's first state did not run)")
            seen += 1
            where = f"{path} as {who or 'anonymous'} (now at {page.url[len(server.url):]})"
            for v in page.evaluate("window.__csp || []"):
                problems.append(f"{where}: securitypolicyviolation {v}")
            for text in console:
                if "Content Security Policy" in text or "Refused to" in text:
                    problems.append(f"{where}: console: {text[:200]}")
            problems += [f"{where}: script error: {e[:200]}" for e in errors]
            problems += [f"{where}: a dialog opened (XSS ran): {d}" for d in dialogs]
            injected = page.evaluate("""Array.from(document.querySelectorAll('*')).filter(function (e) {
                return e.hasAttribute('onerror') || (e.tagName === 'SCRIPT' && e.textContent.indexOf('alert(1)') >= 0
                       && e.type !== 'application/json'); }).map(function (e) { return e.outerHTML.slice(0, 80); })""")
            problems += [f"{where}: the attack became an element: {e}" for e in injected]
            shown = page.evaluate("document.body ? document.body.innerText : ''")
            if path.startswith(("/display", "/kiosk", "/admin/offices/BKS/", "/manager/BKS")) and "alert(1)" not in shown:
                problems.append(f"{where}: the attack is not shown as text (did the injection reach the page?)")
            console.clear(), errors.clear(), dialogs.clear()
        if who in ("display", "kiosk", "petugas1"):
            save_artifact(page, f"csp-{who}")
        context.close()
    assert seen == sum(len(p) for p in visits.values())
    assert not problems, "\n".join(problems)
