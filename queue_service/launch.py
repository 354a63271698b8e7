"""The ``adminduk`` entry point: chooses threads or greenlets before anything else is imported.

gevent has to patch the standard library (sockets, threads, ``time.sleep``) before Flask, SQLAlchemy, psycopg
or redis-py are imported or start a thread, so the choice is made here, from the command line and the
environment alone, and only then is :mod:`queue_service.cli` imported.

* ``adminduk run`` and ``adminduk demo`` serve on **gevent** (gevent's WSGI server, one greenlet per connection)
  unless ``--async-mode threading`` or ``ADMINDUK_ASYNC_MODE=threading`` asks for a thread per connection;
* every other command (``init-db``, ``worker``, ``close-day``, ...) runs on plain threads unless
  ``ADMINDUK_ASYNC_MODE=gevent`` says otherwise.

The chosen mode is put into ``ADMINDUK_ASYNC_MODE`` so that ``create_app`` configures Flask-SocketIO the same way.
This module imports nothing heavy: keep it so.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

MODES = ("gevent", "threading")
#: the commands that serve HTTP + websockets, on gevent unless told otherwise
SERVING_COMMANDS = ("run", "demo")
#: FlaskGroup's own options that take a value (so their value is not taken for the command's name)
_GROUP_OPTIONS_WITH_VALUE = ("-A", "--app", "-e", "--env-file")
ENV_NAME = "ADMINDUK_ASYNC_MODE"


class LaunchError(ValueError):
    """The command line or the environment asks for a mode that does not exist."""


def command_of(argv: Sequence[str]) -> str | None:
    """The sub-command's name in ``argv`` (without the program name), e.g. ``run`` in ``--app x run --port 1``."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in _GROUP_OPTIONS_WITH_VALUE:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg
    return None


def _option_value(argv: Sequence[str], name: str = "--async-mode") -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def choose_mode(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """``--async-mode`` of ``run``/``demo`` wins, then ``ADMINDUK_ASYNC_MODE``, then gevent for the serving
    commands and threading for the others."""
    command = command_of(argv)
    if command in SERVING_COMMANDS:
        given = _option_value(argv)
        if given is not None:
            if given not in MODES:
                raise LaunchError(f"--async-mode must be one of {', '.join(MODES)}, not {given!r}")
            return given
    raw = environ.get(ENV_NAME, "").strip().strip('"')
    if raw:
        if raw not in MODES:
            raise LaunchError(f"{ENV_NAME} must be one of {', '.join(MODES)}, not {raw!r}")
        return raw
    return "gevent" if command in SERVING_COMMANDS else "threading"


def prepare(argv: Sequence[str] | None = None) -> str:
    """Choose the mode for this process, patch the standard library for gevent, and record the choice in
    ``ADMINDUK_ASYNC_MODE``. Call it before anything imports Flask."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        mode = choose_mode(argv, os.environ)
    except LaunchError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    os.environ[ENV_NAME] = mode
    return mode


def main() -> None:
    """The ``adminduk`` console script."""
    prepare()
    from queue_service.cli import main as cli_main

    cli_main()


if __name__ == "__main__":  # pragma: no cover
    main()
