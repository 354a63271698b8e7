"""Who is asking: staff (session or personal API token) or a device (kiosk/display token).

``principal()`` answers once per request; the decorators below turn missing or wrong
credentials into 401/403 (JSON under /api, a friendly page or a login redirect elsewhere).
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import abort, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from queue_service.db import SAFE_METHODS, write_apart
from queue_service.extensions import db
from queue_service.models import ApiToken, Device, Office, User
from queue_service.services.security import token_hash

log = logging.getLogger(__name__)

STAFF_TOKEN_PREFIX = "stf_"
DEVICE_TOKEN_PREFIXES = ("kio_", "dsp_")


@dataclass
class Principal:
    kind: str  # "user" | "device" | "anonymous"
    user: User | None = None
    device: Device | None = None
    via_token: bool = False
    office_ids: set[int] = field(default_factory=set)

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.role == "admin"

    @property
    def role(self) -> str | None:
        return self.user.role if self.user else None

    @property
    def actor(self) -> str:
        if self.user is not None:
            return f"user:{self.user.username}"
        if self.device is not None:
            return f"device:{self.device.name}"
        return "anonymous"

    def can_access(self, office: Office | int) -> bool:
        office_id = office if isinstance(office, int) else office.id
        return self.is_admin or office_id in self.office_ids

    def has_role(self, *roles: str) -> bool:
        if self.user is None:
            return False
        return self.user.role == "admin" or self.user.role in roles


ANONYMOUS = Principal("anonymous")


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        token = header[7:].strip()
        return token or None
    return None


def principal_from_token(token: str, *, touch: bool = True) -> Principal | None:
    """Resolve a device or staff API token (both stored hashed). None when unknown or revoked."""
    digest = token_hash(token)
    now = datetime.now(timezone.utc)
    # the prefix says which table holds it (services.security.new_token): staff tokens skip the device lookup
    if not token.startswith(STAFF_TOKEN_PREFIX):
        device = db.session.scalar(select(Device).where(Device.token_hash == digest, Device.revoked_at.is_(None)))
        if device is not None:
            return Principal("device", device=device, via_token=True, office_ids={device.office_id})
        if token.startswith(DEVICE_TOKEN_PREFIXES):
            return None
    api = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
                            .options(joinedload(ApiToken.user)))  # token and user in one statement
    if api is not None and api.user.active:
        if touch and (api.last_used_at is None or (now - api.last_used_at).total_seconds() > 300):
            _touch(api, now)
        return Principal("user", user=api.user, via_token=True, office_ids={o.id for o in api.user.offices})
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
        result = principal_from_token(token) or Principal("invalid")
    elif request.cookies.get("adminduk_device"):
        result = principal_from_token(request.cookies["adminduk_device"], touch=False) or ANONYMOUS
        if current_user.is_authenticated:  # staff logged in on a paired device: staff wins
            result = _user_principal(current_user)
    elif current_user.is_authenticated:
        result = _user_principal(current_user)
    g.principal = result
    return result


def _user_principal(user: User) -> Principal:
    return Principal("user", user=user, office_ids={o.id for o in user.offices})


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
            if p.kind == "device" and p.device.kind in devices:
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


def office_or_404(code: str) -> Office:
    office = db.session.scalar(select(Office).where(Office.code == code))
    if office is None:
        abort(404, description=f"Office {code!r} does not exist.")
    return office


def ensure_office(office: Office | int) -> None:
    """403 unless the current principal belongs to ``office`` (admins belong everywhere)."""
    if not principal().can_access(office):
        abort(403, description="You do not have access to this office.")


def accessible_offices() -> list[Office]:
    p = principal()
    query = select(Office).order_by(Office.code)
    if not p.is_admin:
        query = query.where(Office.id.in_(p.office_ids or {-1}))
    return list(db.session.scalars(query))
