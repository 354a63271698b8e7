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


def generate_day(rng, office, services, counters, day: date, n: int, first_id: int):
    """Ticket rows, event rows and the facts of one office day (vectorised)."""
    from reports.figures import TicketFact

    prof = _profile()
    slot = rng.choice(len(prof), size=n, p=prof)
    arr = np.sort(slot * 300.0 + rng.random(n) * 300.0)
    kind = rng.choice(len(SERVICES), size=n, p=np.array([s[2] for s in SERVICES]) / sum(s[2] for s in SERVICES))
    busy = 1.0 + 1.5 * np.exp(-((arr / 3600 - 1.5) ** 2) / 1.5)  # waits grow in the busy morning
    wait = rng.lognormal(np.log(600 * busy), 0.7)
    svc = rng.lognormal(np.log(np.array([s[3] for s in SERVICES])[kind] * 60), 0.45)
    u = rng.random(n)
    status = np.where(u < 0.88, "done", np.where(u < 0.94, "no_show", np.where(u < 0.97, "cancelled", "expired")))
    counter = rng.integers(0, len(counters), size=n)
    tz = ZoneInfo(office.timezone)
    open_utc = datetime.combine(day, dtime(8), tz).astimezone(timezone.utc).replace(tzinfo=None)
    numbers: dict[int, int] = {}
    tickets, events, facts = [], [], []
    for i in range(n):
        tid = first_id + i
        k = int(kind[i])
        sid = services[k].id
        prefix = SERVICES[k][1]
        numbers[k] = numbers.get(k, 0) + 1
        issued = open_utc + timedelta(seconds=float(arr[i]))
        st = str(status[i])
        called = finished = started = None
        cid = counters[int(counter[i])].id
        clerk = f"{office.code.lower()}-c{int(counter[i]) + 1}"
        if st in ("done", "no_show"):
            called = issued + timedelta(seconds=float(wait[i]))
        if st == "done":
            started = called + timedelta(seconds=20)
            finished = started + timedelta(seconds=float(svc[i]))
        elif st == "no_show":
            finished = called + timedelta(seconds=90)
        elif st == "cancelled":
            finished = issued + timedelta(seconds=float(wait[i]) / 2)
        else:
            finished = open_utc + timedelta(hours=16)
        tickets.append((tid, office.id, sid, sid, prefix, day, numbers[k], f"{prefix}-{numbers[k]:03d}", st, None,
                        f"{tid:032x}", issued, issued, called, started, finished,
                        cid if called else None, 0, None))
        events.append((tid, "issue", "kiosk", None, "", issued))
        if called is not None:
            events.append((tid, "call", f"user:{clerk}", cid, "", called))
        if st == "done":
            events.append((tid, "finish", f"user:{clerk}", cid, "", finished))
        elif st == "no_show":
            events.append((tid, "no_show", f"user:{clerk}", cid, "no-show", finished))
        elif st == "cancelled":
            events.append((tid, "cancel", "user:" + clerk, None, "", finished))
        else:
            events.append((tid, "expire", "system", None, "", finished))
        local_hour = (datetime.combine(day, dtime(8)) + timedelta(seconds=float(arr[i]))).hour
        facts.append(TicketFact(office.id, day, local_hour, sid, cid if called else None,
                                clerk if st != "expired" else "", st,
                                float(wait[i]) if called else None,
                                float(svc[i]) if st == "done" else None))
    return tickets, events, facts


TICKET_COLS = ("id", "office_id", "service_id", "origin_service_id", "series", "service_day", "number", "code",
               "status", "priority_group", "token", "issued_at", "queued_at", "called_at", "started_at",
               "finished_at", "counter_id", "requeues", "device_id")
EVENT_COLS = ("ticket_id", "action", "actor", "counter_id", "detail", "at")


