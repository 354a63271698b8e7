"""Who is asking: staff (session or personal API token) or a device (kiosk/display token).

``principal()`` answers once per request; the decorators below turn missing or wrong
credentials into 401/403 (JSON under /api, a friendly page or a login redirect elsewhere).
"""
from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask import abort, current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import bindparam, event, inspect, select
from sqlalchemy.orm import Session, joinedload

from queue_service.clock import now as clock_now
from queue_service.db import SAFE_METHODS, write_apart
from queue_service.extensions import db
from queue_service.models import ApiToken, Device, Office, User
from queue_service.services.security import token_hash

log = logging.getLogger(__name__)

STAFF_TOKEN_PREFIX = "stf_"
DEVICE_TOKEN_PREFIXES = ("kio_", "dsp_")
#: the httponly cookie a paired kiosk or display keeps its device token in (set by the pairing pages)
DEVICE_COOKIE = "adminduk_device"
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie


@dataclass
class Principal:
    """Who is asking, as plain values (so that a resolved token can be remembered between requests);
    ``user`` and ``device`` load the ORM rows on first use, in the request's own session."""

    kind: str  # "user" | "device" | "anonymous" | "invalid"
    user_id: int | None = None
    device_id: int | None = None
    role: str | None = None  # staff only
    device_kind: str | None = None  # "kiosk" | "display"
    name: str = ""  # user name or device name
    via_token: bool = False
    #: the personal API token it came with (staff via a token)
    token_id: int | None = None
    office_ids: frozenset[int] = frozenset()
    _user: User | None = field(default=None, repr=False, compare=False)
    _device: Device | None = field(default=None, repr=False, compare=False)

    @property
    def user(self) -> User | None:
        if self._user is None and self.user_id is not None:
            self._user = db.session.get(User, self.user_id)
        return self._user

    @property
    def device(self) -> Device | None:
        if self._device is None and self.device_id is not None:
            self._device = db.session.get(Device, self.device_id)
        return self._device

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        if self.user_id is not None:
            return f"user:{self.name}"
        if self.device_id is not None:
            return f"device:{self.name}"
        return "anonymous"

    def can_access(self, office: Office | int) -> bool:
        office_id = office if isinstance(office, int) else office.id
        return self.is_admin or office_id in self.office_ids

    def has_role(self, *roles: str) -> bool:
        if self.user_id is None:
            return False
        return self.role == "admin" or self.role in roles


ANONYMOUS = Principal("anonymous")
INVALID = Principal("invalid")


def _for_user(user: User, *, via_token: bool = False, token_id: int | None = None) -> Principal:
    return Principal("user", user_id=user.id, role=user.role, name=user.username, via_token=via_token,
                     token_id=token_id, office_ids=frozenset(o.id for o in user.offices), _user=user)


def _for_device(device: Device) -> Principal:
    return Principal("device", device_id=device.id, device_kind=device.kind, name=device.name, via_token=True,
                     office_ids=frozenset({device.office_id}), _device=device)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        token = header[7:].strip()
        return token or None
    return None


# --------------------------------------------------------------------------- resolved tokens, remembered

class TokenCache:
    """Resolved tokens (digest -> Principal without ORM rows) for ``PRINCIPAL_CACHE_SECONDS``.

    A kiosk or a script sends its token with every request; resolving it is two queries, a fifth of an
    API call's cost. A change to users, API tokens or devices committed by *this* process (revoke, role,
    deactivation, re-pairing) empties every cache at once (:func:`_watch_credentials`); one committed by
    another process of the deployment takes effect within the TTL. Unknown tokens are never remembered."""

    def __init__(self, ttl: float, size: int = 4096, clock: Callable[[], float] = time.monotonic):
        self.ttl, self.size = ttl, size
        self.clock = clock  # seconds, monotonic; tests pass their own to step over the TTL without sleeping
        self._entries: dict[str, tuple[float, int, Principal]] = {}

    def get(self, digest: str) -> Principal | None:
        hit = self._entries.get(digest)
        if hit is None:
            return None
        expires, generation, p = hit
        if generation != _generation[0] or expires < self.clock():
            self._entries.pop(digest, None)
            return None
        return replace(p)  # a fresh object per request: its ORM rows load in that request's session

    def put(self, digest: str, p: Principal) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[digest] = (self.clock() + self.ttl, _generation[0], replace(p, _user=None, _device=None))


