"""Reading the figures from the database, and keeping the rollups (service layer: takes a session and ``now``,
never commits, never imports Flask).

Two rollup grains, built from the same ticket facts:

* **time cells** (``report_cell``): office, day, hour of issue, service — for the breakdowns by office,
  service, day, hour, weekday, week and the heatmap;
* **staff cells** (``report_staff``): office, day, service, counter, clerk — for the breakdowns by counter
  and clerk.

A day is rolled up once it is final (the day rollover has closed it: every ticket has an outcome);
until then — today, or a day whose rollover has not run — its figures are made from the tickets on every
read, with the same arithmetic, so a page never shows a number the rollup would later change.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import DateTime, and_, delete, func, insert, select, type_coerce
from sqlalchemy.orm import Session

from queue_service.domain.clock import office_day
from queue_service.models import Office, Ticket, TicketEvent
from reports.figures import (
    WIDTH,
    Cell,
    CellKey,
    CellSet,
    TicketFact,
    cell_vector,
    cells_from_facts,
)
from reports.models import COLUMNS, report_cell, report_day, report_hour, report_staff

#: actions that show a counter at work in that hour
WORK_ACTIONS = ("call", "recall", "start", "finish", "no_show", "transfer")
#: actions after which the acting clerk is the one who handled the ticket
HANDLER_ACTIONS = ("call", "recall", "start", "finish", "no_show")


@dataclass
class DayFacts:
    facts: list[TicketFact]
    #: (office id, day, hour) -> counters that worked in that hour
    counters: dict[tuple[int, date, int], set[int]]


# --------------------------------------------------------------------------- tickets -> facts

class _LocalHour:
    """Office-local hour of a UTC moment, with the zone's offset looked up once per day (Indonesia has no
    daylight saving time, but a zone's offset is still taken per day rather than assumed)."""

    def __init__(self, tz_name: str):
        self.zone = ZoneInfo(tz_name)
        self.offsets: dict[date, timedelta] = {}

    def __call__(self, utc_naive: datetime) -> tuple[date, int]:
        d = utc_naive.date()
        off = self.offsets.get(d)
        if off is None:
            off = self.offsets[d] = self.zone.utcoffset(datetime(d.year, d.month, d.day, 12))
        local = utc_naive + off
        return local.date(), local.hour


def _naive(v) -> datetime:
    """A timestamp as read without the UTC type's processing: naive UTC (SQLite gives text)."""
    if isinstance(v, str):
        v = datetime.fromisoformat(v)
    return v.replace(tzinfo=None) if v.tzinfo is None else v.astimezone(timezone.utc).replace(tzinfo=None)


def ticket_facts(session: Session, offices: Sequence[Office], start: date, end: date,
                 only: Collection[date] | None = None) -> DayFacts:
    """The facts of every ticket of ``offices`` issued on office-local days ``start``..``end`` (and among
    ``only``, when given), and the counters at work per office-local hour (from the tickets' history)."""
    local = {o.id: _LocalHour(o.timezone) for o in offices}
    if not local:
        return DayFacts([], {})
    t = Ticket.__table__.c
    e = TicketEvent.__table__.c
    where = and_(t.office_id.in_(list(local)), t.service_day >= start, t.service_day <= end)
    if only is not None:
        where = and_(where, t.service_day.in_(sorted(set(only))))
    plain = DateTime()  # read the timestamps as stored (naive UTC), skipping the per-value conversion
    tickets = session.execute(select(
        t.id, t.office_id, t.service_day, t.service_id, t.counter_id, t.status,
        type_coerce(t.issued_at, plain), type_coerce(t.started_at, plain), type_coerce(t.finished_at, plain),
    ).where(where)).all()
    events = session.execute(
        select(e.ticket_id, e.action, e.actor, e.counter_id, type_coerce(e.at, plain))
        .select_from(TicketEvent.__table__.join(Ticket.__table__, e.ticket_id == t.id))
        .where(where, e.action.in_(WORK_ACTIONS)).order_by(e.id)).all()
    first_call: dict[int, datetime] = {}
    handler: dict[int, tuple[str, int | None]] = {}
    office_of = {row[0]: row[1] for row in tickets}
    counters: dict[tuple[int, date, int], set[int]] = {}
    for ticket_id, action, actor, counter_id, at in events:
        at = _naive(at)
        if action == "call" and ticket_id not in first_call:
            first_call[ticket_id] = at
        if action in HANDLER_ACTIONS and actor.startswith("user:"):
            handler[ticket_id] = (actor[5:65], counter_id)
        if counter_id is not None:
            office_id = office_of.get(ticket_id)
            if office_id is not None:
                day, hour = local[office_id](at)
                counters.setdefault((office_id, day, hour), set()).add(counter_id)
    facts = []
    for tid, office_id, day, service_id, counter_id, status, issued, started, finished in tickets:
        issued = _naive(issued)
        hour = local[office_id](issued)[1]
        called = first_call.get(tid)
        wait = (called - issued).total_seconds() if called is not None else None
        service = None
        if status == "done" and finished is not None:
            finished = _naive(finished)
            began = _naive(started) if started is not None else (called or finished)
            service = (finished - began).total_seconds()
        clerk, handled_at = handler.get(tid, ("", None))
        facts.append(TicketFact(office_id, _as_date(day), hour, service_id,
                                counter_id if counter_id is not None else handled_at, clerk, status, wait, service))
    return DayFacts(facts, counters)


