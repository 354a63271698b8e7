"""Security headers on every page, escaped staff input everywhere, no HTML sinks in templates or scripts,
secure session cookies behind an HTTPS proxy, and the sign-in throttle."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from queue_service.extensions import db
from tests.conftest import make_app
from tests.hardening.conftest import csrf_from
from tests.hardening.test_auth_matrix import (
    BODIES,
    CALLERS,
    EXPECTED,
    Caller,
    _spare_objects,
    build_url,
    path_values,
    routes,
)

ROOT = Path(__file__).resolve().parents[2]

#: what staff could type into a name field; the tag names are what must never reach a page unescaped
ATTACK = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
RAW_MARKERS = ("<script>alert(1)", "<img src=x onerror")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def inject(app, code: str = "BKS") -> dict:
    """Put the attack into every free-text field staff can set for office ``code``."""
    from queue_service.models import Counter, Device, Office, Service
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == code))
        office.name = "Kantor" + ATTACK
        office.info_text = "Info" + ATTACK
        office.ticket_footer = "Kaki" + ATTACK
        for s in db.session.scalars(select(Service).where(Service.office_id == office.id)):
            s.name_id, s.name_en = s.name_id[:20] + ATTACK, s.name_en[:20] + ATTACK
        for c in db.session.scalars(select(Counter).where(Counter.office_id == office.id)):
            c.name = f"L{c.number}" + ATTACK
        for d in db.session.scalars(select(Device).where(Device.office_id == office.id)):
            d.name = d.kind[:1] + ATTACK
        db.session.commit()
        db.session.remove()
    return {"office": "Kantor"}


class PageAudit(HTMLParser):
    """Inline scripts, inline event handlers and style attributes (all refused by the CSP)."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name.startswith("on"):
                self.problems.append(f"inline handler {name}= on <{tag}>")
        if "style" in attrs:
            self.problems.append(f"style= attribute on <{tag}>")
        if tag == "script":
            self._in_script = attrs
        if tag == "a" and (attrs.get("href") or "").strip().lower().startswith("javascript:"):
            self.problems.append("javascript: link")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        s = self._in_script
        if s is not None and data.strip() and not s.get("src") and s.get("type") != "application/json":
            self.problems.append(f"inline script code: {data.strip()[:60]!r}")


def check_headers(response, where: str) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    script = directives.get("script-src", directives.get("default-src", ""))
    if not script or "'unsafe-inline'" in script or "'unsafe-eval'" in script or "*" in script.split():
        problems.append(f"{where}: script-src allows inline/eval/any: {script!r}")
    if "'unsafe-inline'" in directives.get("style-src", ""):
        problems.append(f"{where}: style-src allows inline")
    if directives.get("frame-ancestors") != "frame-ancestors 'none'":
        problems.append(f"{where}: frame-ancestors is {directives.get('frame-ancestors')!r}")
    if directives.get("object-src") != "object-src 'none'":
        problems.append(f"{where}: object-src is not 'none'")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: no X-Content-Type-Options: nosniff")
    if response.headers.get("X-Frame-Options") != "DENY":
        problems.append(f"{where}: no X-Frame-Options: DENY")
    return problems


def test_every_page_escapes_staff_input_and_carries_the_security_headers(world):
    """Crawl every GET route as each caller it lets in, with the attack in every name, info text and footer
    of office BKS: the attack appears only escaped, every response has the headers, every HTML page is free
    of inline script code, handlers and style attributes."""
    app = world.app
    values = path_values(world, _spare_objects(world))
    inject(app)
    callers = {name: Caller(world, name) for name in CALLERS}
    # pages reached only with a query string
    extra = [("counter.console", f"/counter?counter={world.bks.ids['counter']}"),
             ("admin.office_page", "/admin/offices/BKS/?lang=en"),
             ("pages.index", "/does-not-exist"),  # the friendly 404 page
             ("auth.login_page", "/login?next=%2Fmanager")]
    targets = []
    for rule, method in routes(app):
        if method != "GET" or rule.endpoint == "static":
            continue
        targets.append((rule.endpoint, build_url(app, rule, values)))
    targets += extra

    problems, html_pages, escaped_seen = [], 0, set()
    for endpoint, url in targets:
        allowed = EXPECTED.get((endpoint, "GET")) or frozenset({"anon"})
        for name in sorted(allowed) or ["anon"]:
            if name.startswith("other_"):
                continue
            response = callers[name].call("GET", url, BODIES.get(endpoint))
            where = f"GET {url} as {name} ({response.status_code})"
            assert response.status_code < 500, where
            problems += check_headers(response, where)
            if response.mimetype == "application/json":  # data, not markup: the page scripts use textContent
                if response.headers.get("X-Content-Type-Options") != "nosniff":
                    problems.append(f"{where}: JSON without nosniff")
                continue
            if response.mimetype == "text/csv":  # a download, data too (cells keep the names as typed)
                if (response.headers.get("X-Content-Type-Options") != "nosniff"
                        or not response.headers.get("Content-Disposition", "").startswith("attachment")):
                    problems.append(f"{where}: CSV not sent as a nosniff attachment")
                continue
            binary = response.mimetype.startswith(("image/png", "audio/", "application/zip"))  # not markup
            body = "" if binary else response.get_data(as_text=True)
            for marker in RAW_MARKERS:
                if marker in body:
                    i = body.index(marker)
                    problems.append(f"{where}: unescaped attack: ...{body[max(0, i - 80):i + 40]!r}")
            if ESCAPED in body or "\\u003cscript\\u003e" in body:
                escaped_seen.add(endpoint)
            if response.mimetype == "text/html":
                html_pages += 1
                audit = PageAudit()
                audit.feed(body)
                problems += [f"{where}: {p}" for p in audit.problems]
    assert not problems, "\n".join(problems)
    assert html_pages >= 25
    # the attack really reached the pages that show these fields (so the test can fail)
    for endpoint in ("display.screen", "kiosk.kiosk_page", "counter.console", "status.page", "admin.office_page",
                     "admin.services", "admin.counters", "admin.devices", "printers.index", "manager.office_page"):
        if endpoint in app.view_functions:
            assert endpoint in escaped_seen, f"{endpoint} never showed the (escaped) attack"


