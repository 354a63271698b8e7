"""Small helpers shared by the views: the queue policy, JSON input, and "commit, then emit". (The request's
clock is ``queue_service.clock.now``; what features add is ``queue_service.hooks.current()``.)"""
from __future__ import annotations

from flask import abort, current_app, request

from queue_service import realtime
from queue_service.domain.text import has_control_characters
from queue_service.extensions import db
from queue_service.services.tickets import QueuePolicy


def queue_policy() -> QueuePolicy:
    """The office-wide queue knobs of this app (``NO_SHOW_REQUEUES``, ``TRANSFER_POSITION``)."""
    return QueuePolicy.from_config(current_app.config)


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


#: the database's INTEGER range (PostgreSQL int4): a bigger number in a body or a query is a 400, never a 500
INT_MIN, INT_MAX = -2_147_483_648, 2_147_483_647


def field(data: dict, name: str, kind, *, required: bool = True, nullable: bool = False, default=None,
          max_length: int | None = None, minimum: int | None = None, maximum: int | None = None,
          multiline: bool = False):
    """One validated field of a JSON body. Text never carries control characters (``multiline``: line feeds
    and tabs allowed); whole numbers stay inside the database's INTEGER range unless narrower bounds are
    given."""
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
        if has_control_characters(value.replace("\r\n", "\n") if multiline else value, multiline=multiline):
            abort(400, description=f"Field '{name}' may not contain control characters (line breaks, tabs, ESC...).")
    if kind is int:
        low = INT_MIN if minimum is None else minimum
        high = INT_MAX if maximum is None else maximum
        if value < low:
            abort(400, description=f"Field '{name}' must be at least {low}.")
        if value > high:
            abort(400, description=f"Field '{name}' must be at most {high}.")
    return value


def query_int(name: str, default: int, *, minimum: int = 1, maximum: int = INT_MAX) -> int:
    """A whole number from the query string (``?page=2``), or a 400 saying what is wrong."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        abort(400, description=f"Parameter '{name}' must be a whole number.")
    if not minimum <= value <= maximum:
        abort(400, description=f"Parameter '{name}' must be a whole number from {minimum} to {maximum}.")
    return value


def public_base() -> str:
    return current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")
