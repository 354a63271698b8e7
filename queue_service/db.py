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
"""
from __future__ import annotations

import contextlib
import contextvars
import logging

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BEGIN_SQL = {"immediate": "BEGIN IMMEDIATE", "deferred": "BEGIN"}

_begin_mode: contextvars.ContextVar[str | None] = contextvars.ContextVar("adminduk_sqlite_begin", default=None)


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

    @event.listens_for(engine, "begin")
    def _begin(conn):
        mode = begin_mode()
        conn.info["adminduk_begin"] = mode
        conn.exec_driver_sql(BEGIN_SQL[mode])

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
