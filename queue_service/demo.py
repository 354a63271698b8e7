"""``adminduk demo``: a demo database in its own folder, the demo office with its features' data, the URLs and
logins printed, then serving. Also what ``adminduk seed-demo`` seeds."""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import click
from flask import Flask

from queue_service import hooks
from queue_service.clock import now as _now
from queue_service.serving import ASYNC_MODE_HELP, check_mode, serve


def secret_file(instance: Path) -> Path:
    """Where ``adminduk demo`` keeps the secret key it generated (other commands use it too)."""
    return instance / "secret_key"


#: past office days ``adminduk demo`` plays for the demo office (``--history-days``)
HISTORY_DAYS = 10


def seed(as_json: bool, history_days: int = 0) -> dict:
    """The demo office, ``history_days`` past office days of its queue, then every feature's demo data
    (``hooks.seeders``), in one transaction."""
    from queue_service.extensions import db
    from queue_service.services.demo_history import seed_history
    from queue_service.services.seed import seed_demo
    try:
        data = seed_demo(db.session, now=_now())
        if history_days > 0:
            click.echo(f"Playing {history_days} past office days of the demo queue (once; this takes a little while)...",
                       err=True)
            data["history_tickets"] = seed_history(db.session, data, _now(), days=history_days)
        for seeder in hooks.current().seeders:
            seeder(db.session, data, _now())
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}; nothing was changed.") from None
    db.session.commit()
    if as_json:
        click.echo(json.dumps(data, indent=2))
    return data


def print_logins(data: dict) -> None:
    click.echo(f"Office {data['office']['code']}: {data['office']['name']}")
    for u in data["users"]:
        click.echo(f"  {u['role']:8} {u['username']:10} password {u['password']}   API token {u['api_token']}")
    for d in data["devices"]:
        click.echo(f"  {d['kind']:8} {d['name']:16} token {d['token']}")


def demo_urls(app: Flask, base: str, data: dict) -> list[tuple[str, str]]:
    """The pages to try, with the demo's tokens: the core's, then each feature's (``hooks.demo_links``)."""
    office = data["office"]["code"]
    display = next(d for d in data["devices"] if d["kind"] == "display")
    urls = [("Start / sign in", f"{base}/login"), ("Counter console", f"{base}/counter"),
            ("Display screen (pairs this browser)", f"{base}/display/{office}/pair?token={display['token']}"),
            ("Administration", f"{base}/admin")]
    if data.get("sample_ticket"):
        urls.append(("Status page of a sample ticket", f"{base}/t/{data['sample_ticket']['token']}"))
    for links in hooks.of(app).demo_links:
        urls.extend(links(app, base, data) or [])
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


@click.command("demo")
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
@click.option("--history-days", type=click.IntRange(0, 120), default=HISTORY_DAYS, show_default=True,
              help="Past office days of tickets, survey answers and complaints to seed (the queue figures, IKM "
                   "and wait estimates have a history); 0 for none.")
def demo_cmd(host, port, data_dir, async_mode, no_serve, office_hours, history_days):
    """Prepare a demo (SQLite in ~/.local/share/adminduk/demo, the demo office) and serve it."""
    from sqlalchemy import select

    from queue_service.app import create_app
    from queue_service.extensions import db
    from queue_service.models import Office

    instance = (data_dir or demo_dir()).expanduser().resolve()
    instance.mkdir(parents=True, exist_ok=True)
    key_file = secret_file(instance)
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
            data = seed(as_json=False, history_days=history_days)
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
    print_logins(data)
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
        mode = check_mode(async_mode)
    click.echo(f"Serving on http://{host}:{port}/ ({mode})  (Ctrl+C to stop)")
    serve(app, host, port)


def _sample_ticket(data: dict) -> dict | None:
    """Issue one ticket so the status page and print preview have something to show."""
    from sqlalchemy import select

    from queue_service.extensions import db
    from queue_service.models import Office, Service
    from queue_service.services.tickets import issue_ticket

    office = db.session.scalar(select(Office).where(Office.code == data["office"]["code"]))
    service = db.session.scalar(select(Service).where(Service.office_id == office.id, Service.code == "REKAM"))
    registered = hooks.current()
    ticket, _events = issue_ticket(db.session, office=office, service=service, now=_now(), actor="demo",
                                   quota_caps=registered.quota_caps, quota_holds=registered.quota_holds)
    db.session.commit()
    return {"id": ticket.id, "code": ticket.code, "token": ticket.token}
