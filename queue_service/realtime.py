"""OUTBOUND realtime: room names and ``emit``. The only module that emits Socket.IO events.

Call :func:`emit` only after the transaction that produced the events has committed, so that a
call shown on a display always exists in the database. Works from any process: with
``ADMINDUK_MESSAGE_QUEUE`` set, Flask-SocketIO publishes through Redis.

Events carry what a screen needs without a follow-up request:

``ticket_issued`` / ``ticket_called`` / ``ticket_recalled`` / ``ticket_finished`` / ``ticket_updated``
    ``services.tickets.ticket_payload`` (code, service, status, counter, ...); calls and recalls also carry
    ``announcement`` ({"id": "Nomor antrean B nol dua belas, silakan menuju loket tiga", "en": ...}),
    built by ``domain.speech.announcement``, and ``announcement_parts`` (["nomor-antrean", "huruf-b", "nol",
    "dua", "belas", "silakan-menuju-loket", "tiga"]: the recorded clips that say it, ``announcement_parts``).
    Displays hear calls and recalls only (and the board); counters,
    managers and the ticket's own room hear all of them. Calls of a batch are sent before anything else.
``queue_changed``
    ``services.board.office_board``: waiting counts per service, every counter's current ticket, served
    count and mean service time today, the last 6 calls. Built and sent from a background task, at most
    once per office every ``LIVE_BOARD_INTERVAL`` seconds (0.2): a change marks the office's board dirty and
    the task sends it at once if the last push is older than that, else when it is due, reading the
    database after the change committed. Bursts of changes make one board; the board never lags the
    database by more than about one interval. Calls (``ticket_called``/``ticket_recalled``) are not delayed.

After a ``queue_changed`` the waiting tickets' own rooms get ``ticket_updated`` with their ``position`` and
``estimate`` ({"minutes", "p10", "p90"}): computed once per office in a background task (coalescing bursts),
and sent only to tickets whose figures changed.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from flask import current_app, has_app_context

from queue_service.db import sqlite_begin
from queue_service.domain.events import Event
from queue_service.extensions import socketio

log = logging.getLogger(__name__)

ROOM_KINDS = ("displays", "counters", "managers", "kiosks")
CALL_EVENTS = ("ticket_called", "ticket_recalled")
#: kinds of principal rooms: every connection joins the rooms of who opened it (``sockets``)
PRINCIPAL_KINDS = ("user", "session", "token", "device")
#: the server-side order "disconnect every connection in this room"; with a message queue every process
#: receives it (``sockets.RevokingManager`` acts on it instead of sending it to anyone)
DISCONNECT_EVENT = "adminduk:disconnect-room"


def office_room(office_code: str, kind: str) -> str:
    if kind not in ROOM_KINDS:
        raise ValueError(kind)
    return f"office:{office_code}:{kind}"


def ticket_room(token: str) -> str:
    return f"ticket:{token}"


def principal_room(kind: str, ident: int) -> str:
    """``user:<id>`` every connection of a staff member (session or token), ``session:<id>`` those opened
    with a session cookie, ``token:<id>`` those opened with one API token, ``device:<id>`` a kiosk's or a
    display's."""
    if kind not in PRINCIPAL_KINDS:
        raise ValueError(kind)
    return f"principal:{kind}:{int(ident)}"


def disconnect_local(server, room: str, namespace: str = "/") -> int:
    """Disconnect this process's connections in ``room``; returns how many."""
    sids = [sid for sid, _eio in server.manager.get_participants(namespace, room)]
    for sid in sids:
        server.disconnect(sid, namespace=namespace, ignore_queue=True)
    return len(sids)


def disconnect(rooms: Iterable[str]) -> None:
    """End every open connection in ``rooms`` (principal rooms of a revoked device, token or user) at once,
    in every process: through the message queue when there is one, else here. Call after the commit that
    revoked them. Never raises (a revocation is stored whatever the sockets do)."""
    server = getattr(socketio, "server", None)
    if server is None:
        return
    for room in sorted(set(rooms)):
        try:
            if getattr(server.manager, "handles_disconnect_rooms", False):
                # handled in this process too, by the manager (not sent to any client)
                socketio.emit(DISCONNECT_EVENT, {"room": room}, to=room, namespace="/")
            else:
                disconnect_local(server, room)
        except Exception:
            log.exception("could not disconnect the connections of %s", room)


