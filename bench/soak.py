"""Soak: one busy office day replayed in accelerated time against a running adminduk server.

    python bench/soak.py                      # 2,000 tickets, 8 counters, 20 displays, ~3 minutes
    python bench/soak.py --tickets 100 --seconds 10 --displays 3     # the smoke size
    python bench/soak.py --backend postgres --processes 2            # on PostgreSQL + Redis
    python bench/soak.py --async-mode gevent                         # the server on greenlets

The server is started by the script (``adminduk run`` on 127.0.0.1; SQLite by default) with the demo office
BKS and two more counters (8 in all). The office day (08:00-16:00, 480 office minutes) is compressed into
``--seconds``:

* ``--tickets`` arrivals with a morning peak (half of them in the first third of the day), services drawn
  with fixed weights, 5% priority (lansia), issued through ``POST /api/v1/offices/BKS/tickets``;
* 8 counters (one thread each, keep-alive HTTP): call next; 5% no-show, else start, serve for an exponential
  service time (mean sized for ~85% utilisation), 5% recall, finish; keep calling until nobody waits;
* ``--displays`` Socket.IO display clients connected all day; each must hear every acknowledged call;
* ``--status-per-minute`` status page views per office minute (``GET /t/<token>`` + ``GET
  /api/v1/tickets/<token>`` of a random issued ticket).

Zero errors means: every request got the expected status (2xx; 204 from call-next when nobody waits), every
display heard every call. The server's RSS (/proc/<pid>/status) is sampled every ``--sample`` seconds:
start (after start-up and the displays connected), peak, end, and growth = end - start, with the bound
``--rss-bound-mb``. Prints a table and writes JSON (``--out``).

Targets: RSS growth <= ``--rss-bound-mb``, and the day's queue emptied within ``--max-seconds``. Failures: any
request not answered as expected, a display that missed a call, fewer tickets issued than planned, a desk
thread that raised. Exit status 1 on a failure, or on a missed target unless ``--smoke`` (bench/targets.py).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import HttpClient, Stack, percentile, proc_cpu_seconds, proc_rss_kb, table  # noqa: E402
from targets import Verdict, add_smoke_flag  # noqa: E402
from tests.plugins.threads import ThreadFailure, ThreadGroup  # noqa: E402

WEIGHTS = {"REKAM": 25, "CETAK": 0, "KK": 25, "KIA": 10, "LAHIR": 15, "MATI": 5, "PINDAH": 10, "SUKET": 10}
STAFF = ["petugas1", "petugas2", "petugas3", "petugas4", "petugas5", "petugas6", "manajer", "admin"]


class SoakStack(Stack):
    """The demo office with 8 counters (counters 7 and 8 serve REKAM, KK and SUKET)."""

    def _open_all_day(self) -> None:
        super()._open_all_day()
        from sqlalchemy import create_engine, select
        from sqlalchemy.orm import Session

        from queue_service.models import Counter, Office, Service
        engine = create_engine(self.env["ADMINDUK_DATABASE_URL"])
        with Session(engine) as session:
            office = session.scalar(select(Office).where(Office.code == "BKS"))
            services = list(session.scalars(select(Service).where(Service.office_id == office.id,
                                                                  Service.code.in_(["REKAM", "KK", "SUKET"]))))
            have = {c.number for c in office.counters}
            for number in (7, 8):
                if number not in have:
                    session.add(Counter(office_id=office.id, number=number, name=f"Loket {number}", active=True,
                                        services=list(services)))
            session.commit()
            self.counters = [{"id": c.id, "number": c.number, "services": [s.code for s in c.services]}
                             for c in session.scalars(select(Counter).where(Counter.office_id == office.id))]
        engine.dispose()


def arrival_times(n: int, seconds: float, rng: random.Random) -> list[float]:
    """``n`` arrival offsets in [0, 0.92 * seconds): half in the first third (the morning peak)."""
    out = []
    for _ in range(n):
        if rng.random() < 0.5:
            out.append(rng.uniform(0, seconds / 3))
        else:
            out.append(rng.uniform(seconds / 3, seconds * 0.92))
    return sorted(out)


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.errors: list[str] = []
        self.latency: dict[str, list[float]] = {}

    def add(self, kind: str, status: int, ms: float, ok: tuple[int, ...], body: bytes = b"") -> None:
        with self.lock:
            self.requests += 1
            self.latency.setdefault(kind, []).append(ms)
            if status not in ok:
                self.errors.append(f"{kind} {status} {body[:120]!r}")


def timed(client: HttpClient, tally: Tally, kind: str, method: str, path: str, body=None, ok=(200, 201)):
    t = time.perf_counter()
    try:
        status, data = client.request(method, path, body)
    except Exception as exc:  # counted as an error, the day goes on
        tally.add(kind, -1, (time.perf_counter() - t) * 1000, ok, repr(exc).encode())
        return -1, b""
    tally.add(kind, status, (time.perf_counter() - t) * 1000, ok, data)
    return status, data


def soak(stack: SoakStack, *, tickets: int, seconds: float, displays: int, status_per_minute: float,
         sample: float, max_seconds: float, seed: int = 6) -> dict:
    import socketio

    rng = random.Random(seed)
    tokens = stack.tokens
    urls = stack.urls
    tally = Tally()
    issued: list[dict] = []
    issued_lock = threading.Lock()
    calls: list[str] = []
    done = threading.Event()
    arrivals_over = threading.Event()

    # displays, connected all day
    heard: list[list[str]] = [[] for _ in range(displays)]
    clients = []
    for i in range(displays):
        c = socketio.Client(reconnection=False)
        c.on("ticket_called", (lambda box: (lambda payload: box.append(payload["code"])))(heard[i]))
        c.connect(urls[i % len(urls)], auth={"token": tokens["display"]}, transports=["websocket"], wait_timeout=30)
        clients.append(c)

    pid = stack.pids[0]
    rss: list[tuple[float, int]] = []
    t0 = time.monotonic()

    def sampler():
        while not done.is_set():
            rss.append((round(time.monotonic() - t0, 1), proc_rss_kb(pid) or 0))
            done.wait(sample)

    services = [s for s, w in WEIGHTS.items() if w]
    weights = [WEIGHTS[s] for s in services]
    plan = [(t, rng.choices(services, weights)[0], "lansia" if rng.random() < 0.05 else None)
            for t in arrival_times(tickets, seconds, rng)]

    def kiosk_desk(k: int, share: list):
        c = HttpClient(urls[k % len(urls)], token=tokens[STAFF[k % len(STAFF)]])
        for at, service, priority in share:
            delay = t0 + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            status, data = timed(c, tally, "issue", "POST", "/api/v1/offices/BKS/tickets",
                                 {"service": service, "priority": priority}, ok=(201,))
            if status == 201:
                with issued_lock:
                    issued.append(json.loads(data))
        c.close()

    mean_service = 0.85 * seconds * len(stack.counters) / max(1, tickets)

    def counter_desk(k: int, counter: dict):
        r = random.Random(seed * 100 + k)
        c = HttpClient(urls[k % len(urls)], token=tokens[STAFF[k % len(STAFF)]])
        while time.monotonic() - t0 < max_seconds:
            status, data = timed(c, tally, "call-next", "POST", f"/api/v1/counters/{counter['id']}/call-next",
                                 ok=(200, 204))
            if status == 204:
                if arrivals_over.is_set():
                    break
                time.sleep(0.05)
                continue
            if status != 200:
                time.sleep(0.1)
                continue
            ticket = json.loads(data)
            with issued_lock:
                calls.append(ticket["code"])
            tid = ticket["id"]
            if r.random() < 0.05:
                timed(c, tally, "no-show", "POST", f"/api/v1/tickets/{tid}/no-show")
                continue
            timed(c, tally, "start", "POST", f"/api/v1/tickets/{tid}/start")
            time.sleep(min(r.expovariate(1 / mean_service), 6 * mean_service))
            if r.random() < 0.05:
                timed(c, tally, "recall", "POST", f"/api/v1/tickets/{tid}/recall", ok=(200, 409))
            timed(c, tally, "finish", "POST", f"/api/v1/tickets/{tid}/finish", {})
        c.close()

    def status_pages():
        c = HttpClient(urls[-1])
        per_second = status_per_minute * 480 / seconds
        r = random.Random(seed + 1)
        next_at = time.monotonic()
        while not arrivals_over.is_set():
            next_at += r.expovariate(per_second)
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            with issued_lock:
                if not issued:
                    continue
                ticket = r.choice(issued)
            timed(c, tally, "status page", "GET", f"/t/{ticket['token']}")
            timed(c, tally, "status api", "GET", f"/api/v1/tickets/{ticket['token']}")
        c.close()

    sampling = ThreadGroup("sampler")
    sampling.start(sampler)
    cpu0 = proc_cpu_seconds(pid)
    desks = 4
    kiosks, others = ThreadGroup("kiosk"), ThreadGroup("desk")  # a desk thread that raised is an error
    for k in range(desks):
        kiosks.start(kiosk_desk, k, plan[k::desks])
    for k, c in enumerate(stack.counters):
        others.start(counter_desk, k, c, name=f"counter-{c['number']}")
    others.start(status_pages, name="status-pages")
    thread_failures = []
    for group, limit in ((kiosks, max_seconds), (others, None)):
        try:
            group.join(limit if limit is not None else max(1.0, max_seconds - (time.monotonic() - t0)))
        except ThreadFailure as exc:
            thread_failures.append(str(exc)[:2000])
        if group is kiosks:
            arrivals_over.set()
    time.sleep(1.0)  # late pushes
    elapsed = time.monotonic() - t0
    done.set()
    try:
        sampling.join(5)
    except ThreadFailure as exc:
        thread_failures.append(str(exc)[:2000])
    cpu = proc_cpu_seconds(pid) - cpu0
    for c in clients:
        c.disconnect()

    acked_calls = set(calls)
    display_misses = sum(len(acked_calls - set(h)) for h in heard)
    rss_kb = [kb for _, kb in rss if kb]
    return {
        "tickets_planned": tickets, "tickets_issued": len(issued), "calls": len(calls),
        "requests": tally.requests, "errors": len(tally.errors) + len(thread_failures),
        "error_sample": (thread_failures + tally.errors)[:5],
        "display_clients": displays, "display_missed_calls": display_misses,
        "seconds": round(elapsed, 1), "day_seconds_planned": seconds, "unfinished": elapsed >= max_seconds,
        "server_cpu_cores": round(cpu / elapsed, 2),
        "latency_ms": {k: {"n": len(v), "p50": round(percentile(v, 50), 1), "p99": round(percentile(v, 99), 1)}
                       for k, v in tally.latency.items()},
        "rss_mb": {"start": _mb(rss_kb[0]) if rss_kb else None, "peak": _mb(max(rss_kb)) if rss_kb else None,
                   "end": _mb(rss_kb[-1]) if rss_kb else None,
                   "growth": _mb(rss_kb[-1] - rss_kb[0]) if rss_kb else None,
                   "samples": [(t, _mb(kb)) for t, kb in rss]},
    }


def _mb(kb: int) -> float:
    return round(kb / 1024, 1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tickets", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=150, help="the office day compressed into this")
    ap.add_argument("--max-seconds", type=float, default=300, help="hard stop")
    ap.add_argument("--displays", type=int, default=20)
    ap.add_argument("--status-per-minute", type=float, default=5, help="status page views per office minute")
    ap.add_argument("--sample", type=float, default=1.0, help="RSS sampling period, seconds")
    ap.add_argument("--rss-bound-mb", type=float, default=64, help="allowed RSS growth over the day")
    ap.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres"])
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--async-mode", choices=("threading", "gevent"), default="threading",
                    help="the server's ADMINDUK_ASYNC_MODE (default: %(default)s)")
    ap.add_argument("--out", default="soak-results.json")
    add_smoke_flag(ap)
    args = ap.parse_args(argv)
    with SoakStack(args.backend, args.processes, extra_env={"ADMINDUK_ASYNC_MODE": args.async_mode}) as stack:
        result = soak(stack, tickets=args.tickets, seconds=args.seconds, displays=args.displays,
                      status_per_minute=args.status_per_minute, sample=args.sample, max_seconds=args.max_seconds)
    result["backend"], result["processes"], result["async_mode"] = args.backend, args.processes, args.async_mode
    result["rss_bound_mb"] = args.rss_bound_mb
    verdict = Verdict(smoke=args.smoke)
    verdict.errors_from("requests and desk threads", result["errors"], result["error_sample"])
    if result["display_missed_calls"]:
        verdict.error(f"displays missed {result['display_missed_calls']} call(s)")
    if result["tickets_issued"] != args.tickets:
        verdict.error(f"{result['tickets_issued']} of {args.tickets} planned tickets issued")
    verdict.at_most("server RSS growth over the day", result["rss_mb"]["growth"], args.rss_bound_mb, " MB")
    verdict.check("queue emptied within --max-seconds", result["seconds"], f"< {args.max_seconds:g} s",
                  not result["unfinished"])
    result["ok"] = verdict.ok
    result["verdict"] = verdict.as_json()
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(table([{"what": k, **v} for k, v in result["latency_ms"].items()],
                [("what", "request"), ("n", "n"), ("p50", "p50 ms"), ("p99", "p99 ms")]))
    print()
    r = result["rss_mb"]
    print(table([{**result, **{f"rss_{k}": v for k, v in r.items() if k != "samples"}}],
                [("tickets_issued", "tickets"), ("calls", "calls"), ("requests", "requests"), ("errors", "errors"),
                 ("display_missed_calls", "display misses"), ("seconds", "seconds"),
                 ("server_cpu_cores", "server CPU"), ("rss_start", "RSS start MB"), ("rss_peak", "peak MB"),
                 ("rss_end", "end MB"), ("rss_growth", "growth MB"), ("rss_bound_mb", "bound MB"), ("ok", "ok")]))
    if result["error_sample"]:
        print("errors:", *result["error_sample"], sep="\n  ")
    print()
    print(verdict.table())
    print(f"\nJSON written to {args.out}")
    return verdict.exit_status()


if __name__ == "__main__":
    sys.exit(main())