#: bumped after any commit that changed a user, an API token or a device (every TokenCache starts over)
_generation = [0]
_CREDENTIALS = {User: ("username", "role", "active", "offices", "password_hash", "session_version"),
                ApiToken: ("token_hash", "revoked_at", "user_id"),
                Device: ("token_hash", "revoked_at", "kind", "name", "office_id")}
#: changes that end the open Socket.IO connections of that principal (realtime.principal_room kind, attributes);
#: a renamed device or user keeps its connections
_ENDS_CONNECTIONS = {User: (("user", ("role", "active", "offices")), ("session", ("session_version", "password_hash"))),
                     ApiToken: (("token", ("token_hash", "revoked_at", "user_id")),),
                     Device: (("device", ("token_hash", "revoked_at", "kind", "office_id")),)}


def forget_resolved_tokens() -> None:
    """Every process-local TokenCache starts over (called at a commit that changed credentials, and when
    another process says it revoked something)."""
    _generation[0] += 1


def _changed(obj, attrs) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


@event.listens_for(Session, "before_flush")
def _watch_credentials(session, _flush_context, _instances) -> None:
    """Note which credentials this transaction changes: resolved tokens are forgotten at its commit, and
    the open connections of a revoked device, token or user are ended (``_forget_credentials``)."""
    rooms: set[str] = session.info.setdefault("ended_connections", set())
    for obj in (*session.new, *session.deleted):
        if type(obj) in _CREDENTIALS:
            session.info["credentials_changed"] = True
            if obj in session.deleted and obj.id is not None:
                rooms.update(_room(kind, obj.id) for kind, _attrs in _ENDS_CONNECTIONS[type(obj)][:1])
    for obj in session.dirty:
        attrs = _CREDENTIALS.get(type(obj))
        if not attrs or not _changed(obj, attrs):
            continue
        session.info["credentials_changed"] = True
        for kind, ending in _ENDS_CONNECTIONS[type(obj)]:
            if _changed(obj, ending):
                rooms.add(_room(kind, obj.id))


def _room(kind: str, ident: int) -> str:
    from queue_service.realtime import principal_room
    return principal_room(kind, ident)


@event.listens_for(Session, "after_commit")
def _forget_credentials(session) -> None:
    if session.info.pop("credentials_changed", False):
        forget_resolved_tokens()
    rooms = session.info.pop("ended_connections", None)
    if rooms:
        from queue_service import realtime
        realtime.disconnect(rooms)


@event.listens_for(Session, "after_rollback")
def _keep_credentials(session) -> None:
    session.info.pop("credentials_changed", None)
    session.info.pop("ended_connections", None)


def _token_cache() -> TokenCache:
    cache = current_app.extensions.get("adminduk_tokens")
    if cache is None:
        cache = current_app.extensions["adminduk_tokens"] = TokenCache(
            float(current_app.config.get("PRINCIPAL_CACHE_SECONDS", 10)))
    return cache


def principal_from_token(token: str, *, touch: bool = True) -> Principal | None:
    """Resolve a device or staff API token (both stored hashed). None when unknown or revoked."""
    digest = token_hash(token)
    cache = _token_cache()
    found = cache.get(digest)
    if found is None:
        found = _resolve(token, digest, touch)
        if found is not None:
            cache.put(digest, found)
    return found


def _resolve(token: str, digest: str, touch: bool) -> Principal | None:
    now = clock_now()
    # the prefix says which table holds it (services.security.new_token): staff tokens skip the device lookup
    if not token.startswith(STAFF_TOKEN_PREFIX):
        device = db.session.scalar(select(Device).where(Device.token_hash == digest, Device.revoked_at.is_(None)))
        if device is not None:
            return _for_device(device)
        if token.startswith(DEVICE_TOKEN_PREFIXES):
            return None
    api = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
                            .options(joinedload(ApiToken.user).selectinload(User.offices)))
    if api is not None and api.user.active:
        if touch and (api.last_used_at is None or (now - api.last_used_at).total_seconds() > 300):
            _touch(api, now)
        return _for_user(api.user, via_token=True, token_id=api.id)
    return None