# --------------------------------------------------------------------------- rollup maintenance

KEY_COLUMNS = {"time": ("office_id", "day", "hour", "service_id"),
               "staff": ("office_id", "day", "service_id", "counter_id", "clerk")}


def _rows(cells: dict[CellKey, Cell], grain: str) -> list[tuple]:
    """Rollup rows as tuples in the order ``KEY_COLUMNS[grain] + COLUMNS``."""
    rows = []
    for (office_id, day, hour, service_id, counter_id, clerk), cell in cells.items():
        key = ((office_id, day, hour, service_id) if grain == "time"
               else (office_id, day, service_id, counter_id, clerk))
        rows.append((*key, *cell_vector(cell)))
    return rows


def insert_rows(session: Session, grain: str, rows: list[tuple]) -> None:
    """Bulk insert of rollup rows through the driver's ``executemany`` (building 100-column parameter dicts
    row by row cost more than reading the tickets)."""
    if not rows:
        return
    table = report_cell if grain == "time" else report_staff
    cols = [*KEY_COLUMNS[grain], *COLUMNS]
    qmark = session.get_bind().dialect.paramstyle == "qmark"
    mark = "?" if qmark else "%s"
    if qmark:  # SQLite: dates as ISO text, as SQLAlchemy stores them (the default date adapter is deprecated)
        rows = [tuple(v.isoformat() if isinstance(v, date) else v for v in r) for r in rows]
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
    session.connection().exec_driver_sql(sql, rows)


def build_days(session: Session, office: Office, days: Iterable[date], now: datetime) -> int:
    """(Re)build the rollup of ``office`` for ``days``: delete what is there, insert from the tickets, mark the
    days built. Returns the number of tickets rolled up. Runs inside the caller's transaction."""
    days = sorted(set(days))
    if not days:
        return 0
    total = 0
    # contiguous runs, so that a rebuild of a year reads the tickets a month at a time
    for chunk in _chunks(days, 31):
        lo, hi = chunk[0], chunk[-1]
        wanted = set(chunk)
        got = ticket_facts(session, [office], lo, hi)
        facts = [f for f in got.facts if f.day in wanted]
        for table in (report_cell, report_staff, report_hour, report_day):
            session.execute(delete(table).where(table.c.office_id == office.id, table.c.day.in_(chunk)))
        for grain in ("time", "staff"):
            insert_rows(session, grain, _rows(cells_from_facts(facts, grain), grain))
        hours = [{"office_id": office.id, "day": d, "hour": h, "counters_open": len(c)}
                 for (o, d, h), c in got.counters.items() if d in wanted]
        if hours:
            session.execute(insert(report_hour), hours)
        per_day: dict[date, int] = {}
        for f in facts:
            per_day[f.day] = per_day.get(f.day, 0) + 1
        session.execute(insert(report_day), [{"office_id": office.id, "day": d, "tickets": per_day.get(d, 0),
                                              "built_at": now} for d in chunk])
        total += len(facts)
    return total


def _chunks(days: list[date], span: int) -> Iterable[list[date]]:
    chunk: list[date] = []
    for d in days:
        if chunk and (d - chunk[0]).days >= span:
            yield chunk
            chunk = []
        chunk.append(d)
    if chunk:
        yield chunk


def final_before(office: Office, now: datetime) -> date:
    """Days before this one are final for ``office``: the rollover has closed them (``last_closed_day`` is
    the day the last rollover ran on, and it closed every earlier day)."""
    today = office_day(now, office.timezone)
    closed = office.last_closed_day
    return min(today, closed) if closed is not None else today - timedelta(days=36500)


def pending_days(session: Session, office: Office, now: datetime, limit: int = 400) -> list[date]:
    """Final days with tickets that are not rolled up yet (oldest first, at most ``limit``)."""
    before = final_before(office, now)
    t = Ticket.__table__.c
    built = select(report_day.c.day).where(report_day.c.office_id == office.id)
    q = (select(t.service_day).where(t.office_id == office.id, t.service_day < before,
                                     t.service_day.not_in(built))
         .group_by(t.service_day).order_by(t.service_day).limit(limit))
    return list(session.scalars(q))


def roll_up(session: Session, now: datetime, *, max_days: int = 31) -> int:
    """One pass of the background job: roll up at most ``max_days`` pending days (all offices). Returns how
    many days it built; the caller commits."""
    done = 0
    for office in session.scalars(select(Office).order_by(Office.id)):
        if done >= max_days:
            break
        days = pending_days(session, office, now, limit=max_days - done)
        if days:
            build_days(session, office, days, now)
            done += len(days)
    return done


# --------------------------------------------------------------------------- reading