def _now():
    from datetime import datetime, timezone
    clock = current_app.config.get("CLOCK")
    return clock.now() if clock is not None else datetime.now(timezone.utc)


def _with_announcement(payload: dict) -> dict:
    from queue_service.services.board import call_announcements, call_parts
    counter = payload.get("counter") or {}
    if "announcement" in payload or not payload.get("code"):
        return payload
    return {**payload, "announcement": call_announcements(payload["code"], counter.get("number"),
                                                          counter.get("name")),
            "announcement_parts": call_parts(payload["code"], counter.get("number"))}


def _board(office_code: str) -> dict | None:
    """The office board, read in a short session of its own (a deferred, read-only transaction on SQLite):
    emit runs after the request's commit, and reading through the request's session would begin a new
    transaction that lasts until the request ends."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session, selectinload

    from queue_service.extensions import db
    from queue_service.models import Counter, Office
    from queue_service.services.board import office_board
    with sqlite_begin("deferred"), Session(db.engine) as session:  # a read: no SQLite write lock
        # services, counters and each counter's services in 3 queries instead of one per counter
        office = session.scalar(select(Office).where(Office.code == office_code).options(
            selectinload(Office.services), selectinload(Office.counters).selectinload(Counter.services)))
        return office_board(session, office, _now()) if office is not None else None


def _send(name: str, payload: dict, office: str, audience: Iterable[str], ticket_token: str | None) -> None:
    for kind in audience:
        socketio.emit(name, payload, to=office_room(office, kind))
    if ticket_token:
        socketio.emit(name, payload, to=ticket_room(ticket_token))


def emit(events: Iterable[Event]) -> None:
    """Send each event to its office's rooms and, if it concerns a ticket, to that ticket's room."""
    events = list(events)
    enrich = has_app_context()
    # one queue_changed per office and batch: the last one, heard by every room any of them named
    last_change: dict[str, int] = {}
    audiences: dict[str, set[str]] = {}
    for i, event in enumerate(events):
        if event.name == "queue_changed":
            last_change[event.office] = i
            audiences.setdefault(event.office, set()).update(event.audience)
    app = current_app._get_current_object() if enrich else None
    # calls first: a board built meanwhile must not queue up in front of them on 500 display sockets
    for i, event in sorted(enumerate(events), key=lambda ie: ie[1].name not in CALL_EVENTS):
        try:
            payload, audience = event.payload, tuple(event.audience)
            if event.name == "queue_changed":
                if last_change[event.office] != i:
                    continue
                audience = tuple(k for k in ROOM_KINDS if k in audiences[event.office] or k == "kiosks")
                if app is not None:  # the board is built and sent by the office's board task
                    schedule_board(app, event.office, audience, payload)
                    continue
            elif event.name in CALL_EVENTS and enrich:
                payload = _with_announcement(payload)
            _send(event.name, payload, event.office, audience, event.ticket_token)
        except Exception:  # a push failing must never undo or fail a committed command
            log.exception("could not emit %s", event.name)
    if enrich and last_change and current_app.config.get("LIVE_ETA_UPDATES", True) and status_pages_listening():
        for office in last_change:
            schedule_eta_updates(app, office)


# --------------------------------------------------------------------------- coalesced board pushes

_lock = threading.Lock()
_pending: dict[tuple[int, str], str] = {}  # (app id, office) -> "running" | "dirty"
_sent: dict[tuple[int, int], tuple] = {}  # (app id, ticket id) -> last (position, estimate) sent
_idle = threading.Condition(_lock)

#: seconds between two board pushes of one office
BOARD_MIN_INTERVAL = 0.2

_board_pending: dict[tuple[int, str], dict] = {}  # (app id, office) -> {"audience", "fallback", "dirty"}
_board_last: dict[tuple[int, str], float] = {}  # (app id, office) -> monotonic time of the last push


def schedule_board(app, office_code: str, audience: Iterable[str] = ROOM_KINDS, fallback: dict | None = None):
    """Push ``office_code``'s board to ``audience`` soon, from a background task (coalescing bursts)."""
    key = (id(app), office_code)
    with _lock:
        state = _board_pending.get(key)
        if state is not None:
            state["audience"].update(audience)
            state["dirty"] = True
            if fallback is not None:
                state["fallback"] = fallback
            return
        _board_pending[key] = {"audience": set(audience), "fallback": fallback or {"office": office_code},
                               "dirty": False}
    socketio.start_background_task(_board_loop, app, office_code, key)


