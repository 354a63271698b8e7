"""The benchmark harness: starts adminduk itself on 127.0.0.1 and measures it.

Reason: one subject, the harness script: its measurements share the started servers and the report.

    python bench/run.py                       # everything: SQLite x1, PostgreSQL+Redis x1, x2 and x4
    python bench/run.py --quick               # tiny sizes (the smoke test)
    python bench/run.py --configs sqlite:1 --seconds 5 --displays 500 --out bench-results.json

For each configuration (``sqlite:1`` = one ``adminduk run`` process on a SQLite file; ``postgres:N`` = N
processes on one PostgreSQL database with Redis as the Socket.IO message queue; PostgreSQL and Redis are
Debian's binaries started in temporary directories, as the tests do) it measures:

* ``issue``: ``POST /api/v1/offices/BKS/tickets`` with 1 and 8 concurrent keep-alive HTTP clients
  (``http.client`` connections, one thread each, spread over the processes round-robin: no nginx in between),
  staff API tokens (kiosk tokens are throttled and de-duplicated by design), for ``--seconds`` each:
  tickets/s, p50/p99 latency, errors;
* ``ceiling``: ``GET /healthz`` (Flask + ``SELECT 1``) with as many clients: the most this load generator and
  server stack do on this machine, to read the issue figures against;
* ``call-next``: 6 counters calling the tickets just issued through the API, concurrently (each call followed by
  the clerk's untimed "start", so the next call finishes a ticket being served, as at a real counter);
* ``kiosk``: the kiosk page path with the paired kiosk cookie: ``GET /kiosk`` then the issue ``POST`` the
  page makes (server started with the kiosk's per-minute throttle and double-press window off, since one
  benchmark client presses far faster than any citizen);
* ``realtime``: call-to-display latency with ``--displays`` Socket.IO clients (the display clients of
  bench/realtime_latency.py, spread over the server processes);

with every server process started as ``ADMINDUK_ASYNC_MODE=<--async-mode> adminduk run`` (gevent by default;
``--async-mode threading`` for the thread-per-connection server) and the background jobs (print jobs, stock risk,
webhooks, rollover) in the first server process (``--jobs worker``: in an ``adminduk worker`` process beside them);

and once (they are pure, no server): printer layout time (bench/printer_bench.py) and forecast batch time
(bench/forecast_batch.py at ``--forecast-offices`` offices). The load generator runs on the same machine as the
server: the CPU columns say how much of the machine each side used (``nproc`` cores in total).

Prints tables and writes everything to ``--out`` (JSON), with the targets beside the figures (stated, measured,
met or missed): issuing on sqlite:1 at 8 clients >= 1,000 tickets/s with p99 <= 25 ms, call-to-display p99
<= 50 ms in every configuration, 2+ PostgreSQL processes >= 1.6x the issuing of one, and the printer and forecast
benches' own targets. Throughput counts successful requests only (``requests`` = all sent, ``ok`` = answered as
expected, ``errors`` = the rest plus client threads that raised).

Exit status (bench/targets.py): 1 when any request failed, a client thread raised, a requested configuration
could not run (e.g. PostgreSQL missing: it is listed as NOT RUN, never dropped), a sub-bench failed, or a target
was missed; 0 otherwise. ``--smoke`` (CI's smoke test, with ``--quick``) keeps every failure but does not check
the targets.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realtime_latency  # noqa: E402
from harness import (  # noqa: E402
    ROOT,
    HttpClient,
    Stack,
    percentile,
    proc_cpu_seconds,
    self_cpu_seconds,
    table,
)
from targets import Verdict, add_smoke_flag  # noqa: E402
from tests.plugins.servers import ServiceMissing, launch_postgres, launch_redis  # noqa: E402
from tests.plugins.threads import ThreadFailure, ThreadGroup  # noqa: E402

# services without a daily quota (CETAK has 150 a day): the load spreads over them
SERVICES = ["REKAM", "KK", "KIA", "LAHIR", "MATI", "PINDAH", "SUKET"]
STAFF = ["petugas1", "petugas2", "petugas3", "petugas4", "petugas5", "petugas6", "manajer", "admin"]
KIOSK_ENV = {"ADMINDUK_KIOSK_TICKETS_PER_MINUTE": "0", "ADMINDUK_KIOSK_DOUBLE_PRESS_SECONDS": "0"}


def _r(x, d=1):
    return None if x is None else round(x, d)


def issue_load(stack: Stack, clients: int, seconds: float, warmup: int = 20, ceiling: bool = False) -> dict:
    """``clients`` threads, each one keep-alive connection issuing tickets for ``seconds``.

    ``ceiling``: ``GET /healthz`` instead (Flask + one ``SELECT 1``), the same clients and server: what this
    machine's load generator and server stack can do at most, for scale."""
    def request(c, i, k):
        if ceiling:
            return c.request("GET", "/healthz"), 200
        return c.request("POST", "/api/v1/offices/BKS/tickets", {"service": SERVICES[(i + k) % len(SERVICES)]}), 201

    tokens = stack.tokens
    lat: list[list[float]] = [[] for _ in range(clients)]  # successful requests only
    sent = [0] * clients
    errors: list[str] = []
    stop_at = [0.0]
    cpu_s: dict = {}
    cpu_c = [0.0]
    t0 = [0.0]

    def go():  # runs once, when every client is warm, before any is released
        cpu_s.update({pid: proc_cpu_seconds(pid) for pid in stack.pids})
        cpu_c[0] = self_cpu_seconds()
        t0[0] = time.monotonic()
        stop_at[0] = t0[0] + seconds

    barrier = threading.Barrier(clients + 1, action=go)

    def run(i):
        c = HttpClient(stack.urls[i % len(stack.urls)], token=tokens[STAFF[i % len(STAFF)]])
        try:
            try:
                for k in range(warmup):
                    request(c, i, k)
            except BaseException:
                barrier.abort()  # release the others and the caller at once; the failure is reported below
                raise
            barrier.wait()
            k = 0
            while time.monotonic() < stop_at[0]:
                t = time.perf_counter()
                (status, body), expected = request(c, i, k)
                sent[i] += 1
                if status == expected:
                    lat[i].append((time.perf_counter() - t) * 1000)
                else:
                    errors.append(f"{status} {body[:120]!r}")
                k += 1
        finally:
            c.close()

    group = ThreadGroup("issue" if not ceiling else "ceiling")
    for i in range(clients):
        group.start(run, i)
    try:
        barrier.wait(timeout=120)
    except threading.BrokenBarrierError:
        errors.append("a client failed before the measurement started (see below)")
    try:
        group.join(seconds + 60)
    except ThreadFailure as exc:  # a client thread that raised is an error, never a silent missing client
        errors.append(str(exc)[:2000])
    elapsed = max(1e-9, time.monotonic() - t0[0]) if t0[0] else float("nan")
    all_lat = [x for xs in lat for x in xs]
    server_cpu = sum(proc_cpu_seconds(pid) - c for pid, c in cpu_s.items())
    return {
        "clients": clients, "ceiling": ceiling, "requests": sum(sent), "ok": len(all_lat), "errors": len(errors),
        "error_sample": errors[:3],
        "per_s": _r(len(all_lat) / elapsed), "p50_ms": _r(percentile(all_lat, 50), 2),
        "p99_ms": _r(percentile(all_lat, 99), 2), "max_ms": _r(max(all_lat) if all_lat else None),
        "server_cpu_cores": _r(server_cpu / elapsed, 2),
        "client_cpu_cores": _r((self_cpu_seconds() - cpu_c[0]) / elapsed, 2), "seconds": _r(elapsed, 2),
    }


