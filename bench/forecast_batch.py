"""Throughput of inventory.forecast.forecast_daily on a national-scale batch.

Generates ``--offices`` offices x 3 stock items (KTP-el blanks, KIA blanks, printer
ribbon: intermittent) with ``--days`` of daily history each: Mon-heaviest weekday
pattern, closed on weekends and Indonesian public holidays (holidays.Indonesia),
drifting level and stock-out gaps recorded as None. Then forecasts every series
(``--horizon`` days, default 30, 1000 simulated paths) in one process and reports
the total and per-call times as a table and JSON (``--json`` to stdout,
``--out PATH`` to a file). The budget is 30 s for 500 x 3 x 2 years; at another ``--offices`` it is scaled
to the number of series (30 s x offices / 500). Exit status 1 when the budget is missed (unless ``--smoke``) or
any series could not be forecast (bench/targets.py), else 0.

  python bench/forecast_batch.py
  python bench/forecast_batch.py --json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from targets import Verdict, add_smoke_flag  # noqa: E402
from inventory.forecast import DEFAULT_PATHS, forecast_daily, reorder_point  # noqa: E402

BUDGET_S = 30.0  # for BUDGET_OFFICES offices x 3 items x 2 years
BUDGET_OFFICES = 500
ITEMS = {  # name: (daily mean range, weekday factors Mon..Fri)
    "ktp_el": ((5.0, 80.0), (1.45, 1.1, 1.0, 0.95, 0.7)),
    "kia": ((1.0, 20.0), (1.3, 1.1, 1.0, 1.0, 0.8)),
    "ribbon": ((0.05, 0.4), (1.0, 1.0, 1.0, 1.0, 1.0)),
}


def make_batch(offices, days, seed=1):
    import holidays

    rng = np.random.default_rng(seed)
    end = dt.date(2025, 6, 30)
    start = end - dt.timedelta(days=days - 1)
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    hol = holidays.Indonesia(years=range(start.year, end.year + 1))
    closed_mask = np.array([d.weekday() >= 5 or d in hol for d in dates])
    closed = {d for d, c in zip(dates, closed_mask) if c}
    wd = np.array([d.weekday() for d in dates])
    batch = []
    for office in range(offices):
        for item, ((lo, hi), fac) in ITEMS.items():
            base = math.exp(rng.uniform(math.log(lo), math.log(hi)))
            level = base * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
            factors = np.array(list(fac) + [0.0, 0.0])[wd]
            mu = level * factors
            lam = rng.gamma(6.0, mu / 6.0 + 1e-12)
            y = rng.poisson(lam).astype(float)
            y[closed_mask] = 0.0
            vals = y.tolist()
            # stock-out gaps: demand not observed
            for _ in range(rng.poisson(2)):
                s = int(rng.integers(0, days - 10))
                for i in range(s, s + int(rng.integers(3, 10))):
                    if not closed_mask[i]:
                        vals[i] = None
            batch.append((office, item, dict(zip(dates, vals))))
    return batch, closed, end


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--offices", type=int, default=500)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--horizon", type=int, default=30)
    ap.add_argument("--json", action="store_true", help="JSON to stdout (table to stderr)")
    ap.add_argument("--out", help="write JSON to this path")
    add_smoke_flag(ap)
    args = ap.parse_args(argv)
    verdict = Verdict(smoke=args.smoke)
    budget = BUDGET_S * args.offices / BUDGET_OFFICES

    t0 = time.perf_counter()
    batch, closed, end = make_batch(args.offices, args.days)
    t_gen = time.perf_counter() - t0
    future = {end + dt.timedelta(days=h) for h in range(1, args.horizon + 1)}
    closed_all = closed | {d for d in future if d.weekday() >= 5}

    per_call = []
    methods = {}
    rop_sum = 0.0
    t1 = time.perf_counter()
    for office, item, hist in batch:
        c0 = time.perf_counter()
        try:
            fc = forecast_daily(hist, args.horizon, closed=closed_all)
            rop_sum += reorder_point(fc, 14)
        except Exception as exc:  # a series that cannot be forecast fails the run, it is not dropped silently
            verdict.error(f"office {office} {item}: {exc!r}")
            continue
        per_call.append(time.perf_counter() - c0)
        key = fc.method.split(" (")[0]
        methods[key] = methods.get(key, 0) + 1
    total = time.perf_counter() - t1
    pc = np.array(per_call or [float("nan")]) * 1000.0
    verdict.at_most(f"forecast + reorder point, {len(batch)} series", round(total, 2), round(budget, 2), " s")
    report = {
        "series": len(batch),
        "offices": args.offices,
        "items": list(ITEMS),
        "history_days": args.days,
        "horizon": args.horizon,
        "paths": DEFAULT_PATHS,
        "generate_seconds": round(t_gen, 3),
        "forecast_seconds_total": round(total, 3),
        "ms_per_series": {
            "mean": round(float(pc.mean()), 3),
            "p50": round(float(np.percentile(pc, 50)), 3),
            "p95": round(float(np.percentile(pc, 95)), 3),
            "max": round(float(pc.max()), 3),
        },
        "methods": methods,
        "budget_seconds": round(budget, 2),
        "within_budget": total <= budget,
        "checksum_reorder_points": round(rop_sum, 3),
        "verdict": verdict.as_json(),
    }
    tab = sys.stderr if args.json else sys.stdout
    print(f"forecast_daily batch: {len(batch)} series x {args.days} days, horizon {args.horizon}", file=tab)
    rows = [
        ("generate data (s)", f"{t_gen:.2f}"),
        ("forecast + reorder point, total (s)", f"{total:.2f}"),
        ("per series mean (ms)", f"{pc.mean():.2f}"),
        ("per series p50 (ms)", f"{np.percentile(pc, 50):.2f}"),
        ("per series p95 (ms)", f"{np.percentile(pc, 95):.2f}"),
        ("per series max (ms)", f"{pc.max():.2f}"),
        (f"within {budget:.2f} s budget", str(total <= budget)),
    ] + [(f"method: {k}", str(v)) for k, v in methods.items()]
    w = max(len(r[0]) for r in rows)
    for k, v in rows:
        print(f"{k:{w}}  {v:>10}", file=tab)
    print(verdict.table(), file=tab)
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)
    return verdict.exit_status()


if __name__ == "__main__":
    sys.exit(main())
