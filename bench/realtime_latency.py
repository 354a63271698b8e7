#!/usr/bin/env python
"""Latency from a counter's "call next" HTTP call to the ``ticket_called`` event arriving at display clients.

One ``adminduk run`` process (``--async-mode``: gevent by default, or threading) on a throwaway seeded SQLite
database (``bench/harness.py``'s Stack); ``--clients`` (default 500) display clients connected over websockets
from ``--procs`` separate processes, each authenticated with the display token (the server puts it in the
office's display room). Then ``--calls`` times: a ticket is issued over HTTP, and the clock starts just before
the clerk's ``POST /api/v1/counters/<id>/call-next``; every client stamps the arrival of that ticket's
``ticket_called``. Clocks are ``time.monotonic()`` (system-wide on Linux, so comparable across processes).

Clients (``--client``): ``raw`` (default) speaks Engine.IO 4 / Socket.IO 5 over an aiohttp websocket and stamps
a frame as soon as it is read; ``socketio`` is the full python-socketio AsyncClient, whose own decoding and
dispatch (~0.1 ms a message) runs 250 times per call on this machine's cores — on a real deployment each
display and phone decodes on its own CPU.

    python bench/realtime_latency.py                     # 500 raw clients, 40 calls, gevent server
    python bench/realtime_latency.py --client socketio --async-mode threading --json
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:  # the clients need it; without it every client fails and the bench would hang
    import aiohttp
except ImportError:
    sys.exit("bench/realtime_latency.py needs aiohttp: pip install '.[bench]'")

from harness import HttpClient, Stack, percentile, proc_cpu_seconds  # noqa: E402


# --------------------------------------------------------------------------- client processes

def clients_proc(kind: str, url: str, token: str, n: int, connected, results, stop) -> None:
    """``n`` clients in one asyncio loop; each stamps ``time.monotonic()`` when a ``ticket_called`` arrives."""
    arrivals: dict[int, list[float]] = {}

    async def socketio_client():  # the python-socketio AsyncClient: a full client, with its own CPU cost
        import socketio
        c = socketio.AsyncClient(reconnection=False)

        @c.on("ticket_called")
        async def _called(data):
            arrivals.setdefault(data["id"], []).append(time.monotonic())

        await c.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
        return c.disconnect

    async def raw_client(session):
        """Engine.IO 4 / Socket.IO 5 over one websocket, spoken directly: the frame's arrival is stamped
        before anything else is done with it (a display's own CPU does the rest, not this machine's)."""
        ws = await session.ws_connect(url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                      autoping=False, max_msg_size=0, compress=15)  # as browsers do: offer permessage-deflate
        opening = await ws.receive_str()  # 0{"sid": ..., "pingInterval": ...}
        assert opening.startswith("0"), opening
        await ws.send_str("40" + json.dumps({"token": token}))
        reply = await ws.receive_str()
        assert reply.startswith("40"), reply  # 44 = refused

        async def read():
            async for msg in ws:
                data = msg.data
                if data.startswith('42["ticket_called"'):
                    t = time.monotonic()
                    arrivals.setdefault(json.loads(data[2:])[1]["id"], []).append(t)
                elif data == "2":  # Engine.IO ping
                    await ws.send_str("3")

        task = asyncio.ensure_future(read())

        async def close():
            task.cancel()
            await ws.close()
        return close

    async def main():
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:  # no cap: one connection a client
            make = (lambda: raw_client(session)) if kind == "raw" else socketio_client
            closers = []
            for i in range(0, n, 25):  # connect in small batches
                closers += await asyncio.gather(*[make() for _ in range(min(25, n - i))])
            connected.put(len(closers))
            while stop.empty():
                await asyncio.sleep(0.05)
            results.put(arrivals)
            await asyncio.gather(*[close() for close in closers], return_exceptions=True)

    asyncio.run(main())


def measure(stack: Stack, displays: int, calls: int, client_procs: int, gap: float = 0.25,
            client: str = "raw") -> dict:
    """Call-to-display latency: ``displays`` display clients (``clients_proc``) in ``client_procs`` processes (at least one per server process,
    each process's clients on one server); every call goes through the first server process, so with
    several processes the push crosses Redis. Clock: ``time.monotonic()`` (system-wide on Linux)."""
    import multiprocessing as mp
    counter = stack.counters_for("KK")[0]
    tokens = stack.tokens
    urls = stack.urls
    procs_n = max(client_procs, len(urls))
    ctx = mp.get_context("spawn")
    connected, results, stop = ctx.Queue(), ctx.Queue(), ctx.Queue()
    per = [displays // procs_n + (1 if i < displays % procs_n else 0) for i in range(procs_n)]
    procs = []
    t_connect = time.monotonic()
    for i, n in enumerate(per):
        p = ctx.Process(target=clients_proc,
                        args=(client, urls[i % len(urls)], tokens["display"], n, connected, results, stop), daemon=True)
        p.start()
        procs.append(p)
    total = sum(connected.get(timeout=300) for _ in procs)
    connect_s = time.monotonic() - t_connect
    time.sleep(1.0)
    issuer = HttpClient(urls[0], token=tokens["admin"])
    clerk = HttpClient(urls[0], token=tokens[f"petugas{counter['number']}"])
    sent: dict[int, float] = {}
    http_ms, call_errors = [], 0
    cpu0 = {pid: proc_cpu_seconds(pid) for pid in stack.pids}
    t0 = time.monotonic()
    try:
        for _ in range(calls):
            status, body = issuer.request("POST", "/api/v1/offices/BKS/tickets", {"service": "KK"})
            time.sleep(gap)
            t = time.monotonic()
            status, body = clerk.request("POST", f"/api/v1/counters/{counter['id']}/call-next")
            http_ms.append((time.monotonic() - t) * 1000)
            if status == 200:
                sent[json.loads(body)["id"]] = t
            else:
                call_errors += 1
        time.sleep(1.5)
        elapsed = time.monotonic() - t0
        server_cpu = sum(proc_cpu_seconds(pid) - c for pid, c in cpu0.items())
        for _ in procs:
            stop.put(True)
        arrivals: dict[int, list[float]] = {}
        for _ in procs:
            for tid, ts in results.get(timeout=60).items():
                arrivals.setdefault(int(tid), []).extend(ts)
    finally:
        issuer.close()
        clerk.close()
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.terminate()
    lat, missing, first, last = [], 0, [], []
    for tid, t in sent.items():
        ts = arrivals.get(tid, [])
        missing += total - len(ts)
        lat += [(x - t) * 1000 for x in ts]
        if ts:
            first.append((min(ts) - t) * 1000)
            last.append((max(ts) - t) * 1000)
    return {"servers": len(urls), "client": client, "clients": displays, "connected": total, "client_procs": procs_n,
            "calls": len(sent), "call_errors": call_errors, "deliveries": len(lat), "missing": missing,
            "p50_ms": _r(percentile(lat, 50)), "p99_ms": _r(percentile(lat, 99)),
            "max_ms": _r(max(lat) if lat else None), "call_http_p50_ms": _r(percentile(http_ms, 50)),
            "first_client_p50_ms": _r(percentile(first, 50)), "last_client_p50_ms": _r(percentile(last, 50)),
            "server_cpu_cores": _r(server_cpu / elapsed, 2), "connect_seconds": _r(connect_s)}


def _r(x, d=1):
    return None if x is None else round(x, d)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=500)
    ap.add_argument("--procs", type=int, default=2, help="client processes")
    ap.add_argument("--calls", type=int, default=40)
    ap.add_argument("--gap", type=float, default=0.25, help="seconds between calls")
    ap.add_argument("--client", choices=("raw", "socketio"), default="raw",
                    help="raw: Engine.IO/Socket.IO frames read directly (default); socketio: python-socketio")
    ap.add_argument("--async-mode", choices=("threading", "gevent"), default="gevent",
                    help="the server's ADMINDUK_ASYNC_MODE (default: %(default)s)")
    ap.add_argument("--jobs", choices=("worker", "inprocess"), default="inprocess",
                    help="background jobs in the server process (default) or in an 'adminduk worker' process")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    started = time.monotonic()
    with Stack("sqlite", 1, extra_env={"ADMINDUK_ASYNC_MODE": args.async_mode}, worker=args.jobs == "worker") as stack:
        out = measure(stack, args.clients, args.calls, args.procs, gap=args.gap, client=args.client)
    out.update({"async_mode": args.async_mode, "jobs": args.jobs, "cpus": os.cpu_count(), "wall_s": _r(time.monotonic() - started),
                "target_p99_le_50ms": out["missing"] == 0 and out["p99_ms"] is not None and out["p99_ms"] <= 50})
    if not args.json:
        print(f"Socket.IO call -> display: {out['connected']} {args.client} clients in {out['client_procs']} "
              f"processes, {out['calls']} calls, one adminduk run process ({args.async_mode}) on SQLite, "
              f"{out['cpus']} CPUs shared by everything")
        for k in ("p50_ms", "p99_ms", "max_ms", "call_http_p50_ms", "server_cpu_cores", "deliveries", "missing"):
            print(f"  {k:<18} {out[k]}")
        print(f"  target p99 <= 50 ms: {'PASS' if out['target_p99_le_50ms'] else 'FAIL'}")
    print(json.dumps(out, indent=None if not args.json else 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