def call_next_load(stack: Stack, max_calls: int = 2000) -> dict:
    """Every counter calls (through the processes round-robin) until nobody waits for its services."""
    counters = stack.data["counters"]
    tokens = stack.tokens
    lat: list[float] = []  # calls answered 200 (a ticket called); 204 = nobody waits (the end), not counted
    sent = [0]
    errors: list[str] = []
    lock = threading.Lock()
    remaining = [max_calls]

    def run(i, counter):
        c = HttpClient(stack.urls[i % len(stack.urls)], token=tokens[f"petugas{counter['number']}"])
        try:
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                t = time.perf_counter()
                status, body = c.request("POST", f"/api/v1/counters/{counter['id']}/call-next")
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    sent[0] += 1
                    if status == 200:
                        lat.append(ms)
                    elif status != 204:
                        errors.append(f"{status} {body[:120]!r}")
                if status == 204:
                    return
                if status != 200:
                    return
                # the clerk starts serving (not timed): "call next" then finishes it, as at a real counter
                # (a ticket only called is never finished by the next call: that call would be refused)
                status, body = c.request("POST", f"/api/v1/tickets/{json.loads(body)['id']}/start")
                if status != 200:
                    with lock:
                        errors.append(f"start {status} {body[:120]!r}")
                    return
        finally:
            c.close()

    group = ThreadGroup("call-next")
    cpu_s = {pid: proc_cpu_seconds(pid) for pid in stack.pids}
    t0 = time.monotonic()
    for i, c in enumerate(counters):
        group.start(run, i, c)
    try:
        group.join(300)
    except ThreadFailure as exc:
        errors.append(str(exc)[:2000])
    elapsed = time.monotonic() - t0
    server_cpu = sum(proc_cpu_seconds(pid) - c for pid, c in cpu_s.items())
    return {"clients": len(counters), "requests": sent[0], "ok": len(lat), "errors": len(errors),
            "error_sample": errors[:3],
            "per_s": _r(len(lat) / elapsed), "p50_ms": _r(percentile(lat, 50), 2),
            "p99_ms": _r(percentile(lat, 99), 2), "max_ms": _r(max(lat) if lat else None),
            "server_cpu_cores": _r(server_cpu / elapsed, 2), "seconds": _r(elapsed, 2)}


