"""``adminduk stock ...``: import daily history from CSV, print the forecast/risk table."""
from __future__ import annotations

import math
import sys
import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from queue_service.clock import now as _now


@click.group("stock")
def stock():
    """Blank-card stock: history import, forecast and risk."""


@stock.command("import-history")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@with_appcontext
def import_history_cmd(file):
    """Import daily history from FILE.csv with the header date,office,item,consumed[,on_hand].

    Items are stock item codes (KTP_EL, KIA, RIBBON, FILM, CLEANING, PAPER). on_hand = the stock at
    the end of the day; 0 marks a day without stock (its demand is not known). All or nothing:
    any bad line is reported and nothing is imported."""
    from inventory.history_import import import_history, parse_history_csv
    from queue_service.extensions import db

    rows, errors = parse_history_csv(file.read().splitlines())
    with click.progressbar(length=len(rows), label="Importing", file=sys.stderr) as bar:
        errors += import_history(db.session, rows, _now(), progress=bar.update)
    errors.sort(key=lambda e: int(e.split(":")[0].split()[-1]))
    if errors:
        db.session.rollback()
        for e in errors[:200]:
            click.echo(e, err=True)
        if len(errors) > 200:
            click.echo(f"... and {len(errors) - 200} more", err=True)
        raise click.ClickException(f"{len(errors)} bad line(s); nothing was imported.")
    db.session.commit()
    click.echo(f"Imported {len(rows)} day(s) of history.")


def _fmt(v, spec=".1f", dash="—"):
    if v is None:
        return dash
    if isinstance(v, float) and math.isinf(v):
        return "inf"
    return format(v, spec)


@stock.command("forecast")
@click.option("--office", "office_code", default=None, help="Only this office (default: all).")
@click.option("--item", "item_code", default=None, help="Only this item code (default: all with history).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def forecast_cmd(office_code, item_code, as_json):
    """Print days of cover, stock-out date, reorder point and risk per office and item
    (recomputes and stores the figures and alerts)."""
    import json

    from inventory.ledger import items_of
    from inventory.recompute import recompute_item
    from inventory.webhooks import webhook_url_for
    from queue_service import realtime
    from queue_service.extensions import db
    from queue_service.models import Office

    q = select(Office).order_by(Office.code)
    if office_code:
        q = q.where(Office.code == office_code)
    offices = db.session.scalars(q).all()
    if office_code and not offices:
        raise click.ClickException(f"No office with code {office_code!r}.")
    now = _now()
    rows = []
    for office in offices:
        for item in items_of(db.session, office):
            if item_code and item.code != item_code:
                continue
            risk, events = recompute_item(db.session, item, now, webhook_url=webhook_url_for(
                db.session, office, current_app.config.get("STOCK_WEBHOOK_URL")))
            db.session.commit()
            realtime.emit([e for e in events if e.name != "stock_risk"])
            if not item_code and risk.status == "unknown" and risk.balance == 0:
                continue
            rows.append((office.code, item.code, risk))
    if as_json:
        click.echo(json.dumps([{"office": o, "item": i, **r.as_dict()} for o, i, r in rows], indent=2))
        return
    head = ("office", "item", "stock", "per day", "cover (d)", "stock-out", "reorder pt", "next deliv.",
            "P(out)", "risk")
    table = [head]
    for o, i, r in rows:
        table.append((o, i, str(r.balance), _fmt(r.daily_mean), _fmt(r.days_of_cover),
                      r.stockout_date.isoformat() if r.stockout_date else "—", _fmt(r.reorder_point, ".0f"),
                      r.next_delivery.isoformat() if r.next_delivery else "—",
                      _fmt(r.p_stockout, ".0%"), r.status))
    widths = [max(len(row[c]) for row in table) for c in range(len(head))]
    for n, row in enumerate(table):
        click.echo("  ".join(cell.ljust(w) if c < 2 or c == len(head) - 1 else cell.rjust(w)
                             for c, (cell, w) in enumerate(zip(row, widths))).rstrip())
        if n == 0:
            click.echo("  ".join("-" * w for w in widths))
    if not rows:
        click.echo("(no items with stock or history)")
