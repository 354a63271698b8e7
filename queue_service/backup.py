"""``adminduk backup`` / ``adminduk restore``: the SQLite database copied while the service keeps serving
(SQLite's online backup), and put back with the server stopped. PostgreSQL has pg_dump/pg_restore."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from queue_service.clock import now as _now


def _sqlite_path(app: Flask) -> Path:
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        raise click.ClickException(
            "backup/restore handle the SQLite database. For PostgreSQL use pg_dump -Fc DBNAME > FILE and "
            "pg_restore -d DBNAME FILE (see README).")
    return Path(url[len("sqlite:///"):])


@click.command("backup")
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


@click.command("restore")
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
