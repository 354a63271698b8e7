"""Resolved tokens are remembered for PRINCIPAL_CACHE_SECONDS: a change made in this process takes effect at
once, one made by another process of the deployment (another engine on the same database) within the TTL."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import create_engine, update

from queue_service.extensions import db
from queue_service.models import ApiToken, Device, User
from queue_service.services.security import token_hash
from queue_service.web.access import TokenCache
from tests.conftest import Api, make_app, seed, tokens


def _app(tmp_path, ttl):
    app = make_app(f"sqlite:///{tmp_path / 'cache.sqlite3'}", tmp_path, PRINCIPAL_CACHE_SECONDS=ttl)
    data = seed(app)
    api = Api(app.test_client())
    api.tokens = tokens(data)
    return app, api


def _queue(api, token):
    return api.get("/api/v1/offices/BKS/queue", token=token).status_code


def _other_process(app, stmt) -> None:
    """What another server process does: its own engine, its own commit (no event in this process)."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as conn:
        conn.execute(stmt)
    engine.dispose()


class Ticks:
    """A monotonic clock for the cache that moves only when the test says so (no sleeping against a TTL)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_revocation_by_another_process_counts_within_the_ttl(tmp_path):
    app, api = _app(tmp_path, 10)
    ticks = Ticks()
    app.extensions["adminduk_tokens"] = TokenCache(10, clock=ticks)
    token = api.tokens["petugas1"]
    assert _queue(api, token) == 200
    _other_process(app, update(ApiToken).where(ApiToken.token_hash == token_hash(token))
                   .values(revoked_at=datetime.now(timezone.utc)))
    ticks.now += 9.9
    assert _queue(api, token) == 200  # remembered: this process has not heard of it yet
    ticks.now += 0.2
    assert _queue(api, token) == 401  # past the TTL: asked the database again


def test_a_change_made_in_this_process_counts_at_once(tmp_path):
    app, api = _app(tmp_path, 3600)
    clerk, kiosk = api.tokens["petugas1"], api.tokens["kiosk"]
    assert _queue(api, clerk) == 200 and _queue(api, kiosk) == 200
    with app.app_context():
        db.session.scalar(db.select(User).where(User.username == "petugas1")).active = False
        db.session.scalar(db.select(Device).where(Device.kind == "kiosk")).revoked_at = datetime.now(timezone.utc)
        db.session.commit()
    assert _queue(api, clerk) == 401 and _queue(api, kiosk) == 401


def _record_movement(api, token):  # managers only; an empty body is a 400 for them
    return api.post("/api/v1/offices/BKS/stock/movements", {}, token=token).status_code


def test_a_role_change_counts_at_once_and_a_rolled_back_one_never(tmp_path):
    app, api = _app(tmp_path, 3600)
    clerk = api.tokens["petugas1"]
    assert _record_movement(api, clerk) == 403
    with app.app_context():
        db.session.scalar(db.select(User).where(User.username == "petugas1")).role = "manager"
        db.session.rollback()
    assert _record_movement(api, clerk) == 403
    with app.app_context():
        db.session.scalar(db.select(User).where(User.username == "petugas1")).role = "manager"
        db.session.commit()
    assert _record_movement(api, clerk) == 400


def test_ttl_zero_asks_the_database_every_time(tmp_path):
    app, api = _app(tmp_path, 0)
    kiosk = api.tokens["kiosk"]
    assert _queue(api, kiosk) == 200
    _other_process(app, update(Device).where(Device.kind == "kiosk").values(revoked_at=datetime.now(timezone.utc)))
    assert _queue(api, kiosk) == 401


def test_unknown_tokens_are_never_remembered(tmp_path):
    app, api = _app(tmp_path, 3600)
    assert _queue(api, "stf_not-a-token") == 401
    with app.app_context():
        assert not app.extensions["adminduk_tokens"]._entries
