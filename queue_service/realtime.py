"""OUTBOUND realtime: room names and ``emit``. The only module that emits Socket.IO events.

Call :func:`emit` only after the transaction that produced the events has committed, so that a
call shown on a display always exists in the database. Works from any process: with
``ADMINDUK_MESSAGE_QUEUE`` set, Flask-SocketIO publishes through Redis.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from queue_service.domain.events import Event
from queue_service.extensions import socketio

log = logging.getLogger(__name__)

ROOM_KINDS = ("displays", "counters", "managers", "kiosks")


def office_room(office_code: str, kind: str) -> str:
    if kind not in ROOM_KINDS:
        raise ValueError(kind)
    return f"office:{office_code}:{kind}"


def ticket_room(token: str) -> str:
    return f"ticket:{token}"


def emit(events: Iterable[Event]) -> None:
    """Send each event to its office's rooms and, if it concerns a ticket, to that ticket's room."""
    for event in events:
        try:
            for kind in event.audience:
                socketio.emit(event.name, event.payload, to=office_room(event.office, kind))
            if event.ticket_token:
                socketio.emit(event.name, event.payload, to=ticket_room(event.ticket_token))
        except Exception:  # a push failing must never undo or fail a committed command
            log.exception("could not emit %s", event.name)
