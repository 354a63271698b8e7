#!/usr/bin/env python
"""Erlang C's counters-per-hour advice checked against simulated office days.

The office day is the one of ``bench/eta_simulation.py``: a crowd at the doors at 08:00, a morning peak
until 10:30, a tail until issuing stops at 14:00, five services with lognormal service times (not the
exponential ones Erlang C assumes). Counters are pooled (any counter takes any service, first come first
served) so that the comparison is about Erlang C's *other* assumptions: each hour in a steady state of its
own, exponential service times, Poisson arrivals at a constant rate within the hour.

For each office size the script

1. computes the expected arrivals per hour and the mean service time (what the page has: the period's
   hourly arrivals, the services' mean service times) and Erlang C's counters for a P90 wait ≤ target,
   both for whole hours (``erlang``) and for the busiest quarter-hour of each hour (``erlang_15``);
2. simulates ``--days`` office days with exactly that schedule (counter *i* works hour *h* when
   *i* < counters[h]; a citizen being served at the end of a shift is finished) and measures the P90 wait
   of the citizens arriving in each hour;
3. searches, hour by hour in order (later hours inherit earlier backlogs), the fewest counters for which the
   simulated P90 is within the target (``sim``) — the simulation's own answer.

Two simulators: a fast first-come-first-served recursion (each citizen takes the counter free first) used
for the search, and a SimPy model of the same day used to check the recursion on the Erlang schedule (they
must agree within noise). Common random numbers across schedules.

    python bench/staffing_check.py                  # 300 and 1,000 citizens a day, target 30 min
    python bench/staffing_check.py --sizes 1000 --target 15 --days 200 --json
"""
from __future__ import annotations

import argparse
import heapq
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from reports.staffing import counters_needed  # noqa: E402

# The office day the figures in the README were measured with: ``bench/eta_simulation.py`` as it was when this
# check was written (its model has changed since, for the wait estimates); kept here so the check repeats.
ISSUE_UNTIL = 6 * 3600  # the kiosk stops at 14:00


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    share: float
    median_min: float
    sigma: float  # lognormal


SERVICES = [ServiceSpec("REKAM", 0.30, 4.5, 0.45), ServiceSpec("KK", 0.25, 5.0, 0.50),
            ServiceSpec("AKTA", 0.18, 6.0, 0.50), ServiceSpec("PINDAH", 0.12, 8.0, 0.55),
            ServiceSpec("KIA", 0.15, 3.0, 0.40)]


def arrival_times(rng: np.random.Generator, expected: int = 300) -> np.ndarray:
    """Seconds after 08:00: a crowd at the door at opening, a peak until 10:30, a tail until 14:00."""
    n = int(rng.poisson(expected))
    edges = np.arange(0, ISSUE_UNTIL + 1, 300.0)  # 5-minute slots
    mids = (edges[:-1] + edges[1:]) / 2 / 3600  # hours after 08:00
    weight = np.where(mids < 2.5, 1.0 + 0.4 * np.exp(-((mids - 1.0) ** 2) / 0.5),
                      1.4 * np.exp(-(mids - 2.5) / 1.1) + 0.05)
    weight[0] += 3.0  # the crowd waiting for the doors to open
    slot = rng.choice(len(weight), size=n, p=weight / weight.sum())
    return np.sort(edges[slot] + rng.random(n) * 300.0)

HOURS = 8  # 08:00-16:00 (issuing stops at 14:00; counters work off the queue)


# --------------------------------------------------------------------------- the day's inputs