def kiosk_path(stack: Stack, presses: int) -> dict:
    """GET /kiosk/pair (sets the device cookie), then per press: GET /kiosk + the POST the page makes."""
    import http.client
    host, port = stack.urls[0].replace("http://", "").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", f"/kiosk/pair?token={stack.tokens['kiosk']}")
    resp = conn.getresponse()
    resp.read()
    cookies = [h.split(";", 1)[0] for k, h in resp.getheaders() if k.lower() == "set-cookie"]
    conn.close()
    if resp.status not in (200, 302, 303) or not cookies:
        return {"presses": 0, "errors": 1, "error_sample": [f"kiosk pairing answered {resp.status} without a cookie"]}
    c = HttpClient(stack.urls[0], cookie="; ".join(cookies))
    page_ms, post_ms, errors = [], [], []
    csrf = None
    for k in range(presses):
        t = time.perf_counter()
        status, body = c.request("GET", "/kiosk")
        page_ms.append((time.perf_counter() - t) * 1000)
        if status != 200:
            errors.append(f"GET /kiosk {status}")
            continue
        if csrf is None:
            import re
            m = re.search(rb'name="csrf-token" content="([^"]+)"', body)
            csrf = m.group(1).decode() if m else None
            if csrf:
                c.headers["X-CSRFToken"] = csrf
        t = time.perf_counter()
        status, body = c.request("POST", "/api/v1/offices/BKS/tickets", {"service": SERVICES[k % len(SERVICES)]})
        post_ms.append((time.perf_counter() - t) * 1000)
        if status != 201:
            errors.append(f"POST {status} {body[:120]!r}")
    c.close()
    return {"presses": presses, "errors": len(errors), "error_sample": errors[:3],
            "page_p50_ms": _r(percentile(page_ms, 50), 2), "page_p99_ms": _r(percentile(page_ms, 99), 2),
            "issue_p50_ms": _r(percentile(post_ms, 50), 2), "issue_p99_ms": _r(percentile(post_ms, 99), 2)}


def realtime(stack: Stack, displays: int, calls: int, client_procs: int, client: str = "raw") -> dict:
    return realtime_latency.measure(stack, displays, calls, client_procs, client=client)


