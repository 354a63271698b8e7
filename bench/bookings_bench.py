"""500 citizens book the same day at the same instant; the day has 100 places.

Starts a real adminduk stack on 127.0.0.1 (``bench.harness.Stack``: ``adminduk init-db``, ``seed-demo``,
``adminduk run`` with the bookings feature; SQLite, or PostgreSQL + Redis with ``--backend postgres``),
switches bookings on for one service (10 slots of 10 places, no walk-in share, a daily cap of 100), then
opens ``--attempts`` connections at once and sends every booking request when all are ready (a portal
booking through the API with a staff token, spread over the 10 slots). Prints a table (``--json``: JSON):
bookings made, refusals (409 "full"), errors, p50/p99 latency and the wall time.

Exit status as every bench (``bench/targets.py``): 1 when the number of bookings is not exactly ``--places``
(answered and stored), when any request errors (anything but 201 or 409, or a network failure), or - unless
``--smoke`` (alias ``--no-targets``) - when p99 exceeds ``--p99-target-ms``; correctness is checked either way.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import Stack, percentile  # noqa: E402
from bench.targets import Verdict, add_smoke_flag  # noqa: E402

FEATURES = '["kiosk", "printjobs", "inventory", "bookings"]'
SERVICE = "KK"  # a service that prints no card: the blank forecast does not cap it
SLOTS = [f"{h:02d}:00" for h in range(8, 18)]


def _configure(stack: Stack, places: int) -> date:
    """Bookings on for SERVICE (10 slots, ``places`` in all); returns the first open day after today."""
    from sqlalchemy import create_engine, select, update
    from sqlalchemy.orm import Session

    from bookings.models import BookingService
    from queue_service.domain.calendar import OfficeCalendar
    from queue_service.domain.clock import office_day
    from queue_service.models import Office, Service

    engine = create_engine(stack.env["ADMINDUK_DATABASE_URL"])
    with Session(engine) as session, session.begin():
        office = session.scalar(select(Office).where(Office.code == "BKS"))
        service = session.scalar(select(Service).where(Service.office_id == office.id, Service.code == SERVICE))
        per_slot = -(-places // len(SLOTS))
        # the demo seeder may have switched bookings on already: these settings replace its own
        row = session.get(BookingService, service.id) or BookingService(service_id=service.id, version=0)
        for key, value in dict(enabled=True, slot_minutes=60, capacity=per_slot, walkin_share=0.0, overrides="",
                               breaks="", bookable_from=dtime(8, 0), bookable_until=dtime(18, 0), daily_cap=places,
                               min_days_ahead=0, max_days_ahead=30, cutoff_minutes=0, remote_enabled=False).items():
            setattr(row, key, value)
        session.add(row)
        session.execute(update(Office).where(Office.id == office.id).values(open_days="1234567"))
        tz = office.timezone
    engine.dispose()
    today = office_day(datetime.now(timezone.utc), tz)
    day = OfficeCalendar("1234567").next_open(today + timedelta(days=1))
    return day


async def _attempts(url: str, token: str, day: date, n: int, timeout: float) -> list[tuple[int, float, str]]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    results: list[tuple[int, float, str]] = []
    ready = asyncio.Event()
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as http:
        # one warm connection per attempt, opened before the gun (the race is the booking, not the handshake)
        async def warm():
            async with http.get(f"{url}/healthz") as r:
                await r.read()
        await asyncio.gather(*(warm() for _ in range(min(n, 100))))

        async def one(i: int):
            body = {"service": SERVICE, "date": day.isoformat(), "slot": SLOTS[i % len(SLOTS)]}
            await ready.wait()
            t0 = time.perf_counter()
            try:
                async with http.post(f"{url}/api/v1/offices/BKS/bookings", json=body, headers=headers) as r:
                    text = await r.text()
                    results.append((r.status, (time.perf_counter() - t0) * 1000, text[:200]))
            except Exception as exc:  # a failed request is an error of the run
                results.append((0, (time.perf_counter() - t0) * 1000, f"{type(exc).__name__}: {exc}"))

        tasks = [asyncio.create_task(one(i)) for i in range(n)]
        await asyncio.sleep(0.2)
        start = time.perf_counter()
        ready.set()
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - start
    results.append((-1, wall * 1000, "wall"))
    return results


def _count(url: str, token: str, day: date) -> int:
    import urllib.request

    req = urllib.request.Request(f"{url}/api/v1/offices/BKS/bookings?date={day.isoformat()}",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return sum(1 for b in json.load(resp)["bookings"] if b["service"] == SERVICE and b["status"] == "booked")


def run(args) -> dict:
    env = {"ADMINDUK_FEATURES": FEATURES, "ADMINDUK_ASYNC_MODE": args.async_mode}
    with Stack(args.backend, 1, extra_env=env) as stack:
        day = _configure(stack, args.places)
        token = stack.tokens["manajer"]
        results = asyncio.run(_attempts(stack.urls[0], token, day, args.attempts, args.timeout))
        wall_ms = next(ms for s, ms, _ in results if s == -1)
        results = [r for r in results if r[0] != -1]
        stored = _count(stack.urls[0], token, day)
    latencies = sorted(ms for _, ms, _ in results)
    made = sum(1 for s, _, _ in results if s == 201)
    full = sum(1 for s, _, _ in results if s == 409)
    errors = [(s, text) for s, _, text in results if s not in (201, 409)]
    return {"backend": args.backend, "async_mode": args.async_mode, "attempts": args.attempts,
            "places": args.places, "day": day.isoformat(), "booked": made, "stored": stored, "refused_full": full,
            "errors": len(errors), "error_sample": errors[:5],
            "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
            "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
            "max_ms": round(latencies[-1], 1) if latencies else None, "wall_s": round(wall_ms / 1000, 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--attempts", type=int, default=500)
    ap.add_argument("--places", type=int, default=100)
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--async-mode", choices=("gevent", "threading"), default="gevent")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds a request may take")
    ap.add_argument("--p99-target-ms", type=float, default=5000.0)
    add_smoke_flag(ap)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args(argv)
    if args.places < 1 or args.attempts < 1:
        ap.error("--places and --attempts must be at least 1")
    result = run(args)
    verdict = Verdict(smoke=args.smoke)
    expected = min(args.places, args.attempts)
    verdict.check("bookings answered", result["booked"], f"== {expected}", result["booked"] == expected)
    verdict.check("bookings stored", result["stored"], f"== {expected}", result["stored"] == expected)
    if result["booked"] != expected or result["stored"] != expected:  # a count is correctness, smoke or not
        verdict.error(f"expected exactly {expected} bookings, got {result['booked']} answered and "
                      f"{result['stored']} stored")
    verdict.errors_from("booking requests", result["errors"], result["error_sample"])
    verdict.at_most("p99 latency", result["p99_ms"], args.p99_target_ms, " ms")
    result["verdict"] = verdict.as_json()
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{'backend':10} {'attempts':>8} {'places':>6} {'booked':>6} {'stored':>6} {'full':>5} {'errors':>6} "
              f"{'p50 ms':>8} {'p99 ms':>8} {'wall s':>7}")
        print(f"{result['backend'] + '/' + args.async_mode[:3]:10} {args.attempts:8} {args.places:6} "
              f"{result['booked']:6} {result['stored']:6} {result['refused_full']:5} {result['errors']:6} "
              f"{result['p50_ms']:8} {result['p99_ms']:8} {result['wall_s']:7}")
        print(verdict.table())
    return verdict.exit_status()


if __name__ == "__main__":
    sys.exit(main())
