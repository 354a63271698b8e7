"""The test infrastructure works for real: PostgreSQL, Redis, server processes, Chromium, axe-core, vendored JS."""

from __future__ import annotations

import http.server
import socket
import sys
import threading
from pathlib import Path

import pytest

from tests.plugins.browser import ARTIFACTS_DIR, AXE_PATH, assert_accessible, check_a11y, save_artifact
from tests.plugins.servers import free_port, libpq_url, services_required, wait_for_http, wait_for_port

REPO_ROOT = Path(__file__).resolve().parents[1]

ACCESSIBLE_HTML = """<!doctype html>
<html lang="id">
<head><meta charset="utf-8"><title>Antrean Disdukcapil</title>
<style>body { font-family: sans-serif; color: #111; background: #fff; }</style></head>
<body>
<main>
  <h1>Ambil nomor antrean</h1>
  <form action="/take" method="post">
    <label for="nik">NIK</label>
    <input id="nik" name="nik" type="text" inputmode="numeric" autocomplete="off">
    <button type="submit">Ambil nomor</button>
  </form>
  <p>Nomor Anda: <strong>A-001</strong></p>
</main>
</body>
</html>
"""

# An unlabeled input (critical "label") and light grey on white (serious "color-contrast").
INACCESSIBLE_HTML = """<!doctype html>
<html lang="id">
<head><meta charset="utf-8"><title>Rusak</title></head>
<body>
<main>
  <h1>Formulir</h1>
  <input type="text" name="nik">
  <p style="color: #cccccc; background: #ffffff">Teks abu-abu muda yang sulit dibaca</p>
</main>
</body>
</html>
"""

# Like the app: no inline scripts allowed.
CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'"


# --------------------------------------------------------------------------- a tiny local web server


class _Handler(http.server.BaseHTTPRequestHandler):
    pages = {
        "/ok": ACCESSIBLE_HTML,
        "/bad": INACCESSIBLE_HTML,
    }

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        body = self.pages.get(path)
        if body is None:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def local_site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- PostgreSQL


def test_postgres_select_1(postgres_server):
    import psycopg

    assert postgres_server.url.startswith("postgresql+psycopg://")
    assert f"@127.0.0.1:{postgres_server.port}/" in postgres_server.url
    with psycopg.connect(libpq_url(postgres_server.url)) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
        assert conn.execute("show fsync").fetchone() == ("off",)
        assert conn.execute("show server_encoding").fetchone() == ("UTF8",)
        assert conn.execute("show listen_addresses").fetchone() == ("127.0.0.1",)


def test_postgres_new_databases_are_isolated(postgres_server):
    import psycopg

    first = postgres_server.new_database()
    second = postgres_server.new_database(prefix="Other Name!")
    assert first != second
    with psycopg.connect(libpq_url(first), autocommit=True) as conn:
        conn.execute("create table t (x int)")
        conn.execute("insert into t values (42)")
        assert conn.execute("select x from t").fetchone() == (42,)
    with psycopg.connect(libpq_url(second), autocommit=True) as conn:
        assert conn.execute("select to_regclass('public.t')").fetchone() == (None,)
        assert conn.execute("select current_database()").fetchone()[0] == second.rsplit("/", 1)[1]
    postgres_server.drop_database(first)
    with psycopg.connect(postgres_server.admin_dsn) as conn:
        names = {r[0] for r in conn.execute("select datname from pg_database")}
    assert first.rsplit("/", 1)[1] not in names
    assert second.rsplit("/", 1)[1] in names


def test_postgres_db_url_fixture_works_with_sqlalchemy(postgres_db_url):
    import sqlalchemy  # a dependency of the product itself: no skip
    engine = sqlalchemy.create_engine(postgres_db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sqlalchemy.text("select 1")).scalar() == 1
    finally:
        engine.dispose()


def test_postgres_unix_socket_in_tmpdir(postgres_server):
    sock = postgres_server.socket_dir / f".s.PGSQL.{postgres_server.port}"
    assert sock.exists()


# --------------------------------------------------------------------------- Redis


def test_redis_ping(redis_server):
    import redis

    assert redis_server.url == f"redis://127.0.0.1:{redis_server.port}/0"
    client = redis.Redis.from_url(redis_server.url)
    try:
        assert client.ping() is True
        client.set("adminduk:test", "A-001")
        assert client.get("adminduk:test") == b"A-001"
        assert client.config_get("save")["save"] == ""
        assert client.config_get("appendonly")["appendonly"] == "no"
        redis_server.flushall()
        assert client.get("adminduk:test") is None
    finally:
        client.close()


# --------------------------------------------------------------------------- ports and server processes


def test_free_port_is_bindable():
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_spawn_server_waits_for_http_and_stops(spawn_server, tmp_path):
    (tmp_path / "index.html").write_text("<p>hello</p>")
    port = free_port()
    server = spawn_server(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)],
        url=f"http://127.0.0.1:{port}/index.html",
        timeout=30,
    )
    assert server.alive()
    assert wait_for_http(f"http://127.0.0.1:{port}/index.html", timeout=5) == 200
    assert wait_for_http(f"http://127.0.0.1:{port}/missing", timeout=5) == 404  # any answer counts
    wait_for_port("127.0.0.1", port, timeout=5)
    server.stop()
    assert not server.alive()


