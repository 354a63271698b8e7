"""Serving HTTP + websockets from one process: gevent's WSGI server (the default, greenlets) or werkzeug's
threaded one, with the background jobs started beside them. Used by ``adminduk run`` and ``adminduk demo``;
the choice of mode is made before anything is imported (``queue_service/launch.py``)."""
from __future__ import annotations

import os

import click
from flask import Flask

ASYNC_MODE_HELP = ("gevent (default: one greenlet per connection) or threading (a thread per connection); "
                   "also ADMINDUK_ASYNC_MODE.")


def serve(app: Flask, host: str, port: int) -> None:
    from queue_service import background
    from queue_service.extensions import socketio
    from queue_service.logs import configure_logging

    configure_logging(app.config.get("LOG_LEVEL", "INFO"), app.config.get("LOG_FORMAT", "json"))
    limit_malloc_arenas()
    background.start(app)
    # FlaskGroup marks the process as "run from the CLI", which makes app.run() a no-op; we do
    # want to serve here
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    if socketio.server.eio.async_mode == "gevent":
        _serve_gevent(app, host, port)
        return
    _serve_threads(app, host, port)


def check_mode(requested: str | None) -> str:
    """The mode this process serves in; refuses a ``--async-mode`` the process was not prepared for (a
    command invoked in-process, without the ``adminduk`` entry point that patches before any import)."""
    from queue_service.extensions import socketio

    mode = socketio.server.eio.async_mode
    if requested and requested != mode:
        raise click.ClickException(
            f"this process was prepared for {mode}, not {requested}: start it as 'adminduk ... --async-mode "
            f"{requested}' (or 'python -m queue_service.cli'), which choose the mode before anything is imported.")
    return mode


def _serve_threads(app: Flask, host: str, port: int) -> None:
    """A thread per connection (werkzeug's threaded WSGI server, websockets through simple-websocket), chosen
    with ``--async-mode threading``. Served directly rather than through ``app.run``, which is the
    interactive development runner (its banner, reloader and debugger are not wanted here); each request is
    logged by the app's own access log."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class _Handler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # the app logs requests itself (logs.py)
            pass

    server = make_server(host, port, app, threaded=True, request_handler=_Handler)
    server.serve_forever()  # returns on Ctrl+C


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas (as ``MALLOC_ARENA_MAX=2`` would), before the server starts its threads.

    glibc gives threads arenas of their own (up to 8 per core); a thread per connection then spreads small
    allocations over many arenas that are rarely returned to the system, and the process grows all day.
    Measured with ``python bench/soak.py`` (threads): RSS grew 118 MB over the office day without the cap,
    45 MB with it. An environment ``MALLOC_ARENA_MAX`` wins; other C libraries are left alone."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(-8, arenas))  # M_ARENA_MAX
    except (OSError, AttributeError):
        return False


def _serve_gevent(app: Flask, host: str, port: int) -> None:
    """gevent's WSGI server (websockets through simple-websocket), on a listening socket with TCP_NODELAY,
    which the connections inherit: a response written in two parts (headers, then body) must not wait for
    the client's delayed ACK (40 ms a request with Nagle's algorithm on)."""
    import socket

    from gevent import pywsgi

    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind((host, port))
    listener.listen(1024)
    pywsgi.WSGIServer(listener, app, log=None).serve_forever()