def test_json_payloads_keep_the_attack_as_data(world):
    """The APIs and the scripts' JSON blocks carry names as data; the status page escapes `<` in its JSON."""
    inject(world.app)
    client = world.app.test_client()
    r = client.get(f"/api/v1/tickets/{world.bks.ids['token']}")
    assert r.mimetype == "application/json" and r.headers["X-Content-Type-Options"] == "nosniff"
    page = client.get(f"/t/{world.bks.ids['token']}").get_data(as_text=True)
    blocks = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)
    assert blocks and all("<" not in b for b in blocks), "a JSON block holds a raw '<' (could close the script)"


# ---------------------------------------------------------------------------------------- static checks

#: Markup() on purpose: the stock charts are SVG built by inventory.chart, which escapes every text it takes
MARKUP_ALLOWED = {("inventory/pages.py", "demand_svg"), ("inventory/pages.py", "stock_svg")}


def test_templates_never_mark_data_safe():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\|\s*safe\b|autoescape\s+false|\{%\s*autoescape", line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    for pkg in ("queue_service", "kiosk", "printers", "printjobs", "inventory"):
        for path in (ROOT / pkg).rglob("*.py"):
            rel = str(path.relative_to(ROOT))
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"\bMarkup\(", line) and not any(rel == f and k in line for f, k in MARKUP_ALLOWED):
                    offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "user data marked safe:\n" + "\n".join(offenders)


def test_chart_svg_escapes_its_texts():
    """The one Markup() exception: every label inventory.chart writes goes through html.escape."""
    chart = (ROOT / "inventory" / "chart.py").read_text()
    for m in re.finditer(r"\{(labels\[[^\]]+\]|title|desc)\}", chart):
        pytest.fail(f"unescaped {m.group(0)} in inventory/chart.py")


HTML_SINKS = re.compile(r"\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write|\beval\(|new Function\(")


def test_static_scripts_have_no_html_sinks():
    scripts = [p for p in (ROOT / "queue_service" / "static").rglob("*.js") if "vendor" not in p.parts]
    assert scripts
    offenders = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in scripts
                 for n, line in enumerate(p.read_text().splitlines(), 1) if HTML_SINKS.search(line)]
    assert not offenders, "build DOM nodes and set textContent instead:\n" + "\n".join(offenders)


# ---------------------------------------------------------------------------------------- cookies behind HTTPS


def _probe(app) -> dict:
    """A route that reports what the app believes about the request (registered before any request)."""
    seen = {}

    @app.get("/__probe")
    def _probe_view():
        from flask import request, url_for
        seen.update(scheme=request.scheme, addr=request.remote_addr, secure=request.is_secure,
                    url=url_for("pages.index", _external=True))
        return "ok"

    return seen


