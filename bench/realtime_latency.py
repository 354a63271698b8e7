#!/usr/bin/env python
"""Latency from a counter's "call next" HTTP call to the ``ticket_called`` event arriving at display clients.

One ``adminduk run`` process (``--async-mode``: gevent by default, or threading) on a throwaway seeded SQLite
database (``bench/harness.py``'s Stack); ``--clients`` (default 500) display clients connected over websockets
from ``--procs`` separate processes, each authenticated with the display token (the server puts it in the
office's display room). Then ``--calls`` times: a ticket is issued over HTTP, and the clock starts just before
the clerk's ``POST /api/v1/counters/<id>/call-next``; every client stamps the arrival of that ticket's
``ticket_called``. Clocks are ``time.monotonic()`` (system-wide on Linux, so comparable across processes).

Clients (``--client``): ``raw`` (default) speaks Engine.IO 4 / Socket.IO 5 over a websocket from an asyncio
Protocol and stamps the bytes' arrival before parsing them (an aiohttp websocket, used before, spent ~50 us of
this machine's CPU per message before it could stamp: 250 clients in one process read a call over ~12 ms); ``socketio`` is the full python-socketio AsyncClient, whose own decoding and
dispatch (~0.1 ms a message) runs 250 times per call on this machine's cores — on a real deployment each
display and phone decodes on its own CPU.

    python bench/realtime_latency.py                     # 500 raw clients, 40 calls, gevent server
    python bench/realtime_latency.py --client socketio --async-mode threading --json

Target: p99 call-to-display latency <= 50 ms. Failures: a client that did not connect, a failed issue or
call-next request, a call some client never received, a client process that died. Exit status 1 on a failure,
or when the target is missed (unless ``--smoke``), else 0 (bench/targets.py).
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import struct
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:  # python-socketio's AsyncClient (--client socketio) needs it; without it every client fails and the bench hangs
    import aiohttp  # noqa: F401
except ImportError:
    sys.exit("bench/realtime_latency.py needs aiohttp: pip install '.[bench]'")

from harness import HttpClient, Stack, percentile, proc_cpu_seconds  # noqa: E402
from targets import Verdict, add_smoke_flag  # noqa: E402

TARGET_P99_MS = 50.0


# --------------------------------------------------------------------------- client processes

class _WireClient(asyncio.Protocol):
    """A websocket client reduced to what a latency probe needs (RFC 6455: handshake, masked text frames out,
    unmasked frames in). It offers permessage-deflate as browsers do; the server declines it."""

    def __init__(self, token: str, arrivals: dict, joined: asyncio.Future):
        self.token, self.arrivals, self.joined = token, arrivals, joined
        self.buf = b""
        self.upgraded = False

    def connection_made(self, transport):
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                         f"Sec-WebSocket-Version: 13\r\n"
                         f"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n").encode())

    def send(self, text: str) -> None:
        data, mask = text.encode(), os.urandom(4)
        n = len(data)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n))
        self.transport.write(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def data_received(self, data: bytes) -> None:
        t = time.monotonic()  # the arrival: stamped before anything else is done with the bytes
        self.buf += data
        if not self.upgraded:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buf.startswith(b"HTTP/1.1 101"):
                self.joined.set_exception(RuntimeError(self.buf[:80]))
                return
            self.buf, self.upgraded = self.buf[end + 4:], True
        while len(self.buf) >= 2:
            n, at = self.buf[1] & 0x7F, 2
            if n == 126:
                if len(self.buf) < 4:
                    return
                n, at = struct.unpack("!H", self.buf[2:4])[0], 4
            elif n == 127:
                if len(self.buf) < 10:
                    return
                n, at = struct.unpack("!Q", self.buf[2:10])[0], 10
            if len(self.buf) < at + n:
                return
            opcode, payload = self.buf[0] & 0x0F, self.buf[at:at + n]
            self.buf = self.buf[at + n:]
            if opcode == 1:
                self.message(payload, t)

    def message(self, payload: bytes, t: float) -> None:
        if payload.startswith(b'42["ticket_called"'):
            self.arrivals.setdefault(json.loads(payload[2:])[1]["id"], []).append(t)
        elif payload == b"2":  # Engine.IO ping
            self.send("3")
        elif payload.startswith(b"0{"):  # Engine.IO open: join the default namespace with the display token
            self.send("40" + json.dumps({"token": self.token}))
        elif payload.startswith(b"40") and not self.joined.done():
            self.joined.set_result(True)
        elif payload.startswith(b"44") and not self.joined.done():  # refused
            self.joined.set_exception(RuntimeError(payload[:80]))


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

    async def raw_client():
        """Engine.IO 4 / Socket.IO 5 over one websocket, spoken by an asyncio Protocol: the arrival is stamped
        in ``data_received``, when the bytes leave the kernel, before any frame is parsed (a display's own
        CPU does the rest, not this machine's)."""
        loop = asyncio.get_running_loop()
        host, port = url.split("//", 1)[1].rsplit(":", 1)
        proto = _WireClient(token, arrivals, loop.create_future())
        await loop.create_connection(lambda: proto, host, int(port))
        await asyncio.wait_for(proto.joined, 30)

        async def close():
            proto.transport.close()
        return close

    async def main():
        make = raw_client if kind == "raw" else socketio_client
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
    total = sum(_get(connected, procs, 300) for _ in procs)
    connect_s = time.monotonic() - t_connect
    time.sleep(1.0)
    issuer = HttpClient(urls[0], token=tokens["admin"])
    clerk = HttpClient(urls[0], token=tokens[f"petugas{counter['number']}"])
    sent: dict[int, float] = {}
    http_ms, call_errors, issue_errors, error_sample = [], 0, 0, []
    cpu0 = {pid: proc_cpu_seconds(pid) for pid in stack.pids}
    t0 = time.monotonic()
    try:
        for _ in range(calls):
            status, body = issuer.request("POST", "/api/v1/offices/BKS/tickets", {"service": "KK"})
            if status != 201:
                issue_errors += 1
                error_sample.append(f"issue {status} {body[:120]!r}")
            time.sleep(gap)
            t = time.monotonic()
            status, body = clerk.request("POST", f"/api/v1/counters/{counter['id']}/call-next")
            http_ms.append((time.monotonic() - t) * 1000)
            if status == 200:
                sent[json.loads(body)["id"]] = t
                # served (a staff-only event, displays do not hear it): the next call finishes it, as at a
                # real counter; a ticket only called would make the next call a 409
                status, _ = clerk.request("POST", f"/api/v1/tickets/{json.loads(body)['id']}/start")
                call_errors += status != 200
            else:
                call_errors += 1
                error_sample.append(f"call-next {status} {body[:120]!r}")
        time.sleep(1.5)
        elapsed = time.monotonic() - t0
        server_cpu = sum(proc_cpu_seconds(pid) - c for pid, c in cpu0.items())
        for _ in procs:
            stop.put(True)
        arrivals: dict[int, list[float]] = {}
        for _ in procs:
            for tid, ts in _get(results, procs, 60).items():
                arrivals.setdefault(int(tid), []).extend(ts)
    finally:
        issuer.close()
        clerk.close()
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.terminate()
                p.join(5)
    proc_failures = [f"client process {p.pid} exit code {p.exitcode}" for p in procs if p.exitcode != 0]
    lat, missing, first, last = [], 0, [], []
    for tid, t in sent.items():
        ts = arrivals.get(tid, [])
        missing += total - len(ts)
        lat += [(x - t) * 1000 for x in ts]
        if ts:
            first.append((min(ts) - t) * 1000)
            last.append((max(ts) - t) * 1000)
    return {"servers": len(urls), "client": client, "clients": displays, "connected": total, "client_procs": procs_n,
            "calls": len(sent), "call_errors": call_errors, "issue_errors": issue_errors,
            "error_sample": error_sample[:3], "client_process_failures": proc_failures,
            "deliveries": len(lat), "missing": missing,
            "p50_ms": _r(percentile(lat, 50)), "p99_ms": _r(percentile(lat, 99)),
            "max_ms": _r(max(lat) if lat else None), "call_http_p50_ms": _r(percentile(http_ms, 50)),
            "first_client_p50_ms": _r(percentile(first, 50)), "last_client_p50_ms": _r(percentile(last, 50)),
            "server_cpu_cores": _r(server_cpu / elapsed, 2), "connect_seconds": _r(connect_s)}


def _get(q, procs, timeout: float):
    """``q.get()``, but give up at once when a client process died instead of waiting out ``timeout``."""
    import queue
    deadline = time.monotonic() + timeout
    while True:
        try:
            return q.get(timeout=0.5)
        except queue.Empty:
            dead = [p for p in procs if not p.is_alive() and p.exitcode not in (0, None)]
            if dead:
                raise RuntimeError(f"display client process died (exit code {dead[0].exitcode})") from None
            if time.monotonic() > deadline:
                raise


def verdict_for(out: dict, verdict: Verdict, label: str = "") -> Verdict:
    """The failures and the target of one measurement (``measure``'s result); bench/run.py uses it too."""
    prefix = f"{label} " if label else ""
    if out["connected"] != out["clients"]:
        verdict.error(f"{prefix}{out['clients'] - out['connected']} of {out['clients']} display clients did not connect")
    verdict.errors_from(f"{prefix}issue requests", out.get("issue_errors", 0), out.get("error_sample", []))
    verdict.errors_from(f"{prefix}call-next requests", out["call_errors"], out.get("error_sample", []))
    if out["missing"]:
        verdict.error(f"{prefix}{out['missing']} call deliveries missing (a display never showed the call)")
    for failure in out.get("client_process_failures", []):
        verdict.error(f"{prefix}{failure}")
    verdict.at_most(f"{prefix}call-to-display p99", out["p99_ms"], TARGET_P99_MS, " ms")
    return verdict


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
    add_smoke_flag(ap)
    args = ap.parse_args(argv)
    started = time.monotonic()
    verdict = Verdict(smoke=args.smoke)
    with Stack("sqlite", 1, extra_env={"ADMINDUK_ASYNC_MODE": args.async_mode}, worker=args.jobs == "worker") as stack:
        out = measure(stack, args.clients, args.calls, args.procs, gap=args.gap, client=args.client)
    verdict_for(out, verdict)
    out.update({"async_mode": args.async_mode, "jobs": args.jobs, "cpus": os.cpu_count(), "wall_s": _r(time.monotonic() - started),
                "target_p99_le_50ms": out["missing"] == 0 and out["p99_ms"] is not None
                and out["p99_ms"] <= TARGET_P99_MS, "verdict": verdict.as_json()})
    if not args.json:
        print(f"Socket.IO call -> display: {out['connected']} {args.client} clients in {out['client_procs']} "
              f"processes, {out['calls']} calls, one adminduk run process ({args.async_mode}) on SQLite, "
              f"{out['cpus']} CPUs shared by everything")
        for k in ("p50_ms", "p99_ms", "max_ms", "call_http_p50_ms", "server_cpu_cores", "deliveries", "missing"):
            print(f"  {k:<18} {out[k]}")
        print()
        print(verdict.table())
    else:
        print(verdict.table(), file=sys.stderr)
    print(json.dumps(out, indent=None if not args.json else 2))
    return verdict.exit_status()


if __name__ == "__main__":
    raise SystemExit(main())