REALTIME_COLUMNS = [("servers", "processes"), ("connected", "displays"), ("calls", "calls"),
                    ("deliveries", "delivered"), ("missing", "missing"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"),
                    ("max_ms", "max ms"), ("call_http_p50_ms", "call HTTP p50 ms"), ("first_client_p50_ms", "first p50"),
                    ("last_client_p50_ms", "last p50"),
                    ("server_cpu_cores", "server CPU"), ("connect_seconds", "connect s")]


def run_script(args: list[str], smoke: bool = False) -> dict:
    """A pure bench's JSON (its own verdict inside, under "verdict"); {"error": ...} when it produced none."""
    cmd = [sys.executable, *args, "--json", *(["--smoke"] if smoke else [])]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(out.stdout)
    except ValueError:
        return {"error": f"exit status {out.returncode}: {out.stderr[-500:]}"}
    report["exit_status"] = out.returncode
    return report


def bench_config(backend: str, processes: int, args, pg=None, redis=None) -> dict:
    result: dict = {"config": f"{backend}:{processes}", "backend": backend, "processes": processes}
    try:
        return _bench_config(result, backend, processes, args, pg, redis)
    except Exception as exc:  # the configuration could not run: a row that says so, and a failure
        result["error"] = f"{type(exc).__name__}: {exc}"[:500]
        return result


def _bench_config(result: dict, backend: str, processes: int, args, pg=None, redis=None) -> dict:
    env = {**KIOSK_ENV, "ADMINDUK_ASYNC_MODE": args.async_mode}
    with Stack(backend, processes, extra_env=env, pg=pg, redis=redis, root=args.root,
               worker=args.jobs == "worker") as stack:
        only = set(args.only.split(","))
        if "issue" in only:
            result["issue"] = [issue_load(stack, n, args.seconds) for n in args.clients]
        if "ceiling" in only:
            result["ceiling"] = issue_load(stack, max(args.clients), args.seconds, ceiling=True)
        if "call_next" in only:
            result["call_next"] = call_next_load(stack, max_calls=args.max_calls)
        if "kiosk" in only:
            result["kiosk"] = kiosk_path(stack, args.kiosk_presses)
        if "realtime" in only:
            result["realtime"] = realtime(stack, args.displays, args.calls, args.client_procs, args.client)
        result["server_rss_kb"] = [int(open(f"/proc/{p}/status").read().split("VmRSS:")[1].split()[0])
                                   for p in stack.pids]
    return result


TARGETS = {"issue_per_s_sqlite_8": 1000, "issue_p99_ms_sqlite_8": 25, "display_p99_ms": 50, "scale_ratio": 1.6}


def judge(report: dict, verdict: Verdict) -> Verdict:
    """Every failure (requests, threads, configurations that could not run, sub-benches) and every target."""
    results = report["results"]
    for r in results:
        cfg = r["config"]
        if r.get("error"):
            verdict.error(f"{cfg} could not run: {r['error']}")
            continue
        for x in r.get("issue", []):
            verdict.errors_from(f"{cfg} issue x{x['clients']}", x["errors"], x["error_sample"])
        for key in ("ceiling", "call_next", "kiosk"):
            if r.get(key):
                verdict.errors_from(f"{cfg} {key}", r[key]["errors"], r[key].get("error_sample", []))
        if r.get("call_next") is not None and not r["call_next"]["ok"] and r.get("issue"):
            verdict.error(f"{cfg} call_next: no ticket was called")
        if r.get("realtime"):
            for e in realtime_latency.verdict_for(r["realtime"], Verdict(smoke=True)).errors:
                verdict.error(e if e.startswith(cfg) else f"{cfg} realtime: {e}")
    for name in ("printer", "forecast"):
        sub = report.get(name)
        if sub is None:
            continue
        if "error" in sub:
            verdict.error(f"{name} bench failed: {sub['error']}")
            continue
        for e in sub.get("verdict", {}).get("errors", []):
            verdict.error(f"{name} bench: {e}")
        for t in sub.get("verdict", {}).get("targets", []):
            verdict.check(f"{name}: {t['name']}", t["measured"], t["target"], t["met"])

    best = {r["config"]: max(x["per_s"] or 0 for x in r["issue"]) for r in results if r.get("issue")}
    sqlite = next((r for r in results if r["config"] == "sqlite:1" and r.get("issue")), None)
    if sqlite:
        top = max(sqlite["issue"], key=lambda x: x["clients"])
        verdict.at_least(f"issue/s sqlite:1 x{top['clients']}", top["per_s"], TARGETS["issue_per_s_sqlite_8"])
        verdict.at_most(f"issue p99 sqlite:1 x{top['clients']}", top["p99_ms"], TARGETS["issue_p99_ms_sqlite_8"],
                        " ms")
    for r in results:
        if r.get("realtime"):
            verdict.at_most(f"display p99 {r['config']}", r["realtime"]["p99_ms"], TARGETS["display_p99_ms"], " ms")
    # "throughput with 2+ processes >= 1.6x one process": against one process of the same stack (postgres:1,
    # the scale-out factor) and against sqlite:1 (the embedded default)
    for base in ("postgres:1", "sqlite:1"):
        if not best.get(base):
            continue
        for config, v in best.items():
            if config.startswith("postgres:") and config != "postgres:1":
                verdict.at_least(f"issue/s {config} / {base}", _r(v / best[base], 2), TARGETS["scale_ratio"], "x")
    return verdict


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default="sqlite:1,postgres:1,postgres:2,postgres:4",
                    help="comma-separated backend:processes (default: %(default)s)")
    ap.add_argument("--seconds", type=float, default=5.0, help="length of each issue run")
    ap.add_argument("--clients", default="1,8", help="concurrent HTTP clients per issue run")
    ap.add_argument("--max-calls", type=int, default=1500, help="cap on call-next requests per configuration")
    ap.add_argument("--kiosk-presses", type=int, default=100)
    ap.add_argument("--displays", type=int, default=500)
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--client-procs", type=int, default=2, help="processes holding the display clients")
    ap.add_argument("--client", choices=("raw", "socketio"), default="raw",
                    help="display clients: raw Engine.IO/Socket.IO frames (default) or python-socketio")
    ap.add_argument("--async-mode", choices=("gevent", "threading"), default="gevent",
                    help="the servers' ADMINDUK_ASYNC_MODE (default: %(default)s)")
    ap.add_argument("--jobs", choices=("worker", "inprocess"), default="inprocess",
                    help="background jobs inside the first server process (default, as 'adminduk run' does) or in "
                         "an 'adminduk worker' process beside the servers")
    ap.add_argument("--printer-tickets", type=int, default=200)
    ap.add_argument("--forecast-offices", type=int, default=50,
                    help="bench/forecast_batch.py size (its own default is 500 offices)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    ap.add_argument("--only", default="issue,ceiling,call_next,kiosk,realtime",
                    help="which server measurements to run (default: %(default)s)")
    ap.add_argument("--no-pure", action="store_true", help="skip the printer and forecast benches")
    ap.add_argument("--root", default=None,
                    help="run the servers from another checkout of the code (before/after comparisons)")
    ap.add_argument("--out", default="bench-results.json")
    add_smoke_flag(ap)
    args = ap.parse_args(argv)
    if args.quick:
        args.seconds, args.max_calls, args.kiosk_presses = 0.5, 60, 5
        args.displays, args.calls, args.client_procs = 10, 3, 1
        args.printer_tickets, args.forecast_offices = 10, 2
    args.clients = [int(x) for x in str(args.clients).split(",")]
    configs = [(c.split(":")[0], int(c.split(":")[1])) for c in args.configs.split(",")]

    report: dict = {"started": datetime.now(timezone.utc).isoformat(), "cpus": os.cpu_count(),
                    "python": platform.python_version(), "argv": sys.argv[1:], "results": []}
    pg = redis = None
    missing = None
    try:
        if any(b == "postgres" for b, _ in configs):
            try:
                pg, redis = launch_postgres(), launch_redis()
            except ServiceMissing as exc:  # requested but impossible: a failure, listed in the tables as NOT RUN
                missing = f"PostgreSQL/Redis missing: {exc}"
                print(missing, file=sys.stderr)
        for backend, n in configs:
            if backend == "postgres" and missing:
                report["results"].append({"config": f"{backend}:{n}", "backend": backend, "processes": n,
                                          "error": missing})
                continue
            print(f"== {backend}:{n} ...", file=sys.stderr, flush=True)
            report["results"].append(bench_config(backend, n, args, pg, redis))
    finally:
        if redis is not None:
            redis.close()
        if pg is not None:
            pg.close()
    if not args.no_pure:
        report["printer"] = run_script(["bench/printer_bench.py", "--tickets", str(args.printer_tickets)],
                                       smoke=args.smoke)
        report["forecast"] = run_script(["bench/forecast_batch.py", "--offices", str(args.forecast_offices)],
                                        smoke=args.smoke)
        report["forecast_scale"] = {"offices": args.forecast_offices, "series": args.forecast_offices * 3,
                                    "note": "bench/forecast_batch.py default is 500 offices (1,500 series)"}
    verdict = judge(report, Verdict(smoke=args.smoke))
    report["verdict"] = verdict.as_json()
    Path(args.out).write_text(json.dumps(report, indent=2))
    print_tables(report)
    print("\nTargets")
    print(verdict.table())
    print(f"\nJSON written to {args.out}")
    return verdict.exit_status()


