#!/usr/bin/env python
"""How fast are the queue figures on a year of tickets? (issue: office-month < 2 s and the kabupaten
comparison < 5 s on PostgreSQL with 20 offices x 1,000 tickets a day x 365 days = 7.3 million tickets;
one office-year on SQLite < 1 s).

Steps, per database:

1. schema (the app's own tables), offices with services and counters;
2. **generate** tickets and their history (issue, first call, finish / no-show / cancel / expire) with
   realistic days — a morning peak, five services, eight counters with their clerks, waits that grow in the
   busy hours — bulk-loaded with ``COPY`` on PostgreSQL and ``executemany`` on SQLite;
3. **roll up**: ``reports.queries.build_days`` on a sample (the rebuild command's speed, tickets/s), and the
   whole period either the same way (``--rollup build``) or from the generated facts directly
   (``--rollup direct``, default for big runs: the same arithmetic without reading the history back);
4. **measure** (best of ``--repeat``, after one warm-up): the office-month report (all breakdowns, heatmap,
   trends, staffing advice), the office-year report, and the kabupaten comparison (every office side by side,
   a month and a year); with ``--raw`` also the same reports computed from the tickets without the rollup.

Prints a table and writes JSON (``--out``); exits non-zero when a target is missed or a configuration cannot
run (PostgreSQL missing), unless ``--no-targets`` (smoke runs).

    python bench/reports_bench.py --db sqlite --offices 1 --days 365            # office-year on SQLite
    python bench/reports_bench.py --db postgres --offices 20 --days 365         # the full 7.3 M tickets
    python bench/reports_bench.py --db both --offices 2 --days 30 --per-day 50 --no-targets   # smoke
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = {"postgres": {"office_month": 2.0, "kabupaten_month": 5.0, "kabupaten_year": 5.0},
           "sqlite": {"office_year": 1.0}}
SERVICES = [("REKAM", "A", 0.30, 4.5), ("KK", "B", 0.25, 5.0), ("AKTA", "C", 0.18, 6.0), ("PINDAH", "D", 0.12, 8.0),
            ("KIA", "E", 0.15, 3.0)]
COUNTERS = 8
ZONES = ["Asia/Jakarta", "Asia/Jakarta", "Asia/Jakarta", "Asia/Makassar"]
START = date(2025, 1, 1)


# --------------------------------------------------------------------------- the app and its schema

def make_app(url: str):
    from queue_service.app import create_app
    from queue_service.extensions import db

    app = create_app({"DATABASE_URL": url, "TESTING": True, "ENV": "testing", "SECRET_KEY": "bench",
                      "BACKGROUND_WORKERS": False})
    import reports.models  # noqa: F401  (the rollup tables on the metadata)
    with app.app_context():
        db.create_all()
    return app


def seed_offices(session, n: int):
    from queue_service.models import Counter, Office, Service

    offices = []
    for i in range(n):
        o = Office(code=f"K{i:02d}", name=f"Kantor {i:02d}", timezone=ZONES[i % len(ZONES)], opens_at=dtime(8),
                   closes_at=dtime(16), open_days="1234567")
        session.add(o)
        session.flush()
        svcs = [Service(office_id=o.id, code=c, prefix=p, name_id=c, name_en=c, sort_order=k)
                for k, (c, p, _, _) in enumerate(SERVICES)]
        session.add_all(svcs)
        session.add_all([Counter(office_id=o.id, number=k + 1, name=f"Loket {k + 1}") for k in range(COUNTERS)])
        session.flush()
        offices.append(o)
    session.commit()
    return offices


# --------------------------------------------------------------------------- generated days

def _profile() -> np.ndarray:
    """Arrival weights per 5-minute slot from 08:00 to 14:00 (the eta simulation's day)."""
    edges = np.arange(0, 6 * 3600 + 1, 300.0)
    mids = (edges[:-1] + edges[1:]) / 2 / 3600
    w = np.where(mids < 2.5, 1.0 + 0.4 * np.exp(-((mids - 1.0) ** 2) / 0.5), 1.4 * np.exp(-(mids - 2.5) / 1.1) + 0.05)
    w[0] += 3.0
    return w / w.sum()


STATUS = np.array(["done", "no_show", "cancelled", "expired"])


class OfficeBatch:
    """Tickets of one office over a run of days, as arrays (vectorised: a year of an office is a few numpy
    calls, not a Python loop per ticket)."""

    def __init__(self, rng, office_id: int, tz_hours: int, services: list[int], counters: list[int],
                 clerks: list[str], day0: date, ndays: int, per_day: int, first_id: int):
        n = ndays * per_day
        self.office_id, self.day0, self.ndays, self.n = office_id, day0, ndays, n
        self.services, self.counters, self.clerks = services, counters, clerks
        prof = _profile()
        day = np.repeat(np.arange(ndays), per_day)
        arr = rng.choice(len(prof), size=n, p=prof) * 300.0 + rng.random(n) * 300.0
        order = np.lexsort((arr, day))
        self.day, self.arr = day[order], arr[order]
        self.number = np.tile(np.arange(1, per_day + 1), ndays)
        self.ids = np.arange(first_id, first_id + n)
        shares = np.array([x[2] for x in SERVICES])
        self.kind = rng.choice(len(SERVICES), size=n, p=shares / shares.sum())
        busy = 1.0 + 1.5 * np.exp(-((self.arr / 3600 - 1.5) ** 2) / 1.5)
        self.wait = rng.lognormal(np.log(600 * busy), 0.7)
        self.svc = rng.lognormal(np.log(np.array([x[3] for x in SERVICES])[self.kind] * 60), 0.45)
        self.status = np.searchsorted([0.88, 0.94, 0.97], rng.random(n), side="right")  # index into STATUS
        self.counter = rng.integers(0, len(counters), size=n)
        self.called = self.status <= 1  # done or no-show: called (first call = issue + wait)
        self.done = self.status == 0
        # times in seconds since day0 00:00 UTC
        self.open_s = self.day * 86400.0 + (8 - tz_hours) * 3600.0
        self.issued_s = self.open_s + self.arr
        self.called_s = np.where(self.called, self.issued_s + self.wait, np.nan)
        self.started_s = np.where(self.done, self.called_s + 20, np.nan)
        fin = np.select([self.done, self.status == 1, self.status == 2],
                        [self.started_s + self.svc, self.called_s + 90, self.issued_s + self.wait / 2],
                        self.open_s + 16 * 3600)
        self.finished_s = fin
        self.local_hour = (8 + self.arr // 3600).astype(int)
        self.tz_hours = tz_hours

    def _ts(self, secs: np.ndarray, sep: str) -> list:
        base = np.datetime64(self.day0, "us")
        mask = np.isnan(secs)
        vals = base + (np.nan_to_num(secs) * 1e6).astype("timedelta64[us]")
        out = np.datetime_as_string(vals, unit="us")
        if sep != "T":
            out = np.char.replace(out, "T", sep)
        out = out.astype(object)
        out[mask] = None
        return out.tolist()

    def ticket_rows(self, sep: str) -> list[tuple]:
        prefixes = np.array([x[1] for x in SERVICES])[self.kind]
        days = np.datetime_as_string(np.datetime64(self.day0, "D") + self.day.astype("timedelta64[D]")).tolist()
        svc_ids = np.array(self.services)[self.kind].tolist()
        issued = self._ts(self.issued_s, sep)
        counter = np.where(self.called, np.array(self.counters)[self.counter], -1).tolist()
        numbers = self.number.tolist()
        codes = [f"{p}-{k:03d}" for p, k in zip(prefixes.tolist(), numbers)]
        statuses = STATUS[self.status].tolist()
        return list(zip(self.ids.tolist(), [self.office_id] * self.n, svc_ids, svc_ids, prefixes.tolist(), days,
                        numbers, codes, statuses, [None] * self.n, [f"{i:032x}" for i in self.ids.tolist()], issued,
                        issued, self._ts(self.called_s, sep), self._ts(self.started_s, sep),
                        self._ts(self.finished_s, sep), [c if c >= 0 else None for c in counter], [0] * self.n,
                        [None] * self.n))

    def event_rows(self, sep: str) -> list[tuple]:
        ids = self.ids.tolist()
        cid = np.array(self.counters)[self.counter].tolist()
        clerk = [f"user:{self.clerks[k]}" for k in self.counter.tolist()]
        issued, called, fin = self._ts(self.issued_s, sep), self._ts(self.called_s, sep), self._ts(self.finished_s, sep)
        st = self.status.tolist()
        rows = []
        for i in range(self.n):
            rows.append((ids[i], "issue", "kiosk", None, "", issued[i]))
            s = st[i]
            if s <= 1:
                rows.append((ids[i], "call", clerk[i], cid[i], "", called[i]))
                rows.append((ids[i], "finish" if s == 0 else "no_show", clerk[i], cid[i], "", fin[i]))
            elif s == 2:
                rows.append((ids[i], "cancel", clerk[i], None, "", fin[i]))
            else:
                rows.append((ids[i], "expire", "system", None, "", fin[i]))
        return rows

    # -- the rollup of these tickets, vectorised (checked against reports.queries.build_days in verify())
    def rollup(self, now: datetime) -> tuple[list, list, list, list]:
        from reports.figures import SERVICE_BINS, SERVICE_EDGES, WAIT_BINS, WAIT_EDGES, pack_hist

        wbin = np.clip(np.searchsorted(WAIT_EDGES, np.nan_to_num(self.wait), side="right") - 1, 0, WAIT_BINS - 1)
        sbin = np.clip(np.searchsorted(SERVICE_EDGES, self.svc, side="right") - 1, 0, SERVICE_BINS - 1)
        days = [self.day0 + timedelta(days=int(d)) for d in range(self.ndays)]
        k = len(SERVICES)
        nc = len(self.counters)

        def cells(gid):
            uniq, inv = np.unique(gid, return_inverse=True)
            g = len(uniq)

            def cnt(mask):
                return np.bincount(inv, weights=mask.astype(float), minlength=g)
            sums = [np.bincount(inv, minlength=g).astype(float), cnt(self.done), cnt(self.status == 1),
                    cnt(self.status == 2), cnt(self.status == 3), cnt(self.called),
                    np.bincount(inv, weights=np.where(self.called, self.wait, 0.0), minlength=g), cnt(self.done),
                    np.bincount(inv, weights=np.where(self.done, self.svc, 0.0), minlength=g)]
            wh = np.bincount(inv * WAIT_BINS + wbin, weights=self.called.astype(float),
                             minlength=g * WAIT_BINS).reshape(g, WAIT_BINS)
            sh = np.bincount(inv * SERVICE_BINS + sbin, weights=self.done.astype(float),
                             minlength=g * SERVICE_BINS).reshape(g, SERVICE_BINS)
            return uniq, np.column_stack(sums), wh.astype(int), sh.astype(int)

        time_rows = []
        uniq, sums, wh, sh = cells((self.day * 24 + self.local_hour) * k + self.kind)
        for j, gid in enumerate(uniq.tolist()):
            kind = gid % k
            dh = gid // k
            time_rows.append((self.office_id, days[dh // 24], dh % 24, self.services[kind],
                              *[int(v) if i not in (6, 8) else float(v) for i, v in enumerate(sums[j])],
                              pack_hist(wh[j]), pack_hist(sh[j])))
        staff_rows = []
        who = np.where(self.called, self.counter, nc)  # nc = nobody (never called)
        uniq, sums, wh, sh = cells((self.day * k + self.kind) * (nc + 1) + who)
        for j, gid in enumerate(uniq.tolist()):
            w_ = gid % (nc + 1)
            dk = gid // (nc + 1)
            staff_rows.append((self.office_id, days[dk // k], self.services[dk % k],
                               self.counters[w_] if w_ < nc else None, self.clerks[w_] if w_ < nc else "",
                               *[int(v) if i not in (6, 8) else float(v) for i, v in enumerate(sums[j])],
                               pack_hist(wh[j]), pack_hist(sh[j])))
        # counters at work: the counter's call and finish events, by office-local day and hour
        ev_s = np.concatenate([self.called_s[self.called], self.finished_s[self.called]])
        ev_c = np.concatenate([self.counter[self.called], self.counter[self.called]])
        local = ev_s + self.tz_hours * 3600
        eday = (local // 86400).astype(int)
        ehour = ((local % 86400) // 3600).astype(int)
        trip = np.unique((eday * 24 + ehour) * nc + ev_c)
        dh, cnts = np.unique(trip // nc, return_counts=True)
        hour_rows = [(self.office_id, self.day0 + timedelta(days=int(x // 24)), int(x % 24), int(c))
                     for x, c in zip(dh.tolist(), cnts.tolist())]
        per_day = np.bincount(self.day, minlength=self.ndays)
        day_rows = [(self.office_id, days[i], int(per_day[i]), now) for i in range(self.ndays)]
        return time_rows, staff_rows, hour_rows, day_rows


TICKET_COLS = ("id", "office_id", "service_id", "origin_service_id", "series", "service_day", "number", "code",
               "status", "priority_group", "token", "issued_at", "queued_at", "called_at", "started_at",
               "finished_at", "counter_id", "requeues", "device_id")
EVENT_COLS = ("ticket_id", "action", "actor", "counter_id", "detail", "at")


def _sqlite_value(v):
    """Dates as SQLAlchemy stores them on SQLite (ISO text; timestamps naive UTC with a space)."""
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(v, date):
        return v.isoformat()
    return v


class Loader:
    """Bulk insert: COPY on PostgreSQL, executemany on SQLite, in one transaction per call."""

    def __init__(self, engine):
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"
        self.sep = "T" if self.pg else " "

    def load(self, tables: list[tuple[str, tuple[str, ...], list[tuple]]]) -> None:
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            if not self.pg:  # a throwaway database: no fsync during the bulk load
                cur.execute("PRAGMA synchronous=OFF")
                cur.execute("PRAGMA cache_size=-200000")
            for name, cols, rows in tables:
                if not rows:
                    continue
                if self.pg:
                    with cur.copy(f"COPY {name} ({', '.join(cols)}) FROM STDIN") as cp:
                        for r in rows:
                            cp.write_row(r)
                else:
                    cur.executemany(f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                    [tuple(_sqlite_value(v) for v in r) for r in rows] if name.startswith("report_")
                                    else rows)
            raw.commit()
        finally:
            raw.close()

    BULK_TABLES = ("ticket", "ticket_event")

    def prepare(self) -> None:
        """PostgreSQL: set aside the foreign keys, unique constraints and indexes (not the primary keys) of the
        ticket tables during the load and build them once at the end — a bulk import's usual trick (checked per
        row they made COPY 20x slower on this machine)."""
        self.saved = []
        if not self.pg:
            return
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            for table in self.BULK_TABLES:
                cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')", (table,))
                for name, definition in cur.fetchall():
                    self.saved.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                    cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                cur.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
                            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", (table,))
                for name, definition in cur.fetchall():
                    self.saved.append(definition)
                    cur.execute(f'DROP INDEX "{name}"')
            raw.commit()
        finally:
            raw.close()

    def finish(self) -> None:
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            if self.pg:
                cur.execute("SET maintenance_work_mem = '256MB'")
                for statement in getattr(self, "saved", []):
                    cur.execute(statement)
                cur.execute("SELECT setval(pg_get_serial_sequence('ticket', 'id'), (SELECT max(id) FROM ticket))")
            cur.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()


def populate(app, offices_n: int, days_n: int, per_day: int, seed: int, log) -> dict:
    """Offices, tickets, history and the rollup (made from the generated arrays; see :meth:`OfficeBatch.rollup`,
    checked against the product's own builder by :func:`verify`)."""
    from queue_service.extensions import db
    from queue_service.models import Counter, Office, Service
    from reports.models import COLUMNS, HIST_COLUMNS
    from reports.queries import KEY_COLUMNS

    rng = np.random.default_rng(seed)
    now = datetime.combine(START + timedelta(days=days_n + 1), dtime(12), timezone.utc)
    out = {"tickets": 0, "events": 0, "rollup_rows": 0}
    cell_cols = (*KEY_COLUMNS["time"], *COLUMNS, *HIST_COLUMNS)
    staff_cols = (*KEY_COLUMNS["staff"], *COLUMNS, *HIST_COLUMNS)
    with app.app_context():
        seed_offices(db.session, offices_n)
        plan = []
        for o in db.session.query(Office).order_by(Office.id):
            services = [s.id for s in db.session.query(Service).filter_by(office_id=o.id).order_by(Service.sort_order)]
            counters = [c.id for c in db.session.query(Counter).filter_by(office_id=o.id).order_by(Counter.number)]
            tz_hours = int(ZoneInfo(o.timezone).utcoffset(datetime(2025, 1, 1)).total_seconds() // 3600)
            plan.append((o.id, o.code, tz_hours, services, counters))
        db.session.commit()
        db.session.remove()
        loader = Loader(db.engine)
        loader.prepare()
        t0 = time.perf_counter()
        next_id = 1
        chunk = max(1, 60_000 // per_day)  # days per batch: ~60,000 tickets
        for office_id, code, tz_hours, services, counters in plan:
            clerks = [f"{code.lower()}-c{k + 1}" for k in range(len(counters))]
            for d0 in range(0, days_n, chunk):
                nd = min(chunk, days_n - d0)
                b = OfficeBatch(rng, office_id, tz_hours, services, counters, clerks, START + timedelta(days=d0), nd,
                                per_day, next_id)
                next_id += b.n
                trows, srows, hrows, drows = b.rollup(now)
                tickets, events = b.ticket_rows(loader.sep), b.event_rows(loader.sep)
                loader.load([("ticket", TICKET_COLS, tickets), ("ticket_event", EVENT_COLS, events),
                             ("report_cell", cell_cols, trows), ("report_staff", staff_cols, srows),
                             ("report_hour", ("office_id", "day", "hour", "counters_open"), hrows),
                             ("report_day", ("office_id", "day", "tickets", "built_at"), drows)])
                out["tickets"] += len(tickets)
                out["events"] += len(events)
                out["rollup_rows"] += len(trows) + len(srows)
            log(f"  office {code}: {out['tickets']:,} tickets so far, {time.perf_counter() - t0:.0f} s")
        loader.finish()
        from reports.queries import refresh_months
        months = sorted({(START + timedelta(days=i)).replace(day=1) for i in range(days_n)})
        for o in db.session.query(Office).order_by(Office.id):
            o.last_closed_day = START + timedelta(days=days_n)
            refresh_months(db.session, o, months)  # the month rows, by the product's own code
            db.session.commit()
        out["load_s"] = round(time.perf_counter() - t0, 1)
        out["now"] = now.isoformat()
    return out


def verify(app, days_n: int) -> dict:
    """The generated rollup must give the same figures as the product's own path from the tickets: one office,
    up to 31 days, compared before and after ``reports.queries.build_days`` rebuilds it (also timed: the
    rebuild command's speed)."""
    from queue_service.extensions import db
    from queue_service.models import Office
    from reports import build, queries

    with app.app_context():
        o = db.session.query(Office).order_by(Office.id).first()
        now = datetime.combine(START + timedelta(days=days_n + 1), dtime(12), timezone.utc)
        end = START + timedelta(days=min(31, days_n) - 1)
        before = build.office_figures(db.session, o, START, end, now=now, default_target_s=1800.0)
        days = [START + timedelta(days=i) for i in range((end - START).days + 1)]
        t0 = time.perf_counter()
        n = queries.build_days(db.session, o, days, now)
        db.session.commit()
        took = time.perf_counter() - t0
        after = build.office_figures(db.session, o, START, end, now=now, default_target_s=1800.0)

        def rows(fig):
            return [(r.key, r.summary) for r in (*fig.by_service, *fig.by_hour, *fig.by_day, *fig.by_counter,
                                                 *fig.by_clerk)] + [(None, fig.summary)]

        def close(a, b):
            da, db_ = a.as_dict(), b.as_dict()
            return all((x is None and y is None) or (x is not None and y is not None and abs(x - y) <= 1e-6 * max(1, abs(x)))
                       for x, y in zip(da.values(), db_.values()))
        mismatches = [str(k) for (k, a), (_, b) in zip(rows(before), rows(after)) if not close(a, b)]
        same_shape = len(rows(before)) == len(rows(after))
        return {"tickets": n, "seconds": round(took, 2), "tickets_per_s": round(n / took) if took else None,
                "same_figures": same_shape and not mismatches, "mismatches": mismatches[:10]}


# --------------------------------------------------------------------------- the measured reports

def office_report(session, office, start: date, end: date, now) -> dict:
    """Everything the office figures page and the monthly report compute (the same function they call)."""
    from reports import build

    fig = build.office_figures(session, office, start, end, now=now, default_target_s=1800.0)
    return {"all": {None: fig.summary}, "fig": fig}


def kabupaten(session, offices, start: date, end: date, now) -> dict:
    from reports import figures as fg
    from reports import queries

    targets = {s.id: 1800.0 for o in offices for s in o.services}
    cells = queries.office_totals(session, offices, start, end)
    return fg.table(cells, "office", targets)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    fn()  # warm-up (statement caches, the database's own buffers)
    best, result = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def measure(app, days_n: int, repeat: int, raw: bool) -> dict:
    from queue_service.extensions import db
    from queue_service.models import Office
    from reports.models import report_day

    res = {}
    with app.app_context():
        offices = db.session.query(Office).order_by(Office.id).all()
        now = datetime.combine(START + timedelta(days=days_n + 1), dtime(12), timezone.utc)
        month_end = START + timedelta(days=min(days_n, 31) - 1)
        year_end = START + timedelta(days=days_n - 1)
        o = offices[-1]
        cases = {"office_month": lambda: office_report(db.session, o, START, month_end, now),
                 "office_year": lambda: office_report(db.session, o, START, year_end, now),
                 "kabupaten_month": lambda: kabupaten(db.session, offices, START, month_end, now),
                 "kabupaten_year": lambda: kabupaten(db.session, offices, START, year_end, now)}
        for name, fn in cases.items():
            s, result = timed(fn, repeat)
            db.session.rollback()
            res[name] = {"seconds": round(s, 3)}
            if name.startswith("office"):
                res[name]["issued"] = result["all"][None].issued
                res[name]["p90_wait_min"] = round((result["all"][None].wait_p90 or 0) / 60, 1)
            else:
                res[name]["offices"] = len(result)
        if raw:  # the same without the rollup: every figure from the tickets and their history
            saved = db.session.execute(report_day.select()).all()
            db.session.execute(report_day.delete())
            db.session.flush()
            for name in ("office_month", "office_year", "kabupaten_month"):
                s, _ = timed(cases[name], 1)
                res[name]["raw_seconds"] = round(s, 3)
            db.session.rollback()
            del saved
    return res


# --------------------------------------------------------------------------- main

def run_db(kind: str, args, log) -> dict:
    tmp = tempfile.mkdtemp(prefix="reports-bench-")
    pg = None
    try:
        if kind == "postgres":
            from tests.plugins.servers import launch_postgres
            pg = launch_postgres()
            url = pg.url
        else:
            url = f"sqlite:///{tmp}/bench.sqlite3"
        app = make_app(url)
        log(f"{kind}: generating {args.offices} offices x {args.days} days x {args.per_day} tickets")
        pop = populate(app, args.offices, args.days, args.per_day, args.seed, log)
        log(f"{kind}: loaded {pop['tickets']:,} tickets in {pop['load_s']} s; checking the rollup, measuring")
        check = verify(app, args.days)
        res = measure(app, args.days, args.repeat, args.raw)
        with app.app_context():
            from queue_service.extensions import db
            db.engine.dispose()
        return {"db": kind, **pop, "rollup_check": check, "results": res}
    finally:
        if pg is not None:
            pg.close()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    ap.add_argument("--offices", type=int, default=1)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--raw", action="store_true", help="also time the reports without the rollup")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--no-targets", action="store_true", help="smoke mode: report, never fail on a target")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args(argv)
    if not (1 <= args.offices <= 100 and 1 <= args.days <= 3660 and 1 <= args.per_day <= 5000
            and 1 <= args.repeat <= 20):
        ap.error("offices 1..100, days 1..3660, per-day 1..5000, repeat 1..20")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    runs, failures = [], []
    for kind in kinds:
        try:
            runs.append(run_db(kind, args, log))
        except Exception as exc:  # a configuration that cannot run is a failure, said plainly
            failures.append(f"{kind}: cannot run: {type(exc).__name__}: {exc}")
            log(failures[-1])
    full = args.offices >= 20 and args.days >= 365 and args.per_day >= 1000
    for r in runs:
        for name, limit in TARGETS.get(r["db"], {}).items():
            got = r["results"].get(name, {}).get("seconds")
            ok = got is not None and got <= limit
            r["results"].setdefault(name, {})["target_s"] = limit
            r["results"][name]["met"] = ok
            if not ok and not args.no_targets:
                failures.append(f"{r['db']} {name}: {got} s > {limit} s")
        if not r["rollup_check"]["same_figures"]:
            failures.append(f"{r['db']}: the generated rollup and build_days disagree: {r['rollup_check']['mismatches']}")
    out = {"config": {"offices": args.offices, "days": args.days, "per_day": args.per_day, "repeat": args.repeat,
                      "full_size": full}, "runs": runs, "failures": failures}
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=2, default=str))
    if args.json:
        print(json.dumps(out, indent=2, default=str))
    else:
        print(f"queue figures: {args.offices} offices x {args.days} days x {args.per_day} tickets/day "
              f"(best of {args.repeat})")
        head = f"{'db':<9} {'report':<16} {'seconds':>8} {'target':>7} {'met':>4} {'raw s':>7}"
        print(head)
        print("-" * len(head))
        for r in runs:
            for name, v in r["results"].items():
                print(f"{r['db']:<9} {name:<16} {v['seconds']:>8.3f} {v.get('target_s', ''):>7} "
                      f"{('yes' if v.get('met') else 'NO') if 'met' in v else '':>4} {v.get('raw_seconds', ''):>7}")
            rb = r["rollup_check"]
            print(f"{r['db']:<9} tickets {r['tickets']:,}, events {r['events']:,}, rollup rows {r['rollup_rows']:,}, "
                  f"load {r['load_s']} s; rebuild (build_days) {rb['tickets_per_s']} tickets/s, "
                  f"same figures as generated: {'yes' if rb['same_figures'] else 'NO'}")
        for f in failures:
            print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
