"""The ``adminduk`` command: a FlaskGroup over create_app, so every ``flask`` command works too."""
from __future__ import annotations

import os

if __name__ == "__main__":
    # ``python -m queue_service.cli``: the same choice as the ``adminduk`` entry point (queue_service.launch):
    # gevent for run/demo unless told otherwise, patched before anything below is imported
    from queue_service.launch import prepare

    prepare()

import json  # noqa: E402  (after the patch above)
import secrets
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from queue_service.domain.errors import DomainError


def _now() -> datetime:
    """The app's clock when it has one (tests set ``CLOCK``), else the real time."""
    from flask import current_app, has_app_context
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    return clock.now() if clock is not None else datetime.now(timezone.utc)


def _instance_path() -> Path:
    if os.environ.get("ADMINDUK_INSTANCE_PATH"):
        return Path(os.environ["ADMINDUK_INSTANCE_PATH"])
    # the same default as create_app's Flask object: ./instance in a checkout,
    # <prefix>/var/queue_service-instance when installed
    return Path(Flask("queue_service").instance_path)


def _secret_file(instance: Path) -> Path:
    return instance / "secret_key"


def _cli_app() -> Flask:
    """The app for CLI commands: production rules, but a key kept by ``adminduk demo`` is used."""
    from queue_service.app import ConfigError, create_app

    overrides = {}
    if not os.environ.get("ADMINDUK_SECRET_KEY"):
        key_file = _secret_file(_instance_path())
        if key_file.exists():
            overrides["SECRET_KEY"] = key_file.read_text().strip()
    try:
        return create_app(overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _fail(exc: DomainError):
    raise click.ClickException(exc.message)


@click.group(cls=FlaskGroup, create_app=_cli_app, add_version_option=True, load_dotenv=False,
             set_debug_flag=False)
def main():
    """adminduk-queue: queue and e-KTP blank stock service for Disdukcapil offices."""


@main.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema to the newest version (Alembic)."""
    from flask_migrate import upgrade
    upgrade()
    click.echo("Database is at the newest schema.")


def _seed(as_json: bool):
    from queue_service.extensions import db
    from queue_service.services.seed import seed_demo
    try:
        data = seed_demo(db.session, now=_now())
        # features add their demo data through this hook (the core imports no feature)
        for seeder in current_app.extensions["adminduk"].get("seeders", []):
            seeder(db.session, data, _now())
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}; nothing was changed.") from None
    db.session.commit()
    if as_json:
        click.echo(json.dumps(data, indent=2))
    return data


@main.command("seed-demo")
@click.option("--json", "as_json", is_flag=True, help="Print every code, id, login, password and token as JSON.")
@with_appcontext
def seed_demo_cmd(as_json):
    """Create the demo office (Disdukcapil Kabupaten Bekasi) with random passwords and tokens."""
    data = _seed(as_json)
    if not as_json:
        _print_logins(data)


def _print_logins(data: dict) -> None:
    click.echo(f"Office {data['office']['code']}: {data['office']['name']}")
    for u in data["users"]:
        click.echo(f"  {u['role']:8} {u['username']:10} password {u['password']}   API token {u['api_token']}")
    for d in data["devices"]:
        click.echo(f"  {d['kind']:8} {d['name']:16} token {d['token']}")


@main.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "manager", "clerk"]), default="clerk", show_default=True)
@click.option("--office", "office_codes", multiple=True, help="Office code (repeat for several).")
@click.option("--full-name", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 10 characters. Asked for when not given.")
@with_appcontext
def create_user_cmd(username, role, office_codes, full_name, password):
    """Create a staff account."""
    from queue_service.extensions import db
    from queue_service.models import Office
    from queue_service.services.staff import create_user

    offices = []
    for code in office_codes:
        office = db.session.scalar(select(Office).where(Office.code == code))
        if office is None:
            raise click.ClickException(f"No office with code {code!r}.")
        offices.append(office)
    try:
        user = create_user(db.session, username=username, password=password, role=role, offices=offices,
                           full_name=full_name)
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    db.session.commit()
    click.echo(f"Created {user.role} {user.username}.")


@main.command("create-token")
@click.argument("username")
@click.option("--name", default="cli", help="A label to recognise the token by.")
@click.option("--revoke", "revoke_id", type=click.IntRange(1, 2_147_483_647), default=None,
              help="Revoke the token with this id instead (its open Socket.IO connections end too).")
@with_appcontext
def create_token_cmd(username, name, revoke_id):
    """Create (or revoke) a personal API token. The token is shown once."""
    from queue_service.extensions import db
    from queue_service.models import ApiToken
    from queue_service.services.staff import create_api_token, user_by_name

    try:
        user = user_by_name(db.session, username)
    except DomainError as exc:
        _fail(exc)
    if revoke_id is not None:
        row = db.session.get(ApiToken, revoke_id)
        if row is None or row.user_id != user.id:
            raise click.ClickException(f"{username} has no token with id {revoke_id}.")
        row.revoked_at = _now()
        db.session.commit()
        click.echo(f"Revoked token {revoke_id}.")
        return
    row, token = create_api_token(db.session, user=user, now=_now(), name=name)
    db.session.commit()
    click.echo(token)
    click.echo(f"(token id {row.id}; stored hashed, shown only now)", err=True)


@main.command("close-day")
@click.option("--office", "office_code", default=None, help="Only this office (default: all).")
@click.option("--earlier-only", is_flag=True, help="Leave today's open tickets alone.")
@with_appcontext
def close_day_cmd(office_code, earlier_only):
    """Mark tickets still open as expired (kept for the record, never deleted): every open ticket of earlier
    days, and today's still waiting. Today's called and serving tickets stay with their clerk (who can still
    finish them); they expire at the next day's rollover."""
    from queue_service import realtime
    from queue_service.extensions import db
    from queue_service.models import Office
    from queue_service.services.tickets import close_day

    query = select(Office)
    if office_code:
        query = query.where(Office.code == office_code)
    offices = db.session.scalars(query).all()
    if office_code and not offices:
        raise click.ClickException(f"No office with code {office_code!r}.")
    now = _now()
    for office in offices:
        count, events = close_day(db.session, office=office, now=now, include_today=not earlier_only,
                                  actor="cli")
        db.session.commit()
        realtime.emit(events)
        click.echo(f"{office.code}: {count} ticket(s) expired.")


def _sqlite_path(app: Flask) -> Path:
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        raise click.ClickException(
            "backup/restore handle the SQLite database. For PostgreSQL use pg_dump -Fc DBNAME > FILE and "
            "pg_restore -d DBNAME FILE (see README).")
    return Path(url[len("sqlite:///"):])


@main.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path), required=False)
@with_appcontext
def backup_cmd(target):
    """Copy the SQLite database to TARGET while the service keeps serving (SQLite online backup)."""
    import sqlite3

    app = current_app._get_current_object()
    source = _sqlite_path(app)
    if target is None:
        target = Path(app.instance_path) / "backups" / f"adminduk-{_now():%Y%m%d-%H%M%S}.sqlite3"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise click.ClickException(f"{target} exists already; choose another name.")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=256)  # in steps: writers are never blocked for long
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if check != "ok":
        raise click.ClickException(f"the copy failed its integrity check: {check}")
    click.echo(f"Backup written to {target}")


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_cmd(source, yes):
    """Replace the SQLite database with a backup. Stop the server first."""
    import sqlite3

    from queue_service.extensions import db

    app = current_app._get_current_object()
    target = _sqlite_path(app)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        check = src.execute("PRAGMA integrity_check").fetchone()[0]
        has_tables = src.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ticket'").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        src.close()
        raise click.ClickException(f"{source} is not an SQLite database: {exc}") from None
    if check != "ok" or not has_tables:
        src.close()
        raise click.ClickException(f"{source} is not an adminduk backup (integrity: {check}).")
    if not yes:
        click.confirm(f"Replace {target} with {source}? Everything since that backup is lost", abort=True)
    db.engine.dispose()
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    click.echo(f"Restored {target} from {source}; run 'adminduk init-db' if the backup is older than this version.")


