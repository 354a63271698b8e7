"""Shared fixtures: an app on a file SQLite database (or a real PostgreSQL), the demo office,
a controllable clock, and API helpers. Server and browser fixtures live in tests/plugins/."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", os.path.join(os.path.dirname(__file__), "..", ".escpos-cache"))
os.makedirs(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"], exist_ok=True)  # escpos does not create it

pytest_plugins = ["tests.plugins.servers", "tests.plugins.browser", "tests.plugins.printer"]

from queue_service.app import create_app  # noqa: E402
from queue_service.domain.clock import FixedClock  # noqa: E402
from queue_service.extensions import db  # noqa: E402
from queue_service.services import security  # noqa: E402
from queue_service.services.seed import seed_demo  # noqa: E402

# hashing cost is not what the tests test; production keeps werkzeug's scrypt default
security.HASH_METHOD = "pbkdf2:sha256:1000"

#: Monday 5 January 2026, 08:00 WIB
MONDAY_0800_WIB = datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc)


def make_app(url: str, tmp_path, **extra):
    config = {"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": url,
              "INSTANCE_PATH": str(tmp_path / "instance"), "BACKGROUND_WORKERS": False,
              "PUBLIC_URL": "https://antrean.example.go.id", "CLOCK": FixedClock(MONDAY_0800_WIB)}
    config.update(extra)
    app = create_app(config)
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def clock():
    return FixedClock(MONDAY_0800_WIB)


@pytest.fixture
def app(tmp_path, clock):
    app = make_app(f"sqlite:///{tmp_path / 'test.sqlite3'}", tmp_path, CLOCK=clock)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def pg_app(tmp_path, clock, postgres_server):
    app = make_app(postgres_server.new_database(), tmp_path, CLOCK=clock)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_app(request, tmp_path, clock):
    """The same test on file SQLite and on a real PostgreSQL server."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_server").new_database()
    app = make_app(url, tmp_path, CLOCK=clock)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def seed(app, *, always_open: bool = False) -> dict:
    """Seed the demo office; ``always_open`` for tests on the real clock (open every day, all day)."""
    with app.app_context():
        data = seed_demo(db.session, now=MONDAY_0800_WIB)
        if always_open:
            open_all_day(db.session)
        db.session.commit()
        db.session.remove()
    return data


from queue_service.services.seed import open_all_day  # noqa: E402,F401  (re-exported for tests)


@pytest.fixture
def demo(app):
    return seed(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Api:
    """Bearer-token JSON calls against the test client."""

    def __init__(self, client, token: str | None = None):
        self.client, self.token = client, token

    def _headers(self, token):
        token = token or self.token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path, token=None):
        return self.client.get(path, headers=self._headers(token))

    def post(self, path, json=None, token=None, **kw):
        if json is None and "data" not in kw:
            return self.client.post(path, headers=self._headers(token), **kw)
        return self.client.post(path, json=json, headers=self._headers(token), **kw)


def tokens(data: dict) -> dict:
    out = {u["username"]: u["api_token"] for u in data["users"]}
    out.update({d["kind"]: d["token"] for d in data["devices"]})
    return out


@pytest.fixture
def api(client, demo):
    api = Api(client)
    api.tokens = tokens(demo)
    api.demo = demo
    return api


class LiveServer:
    """The real app (HTTP + Socket.IO over websockets) served from a thread on 127.0.0.1."""

    def __init__(self, app, data):
        import threading

        from werkzeug.serving import make_server

        self.app, self.demo = app, data
        self.tokens = tokens(data)
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._thread.join(5)

    def login(self, page, username):
        """Sign a Playwright page in as a demo user."""
        password = next(u["password"] for u in self.demo["users"] if u["username"] == username)
        page.goto(f"{self.url}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")


@pytest.fixture
def live_server(tmp_path):
    """A seeded app served for real (real clock) for browser and Socket.IO client tests."""
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite3'}", tmp_path, CLOCK=None,
                   PUBLIC_URL=None, WTF_CSRF_ENABLED=True)
    data = seed(app, always_open=True)
    server = LiveServer(app, data)
    yield server
    server.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