def print_tables(report: dict) -> None:
    rows = []
    for r in report["results"]:
        for x in r.get("issue", []):
            rows.append({"config": r["config"], "what": f"issue x{x['clients']}", **x})
        if r.get("ceiling"):
            rows.append({"config": r["config"], "what": f"GET /healthz x{r['ceiling']['clients']} (ceiling)",
                         **r["ceiling"]})
        if r.get("call_next"):
            rows.append({"config": r["config"], "what": f"call-next x{r['call_next']['clients']}", **r["call_next"]})
    print(f"\nHTTP ({report['cpus']} CPUs shared by server and load generator)")
    print(table(rows, [("config", "config"), ("what", "request"), ("requests", "sent"), ("ok", "ok"), ("errors", "errors"),
                       ("per_s", "req/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"), ("max_ms", "max ms"),
                       ("server_cpu_cores", "server CPU"), ("client_cpu_cores", "client CPU")]))
    print("\nKiosk page path (GET /kiosk + issue POST, paired kiosk cookie)")
    print(table([{"config": r["config"], **r["kiosk"]} for r in report["results"] if r.get("kiosk")],
                [("config", "config"), ("presses", "presses"), ("errors", "errors"), ("page_p50_ms", "page p50"),
                 ("page_p99_ms", "page p99"), ("issue_p50_ms", "issue p50"), ("issue_p99_ms", "issue p99")]))
    print("\nCall-to-display (Socket.IO)")
    print(table([{"config": r["config"], **r["realtime"]} for r in report["results"] if r.get("realtime")],
                [("config", "config")] + REALTIME_COLUMNS))
    pr = report.get("printer", {})
    if pr and "error" not in pr:
        print("\nPrinter layout + encoding (bench/printer_bench.py)")
        items = pr.get("results", [])
        print(table(items, [("profile", "profile"), ("qr", "qr"), ("tickets", "tickets"), ("ms_median", "ms p50"),
                            ("ms_p99", "ms p99"), ("bytes_median", "bytes")]))
    fc = report.get("forecast", {})
    if fc and "error" not in fc:
        print(f"\nForecast batch (bench/forecast_batch.py --offices {report['forecast_scale']['offices']}): "
              f"{fc.get('series')} series in {fc.get('forecast_seconds_total')} s, "
              f"{fc.get('ms_per_series', {}).get('p50')} ms/series p50")
    not_run = [r for r in report["results"] if r.get("error")]
    if not_run:
        print("\nNOT RUN (requested, could not run: a failure)")
        print(table(not_run, [("config", "config"), ("error", "why")]))


if __name__ == "__main__":
    sys.exit(main())