def _touch(api: ApiToken, now: datetime) -> None:
    """Record when a staff token was last used (at most every 5 minutes). A request that changes something
    does it in its own transaction; a safe one (GET/HEAD/OPTIONS, a deferred read transaction on SQLite)
    must not write through the request's session, so it does it in a short transaction of its own, and
    skips it when the database is busy (it is bookkeeping, never worth a failed page)."""
    if not has_request_context() or request.method not in SAFE_METHODS:
        api.last_used_at = now  # committed with the request's transaction, if any
        return
    from sqlalchemy import or_, update
    from sqlalchemy.exc import OperationalError
    stmt = (update(ApiToken).where(ApiToken.id == api.id, or_(
        ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - timedelta(seconds=300)))
        .values(last_used_at=now).execution_options(synchronize_session=False))
    try:
        write_apart(db.engine, lambda session: session.execute(stmt))
    except OperationalError as exc:
        log.info("token use time not recorded (database busy): %s", exc)


def principal() -> Principal:
    if "principal" in g:
        return g.principal
    result = ANONYMOUS
    token = bearer_token()
    if token is not None:
        result = principal_from_token(token) or INVALID
    elif request.cookies.get(DEVICE_COOKIE):
        result = principal_from_token(request.cookies[DEVICE_COOKIE], touch=False) or ANONYMOUS
        if current_user.is_authenticated:  # staff logged in on a paired device: staff wins
            result = _user_principal(current_user)
    elif current_user.is_authenticated:
        result = _user_principal(current_user)
    g.principal = result
    return result


def _user_principal(user: User) -> Principal:
    return _for_user(user)


def require(*, roles: tuple[str, ...] = (), devices: tuple[str, ...] = (), public: bool = False):
    """Allow staff with one of ``roles`` (admins always) and/or devices of the given kinds."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            p = principal()
            if p.kind == "invalid":
                abort(401, description="The token is unknown or has been revoked.")
            if p.kind == "user" and (not roles or p.has_role(*roles)):
                return view(*args, **kwargs)
            if p.kind == "device" and p.device_kind in devices:
                return view(*args, **kwargs)
            if public:
                return view(*args, **kwargs)
            if p.kind == "anonymous":
                if _sign_in_page():
                    from queue_service.extensions import login
                    return login.unauthorized()  # to /login?next=<this page>
                abort(401, description="Please sign in or send a valid token.")
            abort(403, description="You are not allowed to do this.")
        return wrapper

    return decorator


#: pages whose anonymous visitor is a device, not a person who can sign in: their 401 page says how to pair
DEVICE_BLUEPRINTS = ("display", "kiosk")


def _sign_in_page() -> bool:
    """An anonymous browser asking for a staff page (a manager opening /manager on Monday morning) is sent to
    the sign-in page and back; API calls, form posts and device pages get their 401."""
    return (request.method in ("GET", "HEAD") and not request.path.startswith("/api/")
            and request.blueprint not in DEVICE_BLUEPRINTS)


_OFFICE_BY_CODE = select(Office).where(Office.code == bindparam("code"))


def office_or_404(code: str) -> Office:
    office = db.session.scalar(_OFFICE_BY_CODE, {"code": code})
    if office is None:
        abort(404, description=f"Office {code!r} does not exist.")
    return office


def ensure_office(office: Office | int) -> None:
    """403 unless the current principal belongs to ``office`` (admins belong everywhere)."""
    if not principal().can_access(office):
        abort(403, description="You do not have access to this office.")


def accessible_office(code: str) -> Office:
    """The office with ``code`` (404) that the current principal belongs to (403)."""
    office = office_or_404(code)
    ensure_office(office)
    return office


def set_device_cookie(response, token: str):
    """Pair this browser: keep the device token in the httponly cookie (``Secure`` over HTTPS, or whenever
    ``SESSION_COOKIE_SECURE`` says the deployment is behind HTTPS). Both pairing pages (kiosk, display)."""
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure
    response.set_cookie(DEVICE_COOKIE, token, max_age=DEVICE_COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=secure, path="/")
    return response


def accessible_offices() -> list[Office]:
    p = principal()
    query = select(Office).order_by(Office.code)
    if not p.is_admin:
        query = query.where(Office.id.in_(p.office_ids or {-1}))
    return list(db.session.scalars(query))
