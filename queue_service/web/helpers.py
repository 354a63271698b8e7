"""Small helpers shared by the views: the request's clock, the queue policy, JSON input,
and "commit, then emit"."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import abort, current_app, request

from queue_service import realtime
from queue_service.extensions import db


def now() -> datetime:
    """The request's clock. Tests may set ``app.config["CLOCK"]`` to an object with ``now()``."""
    clock = current_app.config.get("CLOCK")
    return clock.now() if clock is not None else datetime.now(timezone.utc)


def queue_policy():
    return current_app.extensions["adminduk"]["policy"]


def commit_and_emit(events) -> None:
    """Views own the transaction: commit first, then push, so screens never show what is not stored."""
    db.session.commit()
    realtime.emit(events)


def json_body(required: bool = True) -> dict:
    """The request's JSON object, or a 400/415 with a message a person understands."""
    if not request.data and not required:
        return {}
    if not request.is_json:
        abort(415, description="Send a JSON body with Content-Type: application/json.")
    data = request.get_json(silent=True)
    if data is None:
        abort(400, description="The body is not valid JSON.")
    if not isinstance(data, dict):
        abort(400, description="The JSON body must be an object.")
    return data


def field(data: dict, name: str, kind, *, required: bool = True, nullable: bool = False, default=None,
          max_length: int | None = None, minimum: int | None = None, maximum: int | None = None):
    """One validated field of a JSON body."""
    if name not in data:
        if required:
            abort(400, description=f"Field '{name}' is required.")
        return default
    value = data[name]
    if value is None:
        if nullable:
            return None
        abort(400, description=f"Field '{name}' may not be null.")
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        names = {str: "a string", int: "a whole number", bool: "true or false", dict: "an object", list: "a list"}
        abort(400, description=f"Field '{name}' must be {names.get(kind, kind.__name__)}.")
    if kind is str:
        value = value.strip()
        if max_length is not None and len(value) > max_length:
            abort(400, description=f"Field '{name}' is longer than {max_length} characters.")
    if kind is int:
        if minimum is not None and value < minimum:
            abort(400, description=f"Field '{name}' must be at least {minimum}.")
        if maximum is not None and value > maximum:
            abort(400, description=f"Field '{name}' must be at most {maximum}.")
    return value


def public_base() -> str:
    return current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")