def _built_days(session: Session, office_ids: list[int], start: date, end: date) -> set[tuple[int, date]]:
    rows = session.execute(select(report_day.c.office_id, report_day.c.day).where(
        report_day.c.office_id.in_(office_ids), report_day.c.day >= start, report_day.c.day <= end)).all()
    return {(o, d) for o, d in rows}


def _as_date(v) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


@dataclass
class FigureData:
    """What the figures of some offices over some days are made of."""

    time: CellSet  # cells by office, day, hour, service
    staff: CellSet  # cells by office, day, service, counter, clerk
    counters: dict[tuple[int, date, int], int]  # (office id, day, hour) -> counters at work
    days: list[date]  # every day of the period


def _empty() -> CellSet:
    return CellSet([], np.zeros((0, WIDTH)))


def _read_rollup(session: Session, table, ids: list[int], start: date, end: date) -> CellSet:
    if table is report_cell:
        keycols = [table.c.office_id, table.c.day, table.c.hour, table.c.service_id]
    else:
        keycols = [table.c.office_id, table.c.day, table.c.service_id, table.c.counter_id, table.c.clerk]
    rows = session.execute(select(*keycols, *[table.c[c] for c in COLUMNS]).where(
        table.c.office_id.in_(ids), table.c.day >= start, table.c.day <= end)).all()
    if not rows:
        return _empty()
    nk = len(keycols)
    if table is report_cell:
        keys = [(r[0], _as_date(r[1]), r[2], r[3], None, "") for r in rows]
    else:
        keys = [(r[0], _as_date(r[1]), -1, r[2], r[3], r[4]) for r in rows]
    return CellSet(keys, np.array([r[nk:] for r in rows], dtype=float))


def load(session: Session, offices: Sequence[Office], start: date, end: date, *, staff: bool = True,
         counters: bool = True) -> FigureData:
    """Every cell of ``offices`` over ``start``..``end``: rolled-up days from the rollup tables, the other days
    (today, days not closed yet) from their tickets — read once for all three results."""
    ids = [o.id for o in offices]
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)] if end >= start else []
    if not ids or not days:
        return FigureData(_empty(), _empty(), {}, days)
    time_cells = [_read_rollup(session, report_cell, ids, start, end)]
    staff_cells = [_read_rollup(session, report_staff, ids, start, end)] if staff else []
    hours: dict[tuple[int, date, int], int] = {}
    if counters:
        for o, d, h, n in session.execute(select(
                report_hour.c.office_id, report_hour.c.day, report_hour.c.hour, report_hour.c.counters_open).where(
                report_hour.c.office_id.in_(ids), report_hour.c.day >= start, report_hour.c.day <= end)):
            hours[(o, _as_date(d), h)] = n
    missing = _missing(offices, days, _built_days(session, ids, start, end))
    if missing:
        lo = min(d for _, d in missing)
        hi = max(d for _, d in missing)
        got = ticket_facts(session, [o for o in offices if any(m[0] == o.id for m in missing)], lo, hi,
                           only={d for _, d in missing})
        facts = [f for f in got.facts if (f.office_id, f.day) in missing]
        time_cells.append(CellSet.of(cells_from_facts(facts, "time")))
        if staff:
            staff_cells.append(CellSet.of(cells_from_facts(facts, "staff")))
        if counters:
            for (o, d, h), c in got.counters.items():
                if (o, d) in missing:
                    hours[(o, d, h)] = len(c)
    return FigureData(CellSet.concat(time_cells), CellSet.concat(staff_cells), hours, days)


def _missing(offices: Sequence[Office], days: list[date], built: set[tuple[int, date]]) -> set[tuple[int, date]]:
    return {(o.id, d) for o in offices for d in days if (o.id, d) not in built}


def office_totals(session: Session, offices: Sequence[Office], start: date, end: date) -> CellSet:
    """One summed row per office (the kabupaten comparison), summed in the database for rolled-up days."""
    ids = [o.id for o in offices]
    if not ids or end < start:
        return CellSet([], np.zeros((0, WIDTH)))
    t = report_cell
    rows = session.execute(select(t.c.office_id, t.c.service_id, *[func.sum(t.c[c]) for c in COLUMNS]).where(
        t.c.office_id.in_(ids), t.c.day >= start, t.c.day <= end).group_by(t.c.office_id, t.c.service_id)).all()
    keys = [(r[0], start, -1, r[1], None, "") for r in rows]
    data = np.array([[float(x or 0) for x in r[2:]] for r in rows], dtype=float) if rows else np.zeros((0, WIDTH))
    parts = [CellSet(keys, data)]
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    missing = _missing(offices, days, _built_days(session, ids, start, end))
    if missing:
        lo = min(d for _, d in missing)
        hi = max(d for _, d in missing)
        got = ticket_facts(session, [o for o in offices if any(m[0] == o.id for m in missing)], lo, hi,
                           only={d for _, d in missing})
        facts = [f for f in got.facts if (f.office_id, f.day) in missing]
        parts.append(CellSet.of(cells_from_facts(facts, "time")))
    return CellSet.concat(parts)


__all__ = ["DayFacts", "FigureData", "ticket_facts", "build_days", "pending_days", "roll_up", "load",
           "office_totals", "final_before"]