def _serve(app: Flask, host: str, port: int) -> None:
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


def _check_mode(requested: str | None) -> str:
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


ASYNC_MODE_HELP = ("gevent (default: one greenlet per connection) or threading (a thread per connection); "
                   "also ADMINDUK_ASYNC_MODE.")


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--async-mode", type=click.Choice(["gevent", "threading"]), default=None, help=ASYNC_MODE_HELP)
@with_appcontext
def run_cmd(host, port, async_mode):
    """Serve HTTP and websockets from this process (gevent unless --async-mode threading)."""
    app = current_app._get_current_object()
    mode = _check_mode(async_mode)
    click.echo(f"adminduk-queue on http://{host}:{port}/ ({mode}; database {app.config['DATABASE_URL']})")
    _serve(app, host, port)


@main.command("worker")
@with_appcontext
def worker_cmd():
    """Run the background jobs (print jobs, day rollover, stock risk, webhooks) without serving HTTP.

    For deployments served by gunicorn, which does not start them. Several workers are safe: each job
    runs in one process at a time (leases).
    """
    import threading

    from queue_service import background
    from queue_service.logs import configure_logging

    app = current_app._get_current_object()
    configure_logging(app.config.get("LOG_LEVEL", "INFO"), app.config.get("LOG_FORMAT", "json"))
    if not app.config.get("BACKGROUND_WORKERS", True):
        raise click.ClickException("ADMINDUK_BACKGROUND_WORKERS is false: nothing to run.")
    threads = background.start(app)
    click.echo(f"running {len(threads)} background job(s): "
               + ", ".join(name for name, _, _ in app.extensions["adminduk"].get("jobs", [])), err=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


def demo_urls(app: Flask, base: str, data: dict) -> list[tuple[str, str]]:
    office = data["office"]["code"]
    kiosk = next(d for d in data["devices"] if d["kind"] == "kiosk")
    display = next(d for d in data["devices"] if d["kind"] == "display")
    urls = [("Start / sign in", f"{base}/login")]
    views = app.view_functions
    if "kiosk.pair" in views:
        urls.append(("Kiosk (pairs this browser)", f"{base}/kiosk/pair?token={kiosk['token']}"))
    if "counter.console" in views:
        urls.append(("Counter console", f"{base}/counter"))
    if "display.pair" in views:
        urls.append(("Display screen (pairs this browser)", f"{base}/display/{office}/pair?token={display['token']}"))
    elif "display.screen" in views:
        urls.append(("Display screen", f"{base}/display/{office}"))
    if "manager.dashboard" in views:
        urls.append(("Manager dashboard", f"{base}/manager"))
    if "admin.index" in views:
        urls.append(("Administration", f"{base}/admin"))
    if "status.page" in views and data.get("sample_ticket"):
        urls.append(("Status page of a sample ticket", f"{base}/t/{data['sample_ticket']['token']}"))
    if "printers.preview" in views and data.get("sample_ticket"):
        urls.append(("Printed ticket preview (PNG)", f"{base}/printers/preview/{data['sample_ticket']['id']}.png"))
    urls.append(("API description", f"{base}/api/v1/openapi.json"))
    return urls


def demo_dir(environ=None) -> Path:
    """Where ``adminduk demo`` keeps its database, secret key and logins when ``--data-dir`` is not given:
    ``ADMINDUK_INSTANCE_PATH`` if set, else ``$XDG_DATA_HOME/adminduk/demo`` (``~/.local/share/adminduk/demo``):
    one place per user, whatever the current directory, and never inside the virtualenv."""
    environ = os.environ if environ is None else environ
    if environ.get("ADMINDUK_INSTANCE_PATH"):
        return Path(environ["ADMINDUK_INSTANCE_PATH"])
    base = environ.get("XDG_DATA_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".local" / "share")
    return Path(base) / "adminduk" / "demo"


@main.command("demo", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="0.0.0.0 serves the other devices of the network too (a phone scanning the QR).")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the demo's database, secret key and logins "
                   "[default: ADMINDUK_INSTANCE_PATH, else ~/.local/share/adminduk/demo].")
@click.option("--async-mode", type=click.Choice(["gevent", "threading"]), default=None, help=ASYNC_MODE_HELP)
@click.option("--no-serve", is_flag=True, help="Prepare and print, but do not start the server.")
@click.option("--office-hours", is_flag=True,
              help="Keep the demo office's real hours (08:00-15:00 WIB, Mon-Fri) instead of open all day.")
def demo_cmd(host, port, data_dir, async_mode, no_serve, office_hours):
    """Prepare a demo (SQLite in ~/.local/share/adminduk/demo, the demo office) and serve it."""
    from queue_service.app import create_app
    from queue_service.extensions import db
    from queue_service.models import Office

    instance = (data_dir or demo_dir()).expanduser().resolve()
    instance.mkdir(parents=True, exist_ok=True)
    key_file = _secret_file(instance)
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    config = {"SECRET_KEY": os.environ.get("ADMINDUK_SECRET_KEY") or key_file.read_text().strip(),
              "INSTANCE_PATH": str(instance)}
    app = create_app(config)
    base = (app.config.get("PUBLIC_URL") or f"http://{host}:{port}").rstrip("/")
    creds_file = instance / "demo-credentials.json"
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        if db.session.scalar(select(Office.id).limit(1)) is None:
            data = _seed(as_json=False)
            if not office_hours:
                from queue_service.services.seed import open_all_day
                open_all_day(db.session)  # so the demo can be tried at any hour
                db.session.commit()
            data["sample_ticket"] = _sample_ticket(data)
            creds_file.write_text(json.dumps(data, indent=2))
            creds_file.chmod(0o600)
            click.echo(f"Demo office created; logins saved in {creds_file}")
        elif creds_file.exists():
            data = json.loads(creds_file.read_text())
        else:
            raise click.ClickException("The database has offices but no demo credentials file; "
                                       "use 'adminduk run' for a real deployment.")
    click.echo("")
    for label, url in demo_urls(app, base, data):
        click.echo(f"  {label:38} {url}")
    click.echo("")
    _print_logins(data)
    click.echo(f"\nDemo data folder: {instance}  (database, secret key, demo-credentials.json; "
               "delete it to start over)")
    click.echo(f"Database: {app.config['DATABASE_URL']}")
    if host in ("127.0.0.1", "localhost", "::1") and not app.config.get("PUBLIC_URL"):
        click.echo("Phones cannot open 127.0.0.1: to scan a ticket's QR with a phone on the same network, start "
                   "with --host 0.0.0.0 and open the kiosk at this computer's address (or set "
                   "ADMINDUK_PUBLIC_URL=http://<this computer's address>:%d)." % port)
    if no_serve:
        return
    with app.app_context():
        mode = _check_mode(async_mode)
    click.echo(f"Serving on http://{host}:{port}/ ({mode})  (Ctrl+C to stop)")
    _serve(app, host, port)


def _sample_ticket(data: dict) -> dict | None:
    """Issue one ticket so the status page and print preview have something to show."""
    from queue_service.extensions import db
    from queue_service.models import Office, Service
    from queue_service.services.tickets import issue_ticket

    office = db.session.scalar(select(Office).where(Office.code == data["office"]["code"]))
    service = db.session.scalar(select(Service).where(Service.office_id == office.id, Service.code == "REKAM"))
    policy = current_app.extensions["adminduk"]["policy"]
    ticket, _events = issue_ticket(db.session, office=office, service=service, now=_now(), actor="demo",
                                   policy=policy)
    db.session.commit()
    return {"id": ticket.id, "code": ticket.code, "token": ticket.token}


def init_app(app: Flask) -> None:
    """Register the core background jobs (the CLI commands live on the ``main`` group)."""
    from queue_service import background
    background.register_job(app, "rollover", 60, background.rollover_job)
    background.register_job(app, "counter-away", 60, background.counter_away_job)



try:  # the print agent and print test (feature package; absent in builds without printers)
    from printers.cli import register as _register_printer_commands
except ModuleNotFoundError as _exc:  # pragma: no cover
    if _exc.name not in ("printers", "printers.cli"):
        raise
else:
    _register_printer_commands(main)


if __name__ == "__main__":  # pragma: no cover
    main()
