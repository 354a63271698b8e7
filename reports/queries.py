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
from sqlalchemy import DateTime, and_, delete, insert, select, type_coerce
from sqlalchemy.orm import Session

from queue_service.domain.clock import office_day
from queue_service.models import Office, Ticket, TicketEvent
from reports.figures import (
    SERVICE_BINS,
    SUM_FIELDS,
    WAIT_BINS,
    WIDTH,
    Cell,
    CellKey,
    CellSet,
    TicketFact,
    cells_from_facts,
    pack_hist,
    unpack_hists,
)
from reports.models import COLUMNS, HIST_COLUMNS, report_cell, report_day, report_hour, report_month, report_staff

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
    """Rollup rows as tuples in the order ``KEY_COLUMNS[grain] + COLUMNS + HIST_COLUMNS``."""
    rows = []
    for (office_id, day, hour, service_id, counter_id, clerk), cell in cells.items():
        key = ((office_id, day, hour, service_id) if grain == "time"
               else (office_id, day, service_id, counter_id, clerk))
        rows.append((*key, *(getattr(cell, f) for f in SUM_FIELDS), pack_hist(cell.wait_hist),
                     pack_hist(cell.service_hist)))
    return rows


def insert_rows(session: Session, grain: str, rows: list[tuple]) -> None:
    """Bulk insert of rollup rows through the driver's ``executemany``."""
    table = report_cell if grain == "time" else report_staff
    _insert_plain(session, table.name, [*KEY_COLUMNS[grain], *COLUMNS, *HIST_COLUMNS], rows)


def _insert_plain(session: Session, table: str, cols, rows: list[tuple]) -> None:
    if not rows:
        return
    qmark = session.get_bind().dialect.paramstyle == "qmark"
    mark = "?" if qmark else "%s"
    if qmark:  # SQLite: dates as ISO text, as SQLAlchemy stores them (the default date adapter is deprecated)
        rows = [tuple(v.isoformat() if isinstance(v, date) else v for v in r) for r in rows]
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
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
        session.flush()
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
    refresh_months(session, office, {d.replace(day=1) for d in days})
    return total


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def refresh_months(session: Session, office: Office, months: Iterable[date]) -> None:
    """Re-sum the month rows of ``office`` for ``months`` (first days) from its time cells."""
    for first in sorted(set(months)):
        session.execute(delete(report_month).where(report_month.c.office_id == office.id,
                                                   report_month.c.month == first))
        t = report_cell.c
        rows = _read(session, report_cell, [office.id], first, _month_end(first), [t.office_id, t.service_id])
        cells = _regroup(_cellset([(r[0], first, -1, r[1], None, "") for r in rows], rows, 2),
                         lambda k: (k[0], first, -1, k[3], None, ""))
        out = []
        for (office_id, _, _, service_id, _, _), vec in zip(cells.keys, cells.data):
            sums = [int(round(v)) if not f.endswith("_sum") else float(v) for f, v in zip(SUM_FIELDS, vec[:len(SUM_FIELDS)])]
            out.append((office_id, first, service_id, *sums,
                        pack_hist(np.rint(vec[len(SUM_FIELDS):len(SUM_FIELDS) + WAIT_BINS]).astype(int)),
                        pack_hist(np.rint(vec[len(SUM_FIELDS) + WAIT_BINS:]).astype(int))))
        _insert_plain(session, report_month.name, ("office_id", "month", "service_id", *COLUMNS, *HIST_COLUMNS), out)


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


_DATES: dict[str, date] = {}


def _as_date(v) -> date:
    """A date column's value (SQLite gives ISO text; remembered, a year holds 365 of them)."""
    if isinstance(v, date):
        return v
    d = _DATES.get(v)
    if d is None:
        if len(_DATES) > 100_000:
            _DATES.clear()
        d = _DATES[v] = date.fromisoformat(str(v)[:10])
    return d


@dataclass
class FigureData:
    """What the figures of some offices over some days are made of."""

    time: CellSet  # (office, day, hour, service, None, "")
    staff: CellSet  # (office, day, -1, service, counter, clerk)
    arrivals: dict[tuple[int, date, int, int], int]  # (office, day, hour, service) -> tickets issued
    counters: dict[tuple[int, date, int], int]  # (office id, day, hour) -> counters at work
    days: list[date]  # every day of the period


def _empty() -> CellSet:
    return CellSet([], np.zeros((0, WIDTH)))


def _cellset(keys: list[CellKey], rows: list, nk: int) -> CellSet:
    """Rows (keys, counts and sums, wait histogram, service histogram) -> a :class:`CellSet`."""
    if not rows:
        return _empty()
    sums = np.array([r[nk:nk + len(SUM_FIELDS)] for r in rows], dtype=float)
    wait = unpack_hists([r[-2] for r in rows], WAIT_BINS)
    service = unpack_hists([r[-1] for r in rows], SERVICE_BINS)
    return CellSet(keys, np.hstack([sums, wait, service]))