def test_spawn_server_reports_a_crashing_process(spawn_server):
    with pytest.raises(RuntimeError, match="exited with status 3"):
        spawn_server(
            [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"],
            url=f"http://127.0.0.1:{free_port()}/",
            timeout=20,
        )


def test_wait_for_http_times_out():
    with pytest.raises(TimeoutError):
        wait_for_http(f"http://127.0.0.1:{free_port()}/", timeout=0.5)


# --------------------------------------------------------------------------- browser and accessibility


def test_browser_renders_and_saves_screenshot(page, local_site):
    page.goto(f"{local_site}/ok")
    assert page.title() == "Antrean Disdukcapil"
    assert page.get_by_role("button", name="Ambil nomor").is_visible()
    path = save_artifact(page, "infra-accessible-page")
    assert path.exists() and path.stat().st_size > 1000
    assert path.parent == ARTIFACTS_DIR  # test-artifacts/ at the repo root unless ADMINDUK_ARTIFACTS_DIR is set


def test_page_fixture_enforces_csp(page, local_site):
    page.goto(f"{local_site}/ok")
    # An inline script is blocked by the page's CSP in the ordinary page fixture.
    with pytest.raises(Exception):
        page.add_script_tag(content="window.__inline_ran = true;")
    assert page.evaluate("() => window.__inline_ran === true") is False


def test_accessible_page_passes(a11y_page, local_site):
    a11y_page.goto(f"{local_site}/ok")  # served with a strict CSP: bypass_csp lets axe in
    violations = assert_accessible(a11y_page)
    assert [v for v in violations if v["impact"] in ("serious", "critical")] == []


def test_check_a11y_finds_violations(a11y_page, local_site):
    a11y_page.goto(f"{local_site}/bad")
    ids = {v["id"]: v for v in check_a11y(a11y_page)}
    assert "label" in ids, ids.keys()
    assert "color-contrast" in ids, ids.keys()
    assert ids["label"]["impact"] == "critical"
    assert any("input" in " ".join(map(str, n["target"])) for n in ids["label"]["nodes"])


def test_assert_accessible_fails_listing_violations(a11y_page, local_site):
    a11y_page.goto(f"{local_site}/bad")
    with pytest.raises(pytest.fail.Exception) as info:
        assert_accessible(a11y_page, artifact="infra-inaccessible-page")
    message = str(info.value)
    assert "label" in message and "color-contrast" in message
    assert "critical" in message and "serious" in message
    assert "input" in message  # the offending node's target


def test_check_a11y_on_data_url(a11y_page):
    a11y_page.goto("data:text/html;charset=utf-8," + INACCESSIBLE_HTML.replace("#", "%23"))
    assert "label" in {v["id"] for v in check_a11y(a11y_page)}


def test_axe_needs_bypass_csp_and_says_so(page, local_site):
    page.goto(f"{local_site}/ok")
    with pytest.raises(RuntimeError, match="a11y_page"):
        check_a11y(page)


# --------------------------------------------------------------------------- vendored files


def test_vendored_socketio_client():
    folder = REPO_ROOT / "queue_service" / "static" / "vendor" / "socket.io"
    js = folder / "socket.io.min.js"
    assert js.is_file() and js.stat().st_size > 10_000
    head = js.read_text(encoding="utf-8")[:300]
    assert "Socket.IO v4." in head
    assert "MIT" in (folder / "LICENSE").read_text(encoding="utf-8")
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "4.8" in readme and "MIT" in readme


def test_vendored_axe_core():
    assert AXE_PATH.is_file()
    assert "axe v4." in AXE_PATH.read_text(encoding="utf-8")[:200]
    folder = AXE_PATH.parent
    assert "Mozilla Public License" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert "MPL-2.0" in (folder / "README.md").read_text(encoding="utf-8")


def test_socketio_client_loads_in_browser(page, local_site, tmp_path):
    """The vendored client defines window.io when served from 'self' under the strict CSP."""
    js = (REPO_ROOT / "queue_service/static/vendor/socket.io/socket.io.min.js").read_text(encoding="utf-8")
    page.route(f"{local_site}/static/socket.io.min.js",
               lambda route: route.fulfill(body=js, content_type="text/javascript"))
    page.route(f"{local_site}/sio", lambda route: route.fulfill(
        body='<!doctype html><html lang="en"><head><title>x</title>'
             '<script src="/static/socket.io.min.js"></script></head><body></body></html>',
        content_type="text/html", headers={"Content-Security-Policy": CSP}))
    page.goto(f"{local_site}/sio")
    assert page.evaluate("() => typeof window.io") == "function"
    assert page.page_errors == []


def test_require_services_flag_is_read(monkeypatch):
    monkeypatch.setenv("ADMINDUK_REQUIRE_SERVICES", "1")
    assert services_required()
    monkeypatch.setenv("ADMINDUK_REQUIRE_SERVICES", "0")
    assert not services_required()
    monkeypatch.delenv("ADMINDUK_REQUIRE_SERVICES")
    assert not services_required()
