"""The ``adminduk`` command: a FlaskGroup over create_app, so every ``flask`` command works too.

Here: the group and the staff/queue commands (init-db, seed-demo, create-user, create-token, close-day, run,
worker). ``demo`` is in ``demo.py``, ``backup``/``restore`` in ``backup.py``, serving in ``serving.py``. Feature
commands join without the core importing them: through the ``flask.commands`` entry points in setup.cfg
(``print-agent``, ``print-test``: they need no app) or their ``init_app`` (``adminduk stock``).
"""
from __future__ import annotations

import os

if __name__ == "__main__":
    # ``python -m queue_service.cli``: the same choice as the ``adminduk`` entry point (queue_service.launch):
    # gevent for run/demo unless told otherwise, patched before anything below is imported
    from queue_service.launch import prepare

    prepare()

from pathlib import Path  # noqa: E402  (after the patch above)

import click  # noqa: E402
from flask import Flask, current_app  # noqa: E402
from flask.cli import FlaskGroup, with_appcontext  # noqa: E402

from queue_service.backup import backup_cmd, restore_cmd  # noqa: E402
from queue_service.clock import now as _now  # noqa: E402
from queue_service.demo import demo_cmd, print_logins, secret_file, seed  # noqa: E402
from queue_service.domain.errors import DomainError  # noqa: E402
from queue_service.serving import ASYNC_MODE_HELP, check_mode, serve  # noqa: E402


def _instance_path() -> Path:
    if os.environ.get("ADMINDUK_INSTANCE_PATH"):
        return Path(os.environ["ADMINDUK_INSTANCE_PATH"])
    # the same default as create_app's Flask object: ./instance in a checkout,
    # <prefix>/var/queue_service-instance when installed
    return Path(Flask("queue_service").instance_path)


def _cli_app() -> Flask:
    """The app for CLI commands: production rules, but a key kept by ``adminduk demo`` is used."""
    from queue_service.app import ConfigError, create_app

    overrides = {}
    if not os.environ.get("ADMINDUK_SECRET_KEY"):
        key_file = secret_file(_instance_path())
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


@main.command("seed-demo")
@click.option("--json", "as_json", is_flag=True, help="Print every code, id, login, password and token as JSON.")
@click.option("--history-days", type=click.IntRange(0, 120), default=0, show_default=True,
              help="Past office days of tickets (and the features' data on them) to seed, as 'adminduk demo' does.")
@with_appcontext
def seed_demo_cmd(as_json, history_days):
    """Create the demo office (Disdukcapil Kabupaten Bekasi) with random passwords and tokens."""
    data = seed(as_json, history_days)
    if not as_json:
        print_logins(data)



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
    from sqlalchemy import select

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
    from sqlalchemy import select

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


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--async-mode", type=click.Choice(["gevent", "threading"]), default=None, help=ASYNC_MODE_HELP)
@with_appcontext
def run_cmd(host, port, async_mode):
    """Serve HTTP and websockets from this process (gevent unless --async-mode threading)."""
    app = current_app._get_current_object()
    mode = check_mode(async_mode)
    click.echo(f"adminduk-queue on http://{host}:{port}/ ({mode}; database {app.config['DATABASE_URL']})")
    serve(app, host, port)


@main.command("worker")
@with_appcontext
def worker_cmd():
    """Run the background jobs (print jobs, day rollover, stock risk, webhooks) without serving HTTP.

    For deployments served by gunicorn, which does not start them. Several workers are safe: each job
    runs in one process at a time (leases).
    """
    import threading

    from queue_service import background, hooks
    from queue_service.logs import configure_logging

    app = current_app._get_current_object()
    configure_logging(app.config.get("LOG_LEVEL", "INFO"), app.config.get("LOG_FORMAT", "json"))
    if not app.config.get("BACKGROUND_WORKERS", True):
        raise click.ClickException("ADMINDUK_BACKGROUND_WORKERS is false: nothing to run.")
    threads = background.start(app)
    click.echo(f"running {len(threads)} background job(s): "
               + ", ".join(job.name for job in hooks.of(app).jobs), err=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


main.add_command(demo_cmd)
main.add_command(backup_cmd)
main.add_command(restore_cmd)


if __name__ == "__main__":  # pragma: no cover
    main()