def _read(session: Session, table, ids: list[int], start: date, end: date, keycols: list) -> list:
    return session.execute(select(*keycols, *[table.c[c] for c in COLUMNS], *[table.c[c] for c in HIST_COLUMNS])
                           .where(table.c.office_id.in_(ids), table.c.day >= start, table.c.day <= end)).all()


def load(session: Session, offices: Sequence[Office], start: date, end: date, *, staff: bool = True,
         counters: bool = True) -> FigureData:
    """The figures' inputs for ``offices`` over ``start``..``end``: rolled-up days from the rollup tables (one
    read each), the other days (today, days not closed yet) from their tickets, with the same keys."""
    ids = [o.id for o in offices]
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)] if end >= start else []
    if not ids or not days:
        return FigureData(_empty(), _empty(), {}, {}, days)
    c, st = report_cell.c, report_staff.c
    rows = _read(session, report_cell, ids, start, end, [c.office_id, c.day, c.hour, c.service_id])
    time_parts = [_cellset([(r[0], _as_date(r[1]), r[2], r[3], None, "") for r in rows], rows, 4)]
    arrivals: dict[tuple[int, date, int, int], int] = dict(zip(
        [k[:4] for k in time_parts[0].keys], time_parts[0].data[:, 0].astype(np.int64).tolist()))
    staff_parts = []
    if staff:
        rows = _read(session, report_staff, ids, start, end,
                     [st.office_id, st.day, st.service_id, st.counter_id, st.clerk])
        staff_parts.append(_cellset([(r[0], _as_date(r[1]), -1, r[2], r[3], r[4]) for r in rows], rows, 5))
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
        time_parts.append(CellSet.of(cells_from_facts(facts, "time")))
        if staff:
            staff_parts.append(CellSet.of(cells_from_facts(facts, "staff")))
        for f in facts:
            key = (f.office_id, f.day, f.hour, f.service_id)
            arrivals[key] = arrivals.get(key, 0) + 1
        if counters:
            for (o, d, h), cs in got.counters.items():
                if (o, d) in missing:
                    hours[(o, d, h)] = len(cs)
    return FigureData(CellSet.concat(time_parts), CellSet.concat(staff_parts), arrivals, hours, days)


def _missing(offices: Sequence[Office], days: list[date], built: set[tuple[int, date]]) -> set[tuple[int, date]]:
    return {(o.id, d) for o in offices for d in days if (o.id, d) not in built}


def office_totals(session: Session, offices: Sequence[Office], start: date, end: date) -> CellSet:
    """One row per office and service (the offices side by side): whole months from the month rows, the days
    of partial months from the time cells, the live days from their tickets."""
    ids = [o.id for o in offices]
    if not ids or end < start:
        return _empty()

    def key(r):
        return (r[0], start, -1, r[1], None, "")

    parts = []
    first_full = start if start.day == 1 else _month_end(start) + timedelta(days=1)
    last_full = end if _month_end(end) == end else end.replace(day=1) - timedelta(days=1)
    m = report_month.c
    t = report_cell.c
    if first_full <= last_full:
        rows = session.execute(select(m.office_id, m.service_id, *[m[c] for c in COLUMNS], *[m[c] for c in HIST_COLUMNS])
                               .where(m.office_id.in_(ids), m.month >= first_full, m.month <= last_full)).all()
        parts.append(_cellset([key(r) for r in rows], rows, 2))
        edges = [(start, first_full - timedelta(days=1)), (last_full + timedelta(days=1), end)]
    else:
        edges = [(start, end)]
    for lo, hi in edges:
        if lo <= hi:
            rows = _read(session, report_cell, ids, lo, hi, [t.office_id, t.service_id])
            parts.append(_cellset([key(r) for r in rows], rows, 2))
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    missing = _missing(offices, days, _built_days(session, ids, start, end))
    if missing:
        lo = min(d for _, d in missing)
        hi = max(d for _, d in missing)
        got = ticket_facts(session, [o for o in offices if any(x[0] == o.id for x in missing)], lo, hi,
                           only={d for _, d in missing})
        facts = [f for f in got.facts if (f.office_id, f.day) in missing]
        parts.append(CellSet.of(cells_from_facts(facts, lambda f: (f.office_id, start, -1, f.service_id, None, ""))))
    return _regroup(CellSet.concat(parts), lambda k: k)


def _regroup(cells: CellSet, key) -> CellSet:
    """Sum a cell set's rows that share ``key(cell key)`` (numpy, one pass)."""
    if not len(cells):
        return cells
    index: dict = {}
    idx = np.array([index.setdefault(key(k), len(index)) for k in cells.keys], dtype=np.int64)
    out = np.zeros((len(index), WIDTH))
    for j in range(WIDTH):
        col = cells.data[:, j]
        if col.any():
            out[:, j] = np.bincount(idx, weights=col, minlength=len(index))
    return CellSet(list(index), out)


__all__ = ["DayFacts", "FigureData", "ticket_facts", "build_days", "pending_days", "roll_up", "load",
           "office_totals", "final_before"]
