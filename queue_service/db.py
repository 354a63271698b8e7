"""Database engine set-up: SQLite pragmas and transaction modes; PostgreSQL via psycopg 3.

SQLite transaction mode (SQLAlchemy's documented recipe: pysqlite's own BEGIN is switched off and the ``begin``
event emits ours):

* ``BEGIN IMMEDIATE`` (takes the write lock at the start, so a write never fails on upgrade) for requests that
  change something (POST/PUT/PATCH/DELETE) and for everything outside a request (CLI, background jobs);
* a plain deferred ``BEGIN`` for safe requests (GET/HEAD/OPTIONS, and the Socket.IO connect handshake), which
  only read: they no longer hold the write lock for the whole request and while a page renders. A safe request
  that must write does it in a short transaction of its own (``with sqlite_begin("immediate"): ...`` around a
  separate session), or catches :func:`is_lock_error` and falls back to what is stored.

:func:`sqlite_begin` overrides the choice for the code inside it (e.g. a read-only session opened by a POST).

Write transactions of one process queue in a FIFO :class:`WriteQueue` (one per engine) before their
``BEGIN IMMEDIATE`` and leave it when they commit or roll back: the lock is handed to the next thread the
moment it is free, instead of every waiter sleeping in SQLite's busy handler (backoff steps of 1..100 ms) and
the lock going to whichever wakes first. Other processes still meet SQLite's busy handler, and so does a
thread whose wait outlasts :data:`WRITE_QUEUE_TIMEOUT` (it goes on to ``BEGIN IMMEDIATE`` regardless: the
queue can delay, never deadlock).
"""
from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import weakref
from collections import deque

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BEGIN_SQL = {"immediate": "BEGIN IMMEDIATE", "deferred": "BEGIN"}

_begin_mode: contextvars.ContextVar[str | None] = contextvars.ContextVar("adminduk_sqlite_begin", default=None)


#: seconds a write transaction waits in the in-process queue before it falls back to SQLite's busy handler
WRITE_QUEUE_TIMEOUT = 5.0


class WriteQueue:
    """A FIFO lock with direct handoff: ``release`` gives the lock to the longest waiter. Any thread may
    release (a pool may roll back a connection from another thread)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Lock] = deque()
        self.owner: int | None = None  # thread ident of the holder (re-entry goes straight to SQLite)

    @property
    def held(self) -> bool:
        return self._held

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                self.owner = threading.get_ident()
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        got = waiter.acquire(timeout=timeout)
        with self._mutex:
            if not got:
                try:
                    self._waiters.remove(waiter)
                    return False
                except ValueError:  # handed to us just after the timeout: we hold it
                    pass
            self.owner = threading.get_ident()
            return True

    def release(self) -> None:
        with self._mutex:
            if not self._held:
                raise RuntimeError("WriteQueue released while free")
            self.owner = None
            if self._waiters:
                self._waiters.popleft().release()  # handoff: stays held, by the next thread
            else:
                self._held = False


_queues: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def write_queue(engine: Engine) -> WriteQueue | None:
    """The engine's in-process write queue (SQLite engines configured by :func:`configure_sqlite`)."""
    return _queues.get(getattr(engine, "engine", engine))


def dialect_name(session) -> str:
    """``"postgresql"`` or ``"sqlite"``: which of the statements built once per dialect a session needs."""
    return "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"


def insert_for(session):
    """The dialect's ``insert`` (with ``on_conflict_do_update``/``_nothing``) for ``session``'s database."""
    if dialect_name(session) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # one connection per thread; WAL lets readers go on while a writer writes
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


@contextlib.contextmanager
def sqlite_begin(mode: str):
    """Transactions begun inside this block (in this thread/context) use ``mode``: "immediate" or "deferred"."""
    if mode not in BEGIN_SQL:
        raise ValueError(mode)
    token = _begin_mode.set(mode)
    try:
        yield
    finally:
        _begin_mode.reset(token)