def draw_days(rng: np.random.Generator, expected: int, days: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per day: sorted arrival seconds after 08:00 and each citizen's service seconds."""
    shares = np.array([s.share for s in SERVICES])
    shares = shares / shares.sum()
    out = []
    for _ in range(days):
        arr = arrival_times(rng, expected)
        kind = rng.choice(len(SERVICES), size=len(arr), p=shares)
        med = np.array([SERVICES[k].median_min * 60 for k in kind])
        sig = np.array([SERVICES[k].sigma for k in kind])
        svc = rng.lognormal(np.log(med), sig)
        out.append((arr, svc))
    return out


def hourly_inputs(days) -> tuple[dict[int, float], dict[int, float], float]:
    """Mean arrivals per hour, the busiest quarter-hour's rate (per hour) in each hour, mean service time."""
    per_hour = np.zeros(HOURS)
    per_q = np.zeros(HOURS * 4)
    svc_sum = svc_n = 0
    for arr, svc in days:
        per_hour += np.bincount((arr // 3600).astype(int), minlength=HOURS)[:HOURS]
        per_q += np.bincount((arr // 900).astype(int), minlength=HOURS * 4)[:HOURS * 4]
        svc_sum += float(svc.sum())
        svc_n += len(svc)
    per_hour /= len(days)
    per_q /= len(days)
    hours = {h: float(per_hour[h]) for h in range(HOURS) if per_hour[h] > 0}
    peak = {h: float(per_q[4 * h:4 * h + 4].max() * 4) for h in hours}
    return hours, peak, svc_sum / svc_n


# --------------------------------------------------------------------------- simulators

def _on_shift(schedule: list[int], i: int, t: float) -> float:
    """Earliest time >= t at which counter i is on shift (math.inf if never again)."""
    h = int(t // 3600)
    while h < len(schedule):
        if i < schedule[h]:
            return max(t, h * 3600.0)
        h += 1
    return math.inf


def simulate_fcfs(days, schedule: list[int]) -> list[np.ndarray]:
    """Waits per day (seconds, in arrival order): each citizen, in order, takes the counter that can start
    first (free and on shift). Counters beyond the largest schedule value never work."""
    width = max(schedule) if schedule else 0
    out = []
    for arr, svc in days:
        free = [0.0] * width
        waits = np.empty(len(arr))
        for n, (a, s) in enumerate(zip(arr, svc)):
            best_t, best_i = math.inf, -1
            for i in range(width):
                t = _on_shift(schedule, i, max(a, free[i]))
                if t < best_t:
                    best_t, best_i = t, i
            if best_i < 0:  # nobody works any more: waits to the end of the day
                waits[n] = HOURS * 3600 - a
                continue
            free[best_i] = best_t + s
            waits[n] = best_t - a
        out.append(waits)
    return out


def simulate_simpy(days, schedule: list[int]) -> list[np.ndarray]:
    """The same day in SimPy: one process per counter taking citizens from one FIFO store while on shift."""
    import simpy

    out = []
    for arr, svc in days:
        env = simpy.Environment()
        queue = simpy.Store(env)
        waits = np.full(len(arr), np.nan)

        def arrivals(env=env, queue=queue, arr=arr):
            for n, a in enumerate(arr):
                yield env.timeout(a - env.now)
                yield queue.put(n)

        def counter(i, env=env, queue=queue, waits=waits, svc=svc, arr=arr):
            while True:
                start = _on_shift(schedule, i, env.now)
                if math.isinf(start):
                    return
                if start > env.now:
                    yield env.timeout(start - env.now)
                shift_end = (int(env.now // 3600) + 1) * 3600.0
                get = queue.get()
                got = yield get | env.timeout(shift_end - env.now)
                if get not in got:
                    get.cancel()
                    continue
                n = got[get]
                waits[n] = env.now - arr[n]
                yield env.timeout(svc[n])

        env.process(arrivals())
        for i in range(max(schedule)):
            env.process(counter(i))
        env.run(until=HOURS * 3600 * 2)
        waits = np.where(np.isnan(waits), HOURS * 3600 - arr, waits)
        out.append(waits)
    return out


def p90_by_hour(days, waits) -> dict[int, float]:
    per: dict[int, list[float]] = {}
    for (arr, _), w in zip(days, waits):
        for h, x in zip((arr // 3600).astype(int), w):
            per.setdefault(int(h), []).append(float(x))
    return {h: float(np.percentile(v, 90)) for h, v in sorted(per.items())}


def search_sim(days, start: list[int], target: float) -> list[int]:
    """Hour by hour in order, the fewest counters whose simulated P90 (arrivals of that hour) is ≤ target.
    Later hours are searched with earlier hours fixed (their backlog is inherited)."""
    schedule = list(start)
    for h in range(len(schedule)):
        if schedule[h] == 0:
            continue
        # go down while it still holds, up until it holds
        while schedule[h] > 1:
            schedule[h] -= 1
            if p90_by_hour(days, simulate_fcfs(days, schedule)).get(h, 0) > target:
                schedule[h] += 1
                break
        while p90_by_hour(days, simulate_fcfs(days, schedule)).get(h, 0) > target and schedule[h] < 80:
            schedule[h] += 1
    return schedule


# --------------------------------------------------------------------------- main

def run_size(expected: int, target_min: float, n_days: int, seed: int, check_simpy: bool) -> dict:
    rng = np.random.default_rng(seed)
    days = draw_days(rng, expected, n_days)
    hours, peak, mean_svc = hourly_inputs(days)
    target = target_min * 60
    erl = [counters_needed(hours.get(h, 0), mean_svc, target) for h in range(HOURS)]
    erl15 = [max(erl[h], counters_needed(peak.get(h, 0), mean_svc, target)) for h in range(HOURS)]
    # after issuing stops, the counters that were open at the last issuing hour finish the queue
    last = int(ISSUE_UNTIL // 3600) - 1
    for plan in (erl, erl15):
        for h in range(last + 1, HOURS):
            plan[h] = max(plan[h], 1)
    p90_erl = p90_by_hour(days, simulate_fcfs(days, erl))
    p90_erl15 = p90_by_hour(days, simulate_fcfs(days, erl15))
    simpy_check = None
    if check_simpy:
        p90_simpy = p90_by_hour(days, simulate_simpy(days, erl))
        simpy_check = {h: {"fcfs_min": p90_erl.get(h, 0) / 60, "simpy_min": v / 60} for h, v in p90_simpy.items()}
    sim = search_sim(days, erl, target)
    rows = []
    for h in range(HOURS):
        if h not in hours:
            continue
        rows.append({"hour": f"{8 + h:02d}:00", "arrivals": round(hours[h], 1),
                     "peak_quarter_rate": round(peak[h], 1), "erlang": erl[h], "erlang_15": erl15[h], "sim": sim[h],
                     "p90_erlang_min": round(p90_erl.get(h, 0) / 60, 1),
                     "p90_erlang_15_min": round(p90_erl15.get(h, 0) / 60, 1)})
    return {"citizens_per_day": expected, "target_min": target_min, "days": n_days,
            "mean_service_min": round(mean_svc / 60, 2), "rows": rows,
            "counter_hours": {"erlang": sum(erl), "erlang_15": sum(erl15), "sim": sum(sim)},
            "hours_missing_target": {
                "erlang": [r["hour"] for r in rows if r["p90_erlang_min"] > target_min],
                "erlang_15": [r["hour"] for r in rows if r["p90_erlang_15_min"] > target_min]},
            "simpy_check": simpy_check}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="300,1000", help="citizens per day, comma-separated")
    ap.add_argument("--target", type=float, default=30.0, help="target P90 wait in minutes")
    ap.add_argument("--days", type=int, default=120, help="simulated days per size")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-simpy", action="store_true", help="skip the SimPy cross-check of the recursion")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args(argv)
    try:
        sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    except ValueError:
        ap.error("--sizes takes whole numbers, e.g. 300,1000")
    if not sizes or any(s <= 0 or s > 5000 for s in sizes) or not 1 <= args.days <= 2000 or not 1 <= args.target <= 480:
        ap.error("sizes 1..5000 a day, --days 1..2000, --target 1..480 minutes")
    started = time.perf_counter()
    results = [run_size(s, args.target, args.days, args.seed + i, not args.no_simpy) for i, s in enumerate(sizes)]
    out = {"results": results, "wall_s": round(time.perf_counter() - started, 1)}
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=2))
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    for r in results:
        print(f"\n{r['citizens_per_day']} citizens/day, target P90 wait {r['target_min']:g} min, "
              f"{r['days']} simulated days, mean service {r['mean_service_min']} min (pooled counters)")
        head = f"{'hour':>5} {'arrivals':>8} {'peak15':>7} | {'erlang':>6} {'P90':>6} | {'erl15':>5} {'P90':>6} | {'sim':>4}"
        print(head)
        print("-" * len(head))
        for x in r["rows"]:
            print(f"{x['hour']:>5} {x['arrivals']:>8.1f} {x['peak_quarter_rate']:>7.1f} | {x['erlang']:>6} "
                  f"{x['p90_erlang_min']:>6.1f} | {x['erlang_15']:>5} {x['p90_erlang_15_min']:>6.1f} | {x['sim']:>4}")
        ch = r["counter_hours"]
        print(f"counter-hours: erlang {ch['erlang']}, erlang_15 {ch['erlang_15']}, simulation {ch['sim']}")
        print(f"hours over target: erlang {r['hours_missing_target']['erlang'] or 'none'}, "
              f"erlang_15 {r['hours_missing_target']['erlang_15'] or 'none'}")
        if r["simpy_check"]:
            worst = max(abs(v["fcfs_min"] - v["simpy_min"]) for v in r["simpy_check"].values())
            print(f"SimPy vs recursion on the Erlang schedule: largest P90 difference {worst:.2f} min")
    print(f"\nwall {out['wall_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
