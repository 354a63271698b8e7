#!/usr/bin/env python
"""Latency from a counter's "call next" HTTP call to the ``ticket_called`` event arriving at Socket.IO clients.

One app process (``socketio.run``: werkzeug threads + simple-websocket, as ``adminduk run`` serves it) on a
throwaway seeded SQLite database; ``--clients`` (default 500) real python-socketio clients connected over
websockets from ``--procs`` separate processes (asyncio clients, display tokens -> the office's display
room); then ``--calls`` times: a ticket is issued over HTTP, and the clock starts just before the clerk's
``POST /api/v1/counters/<id>/call-next``; every client stamps the arrival of that ticket's ``ticket_called``.
Clocks are ``time.monotonic()`` (system-wide on Linux, so comparable across processes).

Reported: p50/p90/p99/max over all (calls x clients) deliveries, the HTTP call's own duration, and the
slowest client per call. Bounded in time (``--timeout``). Prints a table, then JSON (``--json``: JSON only).

    python bench/realtime_latency.py                     # 500 clients, 40 calls
    python bench/realtime_latency.py --clients 100 --calls 20 --json
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:  # python-socketio's AsyncClient needs it; without it every client fails and the bench would hang
    import aiohttp  # noqa: F401
except ImportError:
    sys.exit("bench/realtime_latency.py needs aiohttp: pip install '.[bench]'")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- the server process

def serve(port: int, workdir: str, ready) -> None:
    import logging

    logging.disable(logging.WARNING)
    from queue_service.app import create_app
    from queue_service.extensions import db, socketio
    from queue_service.services import security
    from queue_service.services.seed import seed_demo
    from datetime import datetime, timezone

    security.HASH_METHOD = "pbkdf2:sha256:1000"
    app = create_app({"DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3", "SECRET_KEY": "bench",
                      "INSTANCE_PATH": workdir, "BACKGROUND_WORKERS": False, "ENV": "bench"})
    with app.app_context():
        db.create_all()
        data = seed_demo(db.session, now=datetime.now(timezone.utc))
        db.session.commit()
        db.session.remove()
    ready.put(data)
    socketio.run(app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, use_reloader=False,
                 log_output=False)


# --------------------------------------------------------------------------- client processes

def clients_proc(url: str, token: str, n: int, connected, results, stop) -> None:
    import socketio

    async def main():
        arrivals: dict[int, list[float]] = {}

        async def one():
            c = socketio.AsyncClient(reconnection=False)

            @c.on("ticket_called")
            async def _called(data):
                arrivals.setdefault(data["id"], []).append(time.monotonic())

            await c.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
            return c

        clients = []
        for i in range(0, n, 25):  # connect in small batches
            clients += await asyncio.gather(*[one() for _ in range(min(25, n - i))])
        connected.put(len(clients))
        while stop.empty():
            await asyncio.sleep(0.05)
        results.put(arrivals)
        await asyncio.gather(*[c.disconnect() for c in clients], return_exceptions=True)

    asyncio.run(main())


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * q / 100
    f = int(k)
    return xs[f] + (xs[min(f + 1, len(xs) - 1)] - xs[f]) * (k - f)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=500)
    ap.add_argument("--procs", type=int, default=2, help="client processes")
    ap.add_argument("--calls", type=int, default=40)
    ap.add_argument("--gap", type=float, default=0.25, help="seconds between calls")
    ap.add_argument("--timeout", type=float, default=240, help="give up after this many seconds")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    import requests

    started = time.monotonic()
    deadline = started + args.timeout
    ctx = mp.get_context("spawn")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    work = tempfile.TemporaryDirectory(prefix="rt-latency-")
    ready = ctx.Queue()
    server = ctx.Process(target=serve, args=(port, work.name, ready), daemon=True)
    server.start()
    procs = []
    try:
        data = ready.get(timeout=60)
        tokens = {u["username"]: u["api_token"] for u in data["users"]}
        tokens.update({d["kind"]: d["token"] for d in data["devices"]})
        for _ in range(200):
            try:
                requests.get(f"{url}/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        connected, results, stop = ctx.Queue(), ctx.Queue(), ctx.Queue()
        per = [args.clients // args.procs + (1 if i < args.clients % args.procs else 0) for i in range(args.procs)]
        for n in per:
            p = ctx.Process(target=clients_proc, args=(url, tokens["display"], n, connected, results, stop),
                            daemon=True)
            p.start()
            procs.append(p)
        total = 0
        for _ in procs:
            total += connected.get(timeout=max(1, deadline - time.monotonic()))
        connect_s = time.monotonic() - started
        counter = next(c for c in data["counters"] if "KK" in c["services"])
        kiosk = {"Authorization": f"Bearer {tokens['petugas2']}"}  # staff issue (kiosk hours do not apply)
        clerk = {"Authorization": f"Bearer {tokens['petugas1']}"}
        session = requests.Session()
        sent: dict[int, float] = {}
        http_ms = []
        for i in range(args.calls):
            if time.monotonic() > deadline - 10:
                break
            r = session.post(f"{url}/api/v1/offices/BKS/tickets", json={"service": "KK"}, headers=kiosk, timeout=10)
            assert r.status_code in (200, 201), r.text
            time.sleep(args.gap)
            t0 = time.monotonic()
            r = session.post(f"{url}/api/v1/counters/{counter['id']}/call-next", headers=clerk, timeout=10)
            http_ms.append((time.monotonic() - t0) * 1000)
            assert r.status_code == 200, r.text
            sent[r.json()["id"]] = t0
        time.sleep(1.0)
        for _ in procs:
            stop.put(True)
        arrivals: dict[int, list[float]] = {}
        for _ in procs:
            for tid, ts in results.get(timeout=30).items():
                arrivals.setdefault(int(tid), []).extend(ts)
    finally:
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.terminate()
        server.terminate()
        server.join(5)
        work.cleanup()

    lat = []
    worst = []
    missing = 0
    for tid, t0 in sent.items():
        ts = arrivals.get(tid, [])
        missing += total - len(ts)
        ms = [(t - t0) * 1000 for t in ts]
        lat += ms
        if ms:
            worst.append(max(ms))
    out = {
        "config": {"clients": total, "client_procs": args.procs, "calls": len(sent), "gap_s": args.gap,
                   "server": "one process, socketio.run (werkzeug threads + simple-websocket), SQLite",
                   "cpus": os.cpu_count()},
        "deliveries": len(lat), "missing": missing,
        "latency_ms": {"p50": pct(lat, 50), "p90": pct(lat, 90), "p99": pct(lat, 99), "max": max(lat) if lat else None,
                       "mean": statistics.fmean(lat) if lat else None},
        "slowest_client_per_call_ms": {"p50": pct(worst, 50), "max": max(worst) if worst else None},
        "http_call_next_ms": {"p50": pct(http_ms, 50), "p99": pct(http_ms, 99)},
        "target_p99_le_50ms": bool(lat) and pct(lat, 99) <= 50,
        "connect_s": connect_s, "wall_s": time.monotonic() - started,
    }
    if not args.json:
        c = out["config"]
        print(f"Socket.IO call latency: {c['clients']} clients ({c['client_procs']} client processes), "
              f"{c['calls']} calls, {c['cpus']} CPUs; {c['server']}")
        print(f"{'metric':<34} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}")
        L = out["latency_ms"]
        print(f"{'HTTP call -> event at client (ms)':<34} {L['p50']:>8.1f} {L['p90']:>8.1f} {L['p99']:>8.1f} {L['max']:>8.1f}")
        W = out["slowest_client_per_call_ms"]
        print(f"{'slowest client per call (ms)':<34} {W['p50']:>8.1f} {'':>8} {'':>8} {W['max']:>8.1f}")
        H = out["http_call_next_ms"]
        print(f"{'HTTP call-next response (ms)':<34} {H['p50']:>8.1f} {'':>8} {H['p99']:>8.1f}")
        print(f"deliveries {out['deliveries']}, missing {out['missing']}; target p99 <= 50 ms: "
              f"{'PASS' if out['target_p99_le_50ms'] else 'FAIL'}; connect {out['connect_s']:.1f} s, wall {out['wall_s']:.1f} s")
    print(json.dumps(out, indent=None if not args.json else 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
