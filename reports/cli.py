"""``adminduk reports ...``: rebuild the rollup, print an office's figures."""
from __future__ import annotations

import sys
import time
from datetime import date, datetime, timedelta, timezone

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select


def _now() -> datetime:
    clock = current_app.config.get("CLOCK")
    return clock.now() if clock is not None else datetime.now(timezone.utc)


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None


@click.group("reports")
def reports():
    """Queue figures: the rollup behind the reports."""


@reports.command("rebuild")
@click.option("--office", "code", help="only this office (code); default every office")
@click.option("--from", "start", help="first day (YYYY-MM-DD); default the office's first ticket")
@click.option("--to", "end", help="last day (YYYY-MM-DD); default the last day the rollover has closed")
@with_appcontext
def rebuild(code, start, end):
    """Rebuild the rollup from the tickets (after a restore, an import, or to check it): one transaction per
    office and month. Only days the rollover has closed are rolled up; later days are read live anyway."""
    from queue_service.extensions import db
    from queue_service.models import Office, Ticket
    from reports.queries import build_days, final_before

    start_d, end_d = _date(start, "--from"), _date(end, "--to")
    if start_d and end_d and end_d < start_d:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    q = select(Office).order_by(Office.id)
    if code:
        q = q.where(Office.code == code)
    offices = db.session.scalars(q).all()
    if code and not offices:
        raise click.ClickException(f"No office with code {code!r}.")
    now = _now()
    total_days = total_tickets = 0
    t0 = time.perf_counter()
    for office in offices:
        last = final_before(office, now) - timedelta(days=1)
        hi = min(end_d, last) if end_d else last
        lo = start_d or db.session.scalar(select(Ticket.service_day).where(Ticket.office_id == office.id)
                                          .order_by(Ticket.service_day).limit(1))
        if lo is None or hi < lo:
            continue
        d = lo
        while d <= hi:
            month_end = min(hi, (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1))
            days = [d + timedelta(days=i) for i in range((month_end - d).days + 1)]
            total_tickets += build_days(db.session, office, days, now)
            db.session.commit()
            total_days += len(days)
            click.echo(f"{office.code} {d:%Y-%m}: rolled up", err=True)
            d = month_end + timedelta(days=1)
    took = time.perf_counter() - t0
    click.echo(f"Rolled up {total_days} office-day(s), {total_tickets} ticket(s) in {took:.1f} s.")
    sys.stdout.flush()