def wait_for_board_pushes(timeout: float = 10.0) -> bool:
    """Block until every scheduled board has been sent (tests, benchmarks). True when idle."""
    with _idle:
        return _idle.wait_for(lambda: not _board_pending, timeout)


def _board_loop(app, office_code: str, key) -> None:
    import time
    interval = float(app.config.get("LIVE_BOARD_INTERVAL", BOARD_MIN_INTERVAL))
    while True:
        last = _board_last.get(key)
        if last is not None:
            socketio.sleep(max(0.0, last + interval - time.monotonic()))
        with _lock:  # take what is pending now: changes from here on make one more push
            state = _board_pending[key]
            audience, fallback = tuple(k for k in ROOM_KINDS if k in state["audience"]), state["fallback"]
            state["audience"], state["dirty"] = set(), False
        _board_last[key] = time.monotonic()
        try:
            with app.app_context():
                payload = _board(office_code) or fallback
                _send("queue_changed", payload, office_code, audience, None)
        except Exception:  # the next change pushes again
            log.exception("board push for %s failed", office_code)
        with _idle:
            if _board_pending[key]["dirty"]:
                continue
            _board_pending.pop(key, None)
            if len(_board_last) > 10_000:
                _board_last.clear()
            _idle.notify_all()
            return


# --------------------------------------------------------------------------- position/ETA updates



def schedule_eta_updates(app, office_code: str) -> None:
    """Recompute positions and estimates of ``office_code``'s waiting tickets soon, in the background.

    Bursts coalesce: while one run is going, further requests make exactly one more run afterwards."""
    key = (id(app), office_code)
    with _lock:
        if key in _pending:
            _pending[key] = "dirty"
            return
        _pending[key] = "running"
    socketio.start_background_task(_eta_loop, app, office_code, key)


def wait_for_eta_updates(timeout: float = 10.0) -> bool:
    """Block until no position/ETA run is pending (tests, benchmarks). True when idle."""
    with _idle:
        return _idle.wait_for(lambda: not _pending, timeout)


#: seconds between two position/ETA runs of one office (a burst of calls makes one run now, one after this)
ETA_MIN_INTERVAL = 1.0


def _eta_loop(app, office_code: str, key) -> None:
    import time
    interval = float(app.config.get("LIVE_ETA_MIN_INTERVAL", ETA_MIN_INTERVAL))
    started = None
    while True:
        if started is not None:  # a follow-up run: not sooner than ``interval`` after the previous one
            socketio.sleep(max(0.0, started + interval - time.monotonic()))
        started = time.monotonic()
        try:
            with app.app_context():
                try:
                    send_eta_updates(office_code)
                finally:
                    from queue_service.extensions import db
                    db.session.remove()
        except Exception:
            log.exception("position/ETA updates for %s failed", office_code)
        with _idle:
            if _pending.get(key) == "dirty":
                _pending[key] = "running"
                continue
            _pending.pop(key, None)
            _idle.notify_all()
            return


