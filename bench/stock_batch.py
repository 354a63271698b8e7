"""Risk of 500 offices x 3 items x 2 years of daily history through the inventory's own path.

Unlike ``bench/forecast_batch.py`` (the pure forecast), this times what the daily job does for
every office: read the daily stock rows from the database, build the censored demand history and
the office calendar (weekends + Indonesian holidays), forecast, compute days of cover / stock-out
date / reorder point / P(stock-out before the next delivery), store the figures and move the
alerts -- ``inventory.recompute.recompute_item`` -- on a file SQLite database.

  python bench/stock_batch.py                  # 500 offices x 3 items x 730 days
  python bench/stock_batch.py --offices 50 --json

Target: the recompute of every office within 30 s for 500 offices (scaled to ``--offices``: 30 s x offices / 500).
Exit status 1 when it is missed (unless ``--smoke``) or an item could not be recomputed, else 0
(bench/targets.py).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from targets import Verdict, add_smoke_flag  # noqa: E402

BUDGET_S = 30.0  # for BUDGET_OFFICES offices
BUDGET_OFFICES = 500
ITEMS = {"KTP_EL": (5.0, 160.0), "KIA": (1.0, 25.0), "RIBBON": (5.0, 180.0)}
WEEKDAY = (1.3, 1.05, 0.95, 0.9, 0.8, 0.0, 0.0)


def build(app, offices: int, days: int, now: datetime, seed: int = 1) -> float:
    from sqlalchemy import insert, update

    from inventory.ledger import ensure_items
    from inventory.models import ExpectedDelivery, StockDay, StockLevel
    from inventory.risk import office_closed_days
    from queue_service.extensions import db
    from queue_service.models import Office

    rng = np.random.default_rng(seed)
    today = now.date()
    start = today - timedelta(days=days)
    closed = office_closed_days("12345", start, today)
    dates = [start + timedelta(days=i) for i in range(days)]
    t0 = time.perf_counter()
    with app.app_context():
        for o in range(offices):
            office = Office(code=f"K{o:04d}", name=f"Kantor {o}", timezone="Asia/Jakarta", open_days="12345")
            db.session.add(office)
            db.session.flush()
            items = ensure_items(db.session, office)
            rows = []
            for code, (lo, hi) in ITEMS.items():
                item = items[code]
                base = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
                level = base * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
                gap = int(rng.integers(0, days - 10))
                for i, d in enumerate(dates):
                    if d in closed:
                        continue
                    used = int(rng.poisson(level[i] * WEEKDAY[d.weekday()]))
                    out = gap <= i < gap + 4  # a stock-out spell: censored days
                    rows.append({"item_id": item.id, "day": d, "used": used, "turned_away": 0,
                                 "opening": 0 if out else 10_000, "min_balance": 0 if out else 5_000,
                                 "closing": 0 if out else 5_000})
                stock = int(base * rng.uniform(2, 25))
                db.session.execute(update(StockLevel).where(StockLevel.item_id == item.id).values(balance=stock))
                if rng.random() < 0.6:
                    db.session.add(ExpectedDelivery(office_id=office.id, item_id=item.id, quantity=1000,
                                                    expected_date=today + timedelta(days=int(rng.integers(3, 20))),
                                                    status="pending", created_at=now))
            db.session.execute(insert(StockDay), rows)
            db.session.commit()
        db.session.remove()
    return time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--offices", type=int, default=500)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--json", action="store_true", help="JSON to stdout (table to stderr)")
    ap.add_argument("--db", help="SQLite file (default: a temporary one)")
    add_smoke_flag(ap)
    args = ap.parse_args(argv)
    verdict = Verdict(smoke=args.smoke)
    budget = BUDGET_S * args.offices / BUDGET_OFFICES

    from sqlalchemy import select

    import inventory.risk as risk_mod
    from inventory.models import StockAlert, StockItem
    from inventory.recompute import recompute_item
    from queue_service.app import create_app
    from queue_service.extensions import db
    from queue_service.models import Office

    tmp = tempfile.mkdtemp()
    path = args.db or os.path.join(tmp, "bench.sqlite3")
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{path}", "INSTANCE_PATH": tmp,
                      "BACKGROUND_WORKERS": False})
    with app.app_context():
        db.create_all()
    now = datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc)
    t_build = build(app, args.offices, args.days, now)

    # time the pure forecast share separately
    fc_time = [0.0]
    real = risk_mod.forecast_daily

    def timed(*a, **k):
        t = time.perf_counter()
        try:
            return real(*a, **k)
        finally:
            fc_time[0] += time.perf_counter() - t

    risk_mod.forecast_daily = timed
    statuses: dict[str, int] = {}
    per_office = []
    t0 = time.perf_counter()
    with app.app_context():
        offices = db.session.scalars(select(Office).order_by(Office.code)).all()
        for office in offices:
            o0 = time.perf_counter()
            done = 0
            for item in db.session.scalars(select(StockItem).where(StockItem.office_id == office.id,
                                                                   StockItem.code.in_(list(ITEMS)))):
                try:
                    r, _events = recompute_item(db.session, item, now)
                except Exception as exc:  # counted as a failure, never dropped from the figures silently
                    db.session.rollback()
                    verdict.error(f"{office.code} {item.code}: {exc!r}")
                    continue
                statuses[r.status] = statuses.get(r.status, 0) + 1
                done += 1
            if done != len(ITEMS):
                verdict.error(f"{office.code}: {done} of {len(ITEMS)} items recomputed")
            db.session.commit()
            per_office.append(time.perf_counter() - o0)
        alerts = db.session.query(StockAlert).count()
    total = time.perf_counter() - t0
    risk_mod.forecast_daily = real
    po = np.array(per_office) * 1000
    report = {
        "offices": args.offices, "items_per_office": len(ITEMS), "series": args.offices * len(ITEMS),
        "history_days": args.days, "build_seconds": round(t_build, 2),
        "recompute_seconds_total": round(total, 2), "forecast_seconds": round(fc_time[0], 2),
        "db_and_risk_seconds": round(total - fc_time[0], 2),
        "ms_per_office": {"mean": round(float(po.mean()), 1), "p95": round(float(np.percentile(po, 95)), 1)},
        "statuses": statuses, "alerts_opened": alerts, "budget_seconds": round(budget, 2),
        "within_budget": total <= budget, "cpus": os.cpu_count(),
    }
    verdict.at_most(f"recompute of {args.offices} offices x {len(ITEMS)} items", round(total, 2), round(budget, 2),
                    " s")
    report["verdict"] = verdict.as_json()
    out = sys.stderr if args.json else sys.stdout
    print(f"stock risk batch: {report['series']} series x {args.days} days (SQLite, one process)", file=out)
    rows = [("build database (s)", f"{t_build:.1f}"), ("recompute total (s)", f"{total:.2f}"),
            ("  of which forecast_daily (s)", f"{fc_time[0]:.2f}"),
            ("  of which DB, history, risk, alerts (s)", f"{total - fc_time[0]:.2f}"),
            ("per office mean (ms)", f"{po.mean():.1f}"), ("per office p95 (ms)", f"{np.percentile(po, 95):.1f}"),
            (f"within {budget:.2f} s budget", str(total <= budget))] + \
        [(f"status {k}", str(v)) for k, v in sorted(statuses.items())] + [("alerts opened", str(alerts))]
    w = max(len(r[0]) for r in rows)
    for k, v in rows:
        print(f"{k:{w}}  {v:>10}", file=out)
    print(verdict.table(), file=out)
    if args.json:
        print(json.dumps(report, indent=2))
    return verdict.exit_status()


if __name__ == "__main__":
    sys.exit(main())
