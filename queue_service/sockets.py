"""INBOUND realtime: connection authentication and room membership. The only module with
Socket.IO handlers.

Staff pages connect with their session cookie; devices, scripts and status pages send
``auth={"token": ...}``; a paired display or kiosk page may instead carry its token in the httponly
``adminduk_device`` cookie. The server decides the rooms; anything else is refused.

Every connection also joins the rooms of who opened it (``realtime.principal_room``): revoking a device or
an API token, signing out, a new password, deactivating a user or changing their role or offices ends those
connections at once (``realtime.disconnect``, called after the commit by ``web.access``). With a message
queue the order reaches every process: :class:`RevokingManager` (the client manager ``create_app`` installs)
disconnects its own connections in that room instead of relaying the message, and forgets the tokens it
had resolved.
"""
from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from flask_socketio import join_room
from sqlalchemy import select

from queue_service.db import sqlite_begin
from queue_service.extensions import db, socketio
from queue_service.models import Office, Ticket
from queue_service.realtime import DISCONNECT_EVENT, disconnect_local, office_room, principal_room, ticket_room
from queue_service.web.access import DEVICE_COOKIE, forget_resolved_tokens, principal_from_token


def _rooms_for(auth) -> list[str] | None:
    token = auth.get("token") if isinstance(auth, dict) else None
    office_code = auth.get("office") if isinstance(auth, dict) else None
    if token is not None and not isinstance(token, str):
        return None
    if token:
        ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
        if ticket is not None:
            return [ticket_room(ticket.token)]
        p = principal_from_token(token, touch=False)
        if p is None:
            return None
        if p.kind == "device":
            return _device_rooms(p)
        rooms = _staff_rooms(p.user, office_code)
        return rooms and [*rooms, principal_room("user", p.user_id), principal_room("token", p.token_id)]
    if current_user.is_authenticated:
        rooms = _staff_rooms(current_user, office_code)
        return rooms and [*rooms, principal_room("user", current_user.id), principal_room("session", current_user.id)]
    cookie = request.cookies.get(DEVICE_COOKIE)
    if cookie:  # a paired display or kiosk page: its token is in an httponly cookie
        p = principal_from_token(cookie, touch=False)
        if p is not None and p.kind == "device":
            return _device_rooms(p)
    return None


def _device_rooms(p) -> list[str]:
    kind = "displays" if p.device.kind == "display" else "kiosks"
    return [office_room(p.device.office.code, kind), principal_room("device", p.device_id)]


def _staff_rooms(user, office_code) -> list[str] | None:
    offices = db.session.scalars(select(Office)).all() if user.role == "admin" else user.offices
    if office_code:
        offices = [o for o in offices if o.code == office_code]
        if not offices:
            return None
    rooms = []
    for office in offices:
        rooms.append(office_room(office.code, "counters"))
        if user.role in ("admin", "manager"):
            rooms.append(office_room(office.code, "managers"))
    return rooms


class RevokingManager:
    """Mixed into the message-queue client manager: the :data:`realtime.DISCONNECT_EVENT` "message" is an
    order to this process (disconnect its connections in the room, forget resolved tokens), never relayed to
    a client. Every process of a deployment, and the one that published it, handles it."""

    handles_disconnect_rooms = True

    def _handle_emit(self, message):
        if message.get("event") != DISCONNECT_EVENT:
            return super()._handle_emit(message)
        forget_resolved_tokens()  # another process revoked something: ask the database again
        room, namespace = message.get("room"), message.get("namespace") or "/"
        if room and self.server is not None:
            disconnect_local(self.server, room, namespace)
        return None


def client_manager(url: str, *, channel: str = "flask-socketio", write_only: bool = False):
    """The Socket.IO client manager for message queue ``url`` (the classes Flask-SocketIO picks), with
    :class:`RevokingManager` mixed in."""
    import socketio as python_socketio

    if url.startswith(("redis://", "rediss://")):
        base = python_socketio.RedisManager
    elif url.startswith("kafka://"):
        base = python_socketio.KafkaManager
    elif url.startswith("zmq"):
        base = python_socketio.ZmqManager
    else:
        base = python_socketio.KombuManager
    cls = type(f"Revoking{base.__name__}", (RevokingManager, base), {})
    return cls(url, channel=channel, write_only=write_only)


def init_app(app: Flask) -> None:
    @socketio.on("connect")
    def _connect(auth=None):
        try:
            with sqlite_begin("deferred"):  # only reads: no SQLite write lock for a connect
                rooms = _rooms_for(auth or {})
        finally:
            db.session.remove()
        if not rooms:
            raise ConnectionRefusedError("unauthorized")
        for room in rooms:
            join_room(room)
        return True

    app.wsgi_app = without_websocket_compression(app.wsgi_app)


def without_websocket_compression(wsgi_app):
    """WSGI middleware: decline ``permessage-deflate`` on websocket handshakes.

    Browsers offer it and the websocket server would accept, compressing every frame once per connection:
    a call sent to 500 displays is 500 zlib runs for messages of a few hundred bytes, which compression
    barely shrinks. Without the offer in the request, the handshake answers without the extension and
    frames go out as they are (bench/realtime_latency.py's clients offer it, as browsers do)."""
    def app(environ, start_response):
        if "HTTP_SEC_WEBSOCKET_EXTENSIONS" in environ and environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            environ = dict(environ)
            del environ["HTTP_SEC_WEBSOCKET_EXTENSIONS"]
        return wsgi_app(environ, start_response)
    return app