def send_eta_updates(office_code: str, *, only_changed: bool = True) -> int:
    """Send ``ticket_updated`` {position, estimate} to each waiting ticket's room; returns how many."""
    from sqlalchemy import select

    from queue_service import hooks
    from queue_service.extensions import db
    from queue_service.models import Office, Ticket
    from queue_service.services.waits import build_snapshot, estimate_snapshot_full, ticket_positions

    if only_changed and not status_pages_listening():
        # this process holds every connection and no status page listens: nothing to do (not even the
        # snapshot, which reads every waiting ticket and the service-time history)
        return 0

    # read in a short session of its own and run the Monte Carlo after it ended: on SQLite a transaction
    # holds the write lock, and the estimate takes long enough to stall every ticket issued meanwhile
    from sqlalchemy.orm import Session
    with sqlite_begin("deferred"), Session(db.engine) as session:
        office = session.scalar(select(Office).where(Office.code == office_code))
        if office is None:
            return 0
        snapshot = build_snapshot(session, office, _now(), arrivals=hooks.of(current_app).queue_arrivals)
        if not snapshot.waiting:
            return 0
        rows = session.execute(select(Ticket.id, Ticket.token, Ticket.code).where(
            Ticket.id.in_([w.id for w in snapshot.waiting]), Ticket.status == "waiting")).all()
        office_id = office.id
    listening = None
    if not current_app.config.get("MESSAGE_QUEUE"):
        # one process: it holds every connection, so skip the estimate when none of these tickets' pages listens
        listening = _rooms_with_members()
        if only_changed and listening is not None and not any(ticket_room(token) in listening for _, token, _ in rows):
            return 0
    full = _cpu_bound(estimate_snapshot_full, snapshot)
    estimates = {tid: None if e is None else e.as_dict() for tid, e in full.items()}
    positions = ticket_positions(snapshot)
    app_id = id(current_app._get_current_object())
    sent = 0
    if len(_sent) > 20_000:
        _sent.clear()
    shown = []
    services = {w.id: w.service_id for w in snapshot.waiting}
    for tid, token, code in rows:
        figures = (positions.get(tid), estimates.get(tid))
        if listening is not None and ticket_room(token) in listening and full.get(tid) is not None:
            shown.append((tid, services[tid], full[tid]))
        if only_changed and _sent.get((app_id, tid)) == figures:
            continue
        _sent[(app_id, tid)] = figures
        socketio.emit("ticket_updated", {"id": tid, "code": code, "status": "waiting", "position": figures[0],
                                         "estimate": figures[1]}, to=ticket_room(token))
        sent += 1
    if shown:
        _record_pushed(office_id, shown, snapshot.now)
    return sent


def _record_pushed(office_id: int, shown: list, at) -> None:
    """Keep the estimates live status pages show in the record (``services.waits``), thinned to one per
    ticket in ``RECORD_INTERVAL_S``; only where this process knows a page is connected (one process, no
    message queue). Checked in a read first, so that a run with nothing due takes no write lock."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from queue_service.db import is_lock_error, write_apart
    from queue_service.extensions import db
    from queue_service.services.waits import due_for_record, record_estimates
    try:
        with sqlite_begin("deferred"), Session(db.engine) as session:
            due = due_for_record(session, [tid for tid, _, _ in shown], at, "push")
        if due:
            entries = [e for e in shown if e[0] in due]
            write_apart(db.engine, lambda session: record_estimates(session, office_id, entries, at, "push"))
    except OperationalError as exc:
        if not is_lock_error(exc):
            raise
        log.info("pushed wait estimates not recorded: database busy")


def _cpu_bound(fn, *args):
    """Run pure, CPU-heavy ``fn`` (the Monte Carlo: ~15 ms for 300 waiting tickets) so that it does not
    stall the server: on gevent in a native thread of the hub's pool, while this greenlet waits and the
    others go on serving; on threads, right here (the interpreter already switches threads)."""
    if socketio.server is not None and socketio.server.eio.async_mode == "gevent":
        import gevent
        return gevent.get_hub().threadpool.apply(fn, args)
    return fn(*args)


def _rooms_with_members() -> set[str] | None:
    """Rooms of this process's Socket.IO server that have someone in them (None if unknown)."""
    try:
        rooms = socketio.server.manager.rooms.get("/", {})
        return {name for name, members in rooms.items() if name and members}
    except Exception:  # another manager layout: do not skip anything
        return None


def status_pages_listening() -> bool:
    """False only when this process is the whole deployment (no message queue) and no status page is
    connected to it: then position/ETA pushes have no one to reach."""
    if current_app.config.get("MESSAGE_QUEUE"):
        return True
    try:
        rooms = socketio.server.manager.rooms.get("/", {})
        return any(members and name and name.startswith("ticket:") for name, members in rooms.items())
    except Exception:  # another manager layout: do not skip anything
        return True