def test_session_cookie_is_secure_behind_an_https_proxy(tmp_path, monkeypatch):
    """ADMINDUK_SESSION_COOKIE_SECURE + ADMINDUK_PROXY_FIX behind nginx (X-Forwarded-Proto: https)."""
    from tests.conftest import seed
    monkeypatch.setenv("ADMINDUK_PROXY_FIX", "true")
    monkeypatch.setenv("ADMINDUK_SESSION_COOKIE_SECURE", "true")
    app = make_app(f"sqlite:///{tmp_path / 'https.sqlite3'}", tmp_path, WTF_CSRF_ENABLED=True)
    assert app.config["PROXY_FIX"] is True and app.config["SESSION_COOKIE_SECURE"] is True
    seen = _probe(app)
    data = seed(app)
    password = next(u["password"] for u in data["users"] if u["username"] == "manajer")
    client = app.test_client()
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "antrean.go.id"}
    token = csrf_from(client.get("/login", headers=proxy).get_data(as_text=True))
    # over https Flask-WTF also wants a same-origin Referer (browsers send it: Referrer-Policy same-origin)
    r = client.post("/login", headers=proxy, data={"username": "manajer", "password": password, "csrf_token": token})
    assert r.status_code == 400
    r = client.post("/login", headers={**proxy, "Referer": "https://antrean.go.id/login"},
                    data={"username": "manajer", "password": password, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    cookie = next(v for v in r.headers.getlist("Set-Cookie") if v.startswith("session="))
    attrs = [a.strip().lower() for a in cookie.split(";")]
    assert "secure" in attrs and "httponly" in attrs and "samesite=lax" in attrs, cookie
    assert client.get("/manager", headers=proxy).status_code == 200  # the browser sends it back over https
    # the proxy's scheme, client address and host are believed (one hop)
    client.get("/__probe", headers=proxy)
    assert seen == {"scheme": "https", "addr": "203.0.113.9", "secure": True, "url": "https://antrean.go.id/"}
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_without_proxy_fix_forwarded_headers_are_ignored(app):
    """Without PROXY_FIX a client cannot claim another address or scheme (throttle keys, URLs), and the
    session cookie is not marked Secure (plain-HTTP office PC)."""
    assert not app.config["PROXY_FIX"] and not app.config["SESSION_COOKIE_SECURE"]
    seen = _probe(app)
    app.test_client().get("/__probe", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4"})
    assert seen["scheme"] == "http" and seen["addr"] == "127.0.0.1" and not seen["secure"]


# ---------------------------------------------------------------------------------------- sign-in throttle


@pytest.fixture
def fresh_throttle(world):
    from queue_service.models import LoginFailure
    from queue_service.web import auth

    def clear():
        with world.app.app_context():
            db.session.query(LoginFailure).delete()
            db.session.commit()
    clear()
    yield auth.throttle
    clear()


def _blocked(app, key):
    from queue_service.web import auth
    with app.app_context():
        try:
            return auth.throttle.blocked(key)
        finally:
            db.session.remove()


def _try(client, username, password):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def test_login_throttle(world, fresh_throttle):
    app = world.app
    good = world.bks.password("petugas2")
    client = app.test_client()
    for _ in range(fresh_throttle.limit):
        assert _try(client, "petugas2", "salah-salah-salah").status_code == 401
    # now even the right password is refused for a while, with a clear 429 page
    r = _try(client, "petugas2", good)
    assert r.status_code == 429 and "Terlalu banyak percobaan" in r.get_data(as_text=True)
    assert client.get("/counter").status_code == 302  # not signed in
    # the block is per (address, username): the same person's colleague signs in normally
    assert _try(app.test_client(), "petugas3", world.bks.password("petugas3")).status_code == 302
    # ... and per address: another address (through the proxy fix) is not blocked
    key = ("127.0.0.1", "petugas2")
    assert _blocked(app, key)
    assert not _blocked(app, ("10.0.0.7", "petugas2"))
    # user names are compared case-insensitively, so "PETUGAS2" is the same key
    assert _try(app.test_client(), "PETUGAS2", good).status_code == 429
    from datetime import timedelta

    from queue_service.models import LoginFailure
    with app.app_context():  # stored hashed: neither the address nor the user name is in the table
        rows = db.session.query(LoginFailure).all()
        # one row for the (address, user name) count, one for the user name from any address
        assert len(rows) == 2 * fresh_throttle.limit and all("petugas2" not in r.key for r in rows)
        for r in rows:  # after the window the right password works again and clears the count
            r.at -= timedelta(seconds=fresh_throttle.window + 1)
        db.session.commit()
    assert _try(client, "petugas2", good).status_code == 302
    with app.app_context():
        assert db.session.query(LoginFailure).filter_by(key=fresh_throttle.digest(key)).count() == 0


def test_login_throttle_is_shared_by_processes_on_one_database(world, fresh_throttle, tmp_path):
    """A second app on the same database (another process behind the load balancer) sees the same count."""
    app = world.app
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, WTF_CSRF_ENABLED=True)
    for i in range(fresh_throttle.limit):
        c = (app if i % 2 else other).test_client()
        assert _try(c, "petugas2", "salah-salah-salah").status_code == 401
    for a in (app, other):
        assert _try(a.test_client(), "petugas2", world.bks.password("petugas2")).status_code == 429
    from queue_service.web.auth import LoginThrottle
    with other.app_context():  # a throttle that has seen nothing itself reads the count from the database
        assert LoginThrottle().blocked(("127.0.0.1", "petugas2"))
        db.session.remove()


def test_login_throttle_counts_unknown_users_too(world, fresh_throttle):
    """Guessing user names is throttled the same way (and answers the same as a wrong password)."""
    client = world.app.test_client()
    answers = {_try(client, "tidak-ada", "x" * 12).status_code for _ in range(fresh_throttle.limit)}
    assert answers == {401}
    assert _try(client, "tidak-ada", "x" * 12).status_code == 429