class Loader:
    """Bulk insert: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, engine):
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"

    def load(self, tickets, events) -> None:
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            if self.pg:
                with cur.copy(f"COPY ticket ({', '.join(TICKET_COLS)}) FROM STDIN") as cp:
                    for r in tickets:
                        cp.write_row(r)
                with cur.copy(f"COPY ticket_event ({', '.join(EVENT_COLS)}) FROM STDIN") as cp:
                    for r in events:
                        cp.write_row(r)
            else:
                def iso(v):
                    return v.isoformat(sep=" ") if isinstance(v, datetime) else v
                cur.executemany(f"INSERT INTO ticket ({', '.join(TICKET_COLS)}) VALUES ({', '.join('?' * len(TICKET_COLS))})",
                                [tuple(iso(x) for x in r) for r in tickets])
                cur.executemany(f"INSERT INTO ticket_event ({', '.join(EVENT_COLS)}) VALUES (?, ?, ?, ?, ?, ?)",
                                [tuple(iso(x) for x in r) for r in events])
            raw.commit()
        finally:
            raw.close()

    def finish(self) -> None:
        if self.pg:
            raw = self.engine.raw_connection()
            try:
                cur = raw.cursor()
                cur.execute("SELECT setval(pg_get_serial_sequence('ticket', 'id'), (SELECT max(id) FROM ticket))")
                cur.execute("ANALYZE")
                raw.commit()
            finally:
                raw.close()
        else:
            with self.engine.begin() as c:
                c.exec_driver_sql("ANALYZE")


def insert_rollup_direct(session, office, facts, counters_by_hour, now) -> None:
    """The rollup rows of generated facts, without reading the history back (same arithmetic)."""
    from sqlalchemy import insert

    from reports import queries
    from reports.figures import cells_from_facts
    from reports.models import report_day, report_hour

    for grain in ("time", "staff"):
        queries.insert_rows(session, grain, queries._rows(cells_from_facts(facts, grain), grain))
    days: dict[date, int] = {}
    for f in facts:
        days[f.day] = days.get(f.day, 0) + 1
    if counters_by_hour:
        session.execute(insert(report_hour), [{"office_id": office.id, "day": d, "hour": h, "counters_open": c}
                                              for (d, h), c in counters_by_hour.items()])
    session.execute(insert(report_day), [{"office_id": office.id, "day": d, "tickets": n, "built_at": now}
                                         for d, n in days.items()])


def populate(app, offices_n: int, days_n: int, per_day: int, rollup: str, seed: int, log) -> dict:
    from queue_service.extensions import db
    from queue_service.models import Counter, Service

    rng = np.random.default_rng(seed)
    now = datetime.combine(START + timedelta(days=days_n + 1), dtime(12), timezone.utc)
    out = {"tickets": 0, "events": 0}
    with app.app_context():
        offices = seed_offices(db.session, offices_n)
        loader = Loader(db.engine)
        t0 = time.perf_counter()
        gen_s = 0.0
        next_id = 1
        for o in offices:
            services = db.session.query(Service).filter_by(office_id=o.id).order_by(Service.sort_order).all()
            counters = db.session.query(Counter).filter_by(office_id=o.id).order_by(Counter.number).all()
            for x in (o, *services, *counters):
                db.session.expunge(x)  # plain values from here on; the bulk load needs no open transaction
            db.session.commit()
            month_t, month_e, month_f = [], [], []
            for d in range(days_n):
                day = START + timedelta(days=d)
                g0 = time.perf_counter()
                t, e, f = generate_day(rng, o, services, counters, day, per_day, next_id)
                gen_s += time.perf_counter() - g0
                next_id += per_day
                month_t += t
                month_e += e
                month_f += f
                if len(month_t) >= 50_000 or d == days_n - 1:
                    db.session.commit()  # (SQLite: BEGIN IMMEDIATE holds the write lock until then)
                    loader.load(month_t, month_e)
                    out["tickets"] += len(month_t)
                    out["events"] += len(month_e)
                    if rollup == "direct":
                        hours = {}
                        for fact in month_f:
                            if fact.counter_id is not None:
                                hours.setdefault((fact.day, fact.hour), set()).add(fact.counter_id)
                        insert_rollup_direct(db.session, o, month_f, {k: len(v) for k, v in hours.items()}, now)
                        db.session.commit()
                    month_t, month_e, month_f = [], [], []
            log(f"  office {o.code}: {out['tickets']:,} tickets so far, {time.perf_counter() - t0:.0f} s")
        from queue_service.models import Office
        for o in db.session.query(Office):
            o.last_closed_day = START + timedelta(days=days_n)
        db.session.commit()
        loader.finish()
        out["load_s"] = round(time.perf_counter() - t0, 1)
        out["generate_s"] = round(gen_s, 1)
        out["now"] = now.isoformat()
        # the rebuild's speed, on a sample: one office, up to 31 days, through build_days (reads the history)
        from reports import queries
        sample = db.session.get(Office, offices[0].id)
        days = [START + timedelta(days=i) for i in range(min(31, days_n))]
        b0 = time.perf_counter()
        n = queries.build_days(db.session, sample, days, now)
        db.session.commit()
        b = time.perf_counter() - b0
        out["rebuild_sample"] = {"tickets": n, "seconds": round(b, 2), "tickets_per_s": round(n / b) if b else None}
        if rollup == "build":
            r0 = time.perf_counter()
            for o in db.session.query(Office).order_by(Office.id).all():
                queries.build_days(db.session, o, [START + timedelta(days=i) for i in range(days_n)], now)
                db.session.commit()
            out["rebuild_s"] = round(time.perf_counter() - r0, 1)
    return out


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
        rollup = args.rollup or ("direct" if args.offices * args.days * args.per_day > 2_000_000 else "build")
        pop = populate(app, args.offices, args.days, args.per_day, rollup, args.seed, log)
        log(f"{kind}: loaded {pop['tickets']:,} tickets in {pop['load_s']} s; measuring")
        res = measure(app, args.days, args.repeat, args.raw)
        with app.app_context():
            from queue_service.extensions import db
            db.engine.dispose()
        return {"db": kind, "rollup": rollup, **pop, "results": res}
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
    ap.add_argument("--rollup", choices=("build", "direct"), help="how the rollup is made (default: build when small)")
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
            rb = r["rebuild_sample"]
            print(f"{r['db']:<9} tickets {r['tickets']:,}, events {r['events']:,}, load {r['load_s']} s; "
                  f"rollup {r['rollup']}; rebuild {rb['tickets_per_s']} tickets/s")
        for f in failures:
            print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
