"""Users, personal API tokens and devices."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_service.domain.errors import Conflict, NotFound, ValidationFailed
from queue_service.models import ApiToken, Device, Office, User
from queue_service.services.security import hash_password, new_token, token_hash

ROLES = ("admin", "manager", "clerk")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
MIN_PASSWORD = 10


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationFailed(f"The password must have at least {MIN_PASSWORD} characters.", field="password")


def create_user(session: Session, *, username: str, password: str, role: str, offices: list[Office],
                full_name: str = "") -> User:
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationFailed("A username has 2-60 characters: lowercase letters, digits, dot, dash, underscore.",
                               field="username")
    if role not in ROLES:
        raise ValidationFailed(f"Role must be one of {', '.join(ROLES)}.", field="role")
    check_password_strength(password)
    if role != "admin" and not offices:
        raise ValidationFailed("A clerk or manager belongs to at least one office.", field="offices")
    if session.scalar(select(User.id).where(func.lower(User.username) == username)) is not None:
        raise Conflict(f"The username {username!r} is taken.", field="username")
    user = User(username=username, full_name=full_name, password_hash=hash_password(password), role=role,
                offices=list(offices))
    session.add(user)
    session.flush()
    return user


def user_by_name(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.username) == (username or "").strip().lower()))
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    return user


def create_api_token(session: Session, *, user: User, now: datetime, name: str = "") -> tuple[ApiToken, str]:
    """Returns the row and the token in clear, which is shown once and never stored."""
    token = new_token("stf")
    row = ApiToken(user_id=user.id, name=name[:60], token_hash=token_hash(token), created_at=now)
    session.add(row)
    session.flush()
    return row, token


def create_device(session: Session, *, office: Office, kind: str, name: str, now: datetime,
                  printer_uri: str | None = None, printer_profile: str | None = None) -> tuple[Device, str]:
    if kind not in ("kiosk", "display"):
        raise ValidationFailed("A device is a kiosk or a display.", field="kind")
    token = new_token("kio" if kind == "kiosk" else "dsp")
    device = Device(office_id=office.id, kind=kind, name=name[:60] or kind, token_hash=token_hash(token),
                    created_at=now, printer_uri=printer_uri, printer_profile=printer_profile)
    device.office = office
    session.add(device)
    session.flush()
    return device, token


def rotate_device_token(session: Session, device: Device) -> str:
    token = new_token("kio" if device.kind == "kiosk" else "dsp")
    device.token_hash = token_hash(token)
    device.revoked_at = None
    return token