def begin_mode() -> str:
    """"deferred" inside a safe HTTP request (or a :func:`sqlite_begin` block saying so), else "immediate"."""
    mode = _begin_mode.get()
    if mode is not None:
        return mode
    from flask import has_request_context, request
    if has_request_context() and request.method in SAFE_METHODS:
        return "deferred"
    return "immediate"


def write_apart(engine: Engine, work):
    """Run ``work(session)`` in a short write transaction of its own (BEGIN IMMEDIATE on SQLite) and commit:
    how a safe request, whose own transaction only reads, records something. Returns what ``work`` returns."""
    from sqlalchemy.orm import Session
    with sqlite_begin("immediate"), Session(engine) as session, session.begin():
        return work(session)


def is_lock_error(exc: BaseException) -> bool:
    """SQLite's "database is locked" / busy-snapshot: a deferred (read) transaction could not become a writer."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "locked" in text or "busy" in text


def configure_sqlite(engine: Engine) -> None:
    """Pragmas, and BEGIN IMMEDIATE / BEGIN chosen per transaction by :func:`begin_mode`."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    queue = _queues[engine] = WriteQueue()
    holders: set[int] = set()  # id() of the DBAPI connections whose transaction holds the queue

    def _release(connection) -> None:
        key = id(getattr(connection, "dbapi_connection", connection))
        if key in holders:
            holders.discard(key)
            queue.release()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        mode = begin_mode()
        conn.info["adminduk_begin"] = mode
        if mode != "immediate":
            conn.exec_driver_sql(BEGIN_SQL[mode])
            return
        dbapi = conn.connection.dbapi_connection
        if queue.owner != threading.get_ident():  # this thread already writing elsewhere: no self-wait
            if queue.acquire(WRITE_QUEUE_TIMEOUT):
                holders.add(id(dbapi))
            else:
                log.warning("write queue wait over %.1f s: falling back to SQLite's busy handler",
                            WRITE_QUEUE_TIMEOUT)
        try:
            conn.exec_driver_sql(BEGIN_SQL[mode])
        except BaseException:
            _release(dbapi)
            raise

    # leave the queue once COMMIT/ROLLBACK has run (the connection events fire before it): every path
    # ends in one of these (Session commit/rollback/close/remove, a pool's reset-on-return), or in the
    # connection being closed or invalidated
    dialect = engine.dialect
    do_commit, do_rollback = dialect.do_commit, dialect.do_rollback

    def _do_commit(connection):
        try:
            do_commit(connection)
        finally:
            _release(connection)

    def _do_rollback(connection):
        try:
            do_rollback(connection)
        finally:
            _release(connection)

    dialect.do_commit, dialect.do_rollback = _do_commit, _do_rollback

    @event.listens_for(engine, "close")
    def _closed(dbapi_connection, _record):
        _release(dbapi_connection)

    @event.listens_for(engine, "invalidate")
    def _invalidated(dbapi_connection, _record, _exc):
        if dbapi_connection is not None:
            _release(dbapi_connection)

    @event.listens_for(engine, "close_detached")
    def _closed_detached(dbapi_connection):
        _release(dbapi_connection)

    import os
    if os.environ.get("ADMINDUK_CHECK_DEFERRED_WRITES"):  # development aid: find safe requests that write
        @event.listens_for(engine, "before_cursor_execute")
        def _check(conn, _cursor, statement, _params, _context, _many):
            if conn.info.get("adminduk_begin") == "deferred" and conn.in_transaction() and \
                    statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
                from flask import has_request_context, request
                where = f"{request.method} {request.path}" if has_request_context() else "-"
                log.error("write in a deferred transaction (%s): %s", where, statement[:120])
                if os.environ["ADMINDUK_CHECK_DEFERRED_WRITES"] == "raise":
                    # what SQLite answers when another connection writes at that moment: the worst case
                    import sqlite3
                    raise sqlite3.OperationalError(f"database is locked (write in a deferred transaction, "
                                                   f"{where}: {statement[:80]})")
