"""Shared by the benchmarks and the crash test: start a real adminduk stack on 127.0.0.1.

``Stack(backend="sqlite", processes=1)`` or ``Stack(backend="postgres", processes=2)``:

* SQLite: a file database in a temporary directory;
* PostgreSQL + Redis: Debian's binaries started in temporary directories by
  ``tests.plugins.servers.launch_postgres`` / ``launch_redis`` (the same code as the test fixtures);
* ``adminduk init-db`` + ``seed-demo --json`` (demo office BKS, open all day so the real clock works),
  then ``processes`` x ``python -m queue_service.cli run --host 127.0.0.1 --port <free>`` with
  ``ADMINDUK_*`` settings (background workers only in the first process).

Also: ``HttpClient`` (one keep-alive ``http.client`` connection), ``percentile``, ``proc_rss_kb``,
``proc_cpu_seconds`` (from /proc: no psutil needed).
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.plugins.servers import (  # noqa: E402  (after the sys.path line)
    ServerProcess,
    free_port,
    launch_postgres,
    launch_redis,
    start_server,
)

CLI = [sys.executable, "-m", "queue_service.cli"]
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Stack:
    """A running adminduk deployment on loopback. Use as a context manager."""

    def __init__(self, backend: str = "sqlite", processes: int = 1, extra_env: dict | None = None,
                 workdir: str | None = None, pg=None, redis=None, root: str | os.PathLike | None = None,
                 worker: bool = False):
        if backend not in ("sqlite", "postgres"):
            raise ValueError(backend)
        self.backend = backend
        self.root = Path(root or ROOT)  # the checkout whose code the servers run (before/after comparisons)
        self.n = processes
        #: background jobs in a separate ``adminduk worker`` process (web processes: BACKGROUND_WORKERS=false)
        self.worker = worker
        self.worker_proc: subprocess.Popen | None = None
        self.extra_env = dict(extra_env or {})
        self._own_dir = workdir is None
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="adminduk-bench-"))
        self._pg, self._redis = pg, redis  # may be shared between stacks (one cluster, several runs)
        self._own_pg = self._own_redis = False
        self.servers: list[ServerProcess | None] = []
        self.ports: list[int] = []
        self.env: dict = {}
        self.data: dict = {}

    # -- lifecycle
    def __enter__(self) -> "Stack":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> "Stack":
        env = {"ADMINDUK_SECRET_KEY": "bench-secret-shared-by-all-processes",
               "ADMINDUK_INSTANCE_PATH": str(self.dir / "instance"),
               "ADMINDUK_PUBLIC_URL": "https://antrean.example.go.id",
               "ADMINDUK_LOG_LEVEL": "WARNING"}
        if self.backend == "sqlite":
            env["ADMINDUK_DATABASE_URL"] = f"sqlite:///{self.dir / 'adminduk.db'}"
        else:
            if self._pg is None:
                self._pg, self._own_pg = launch_postgres(), True
            if self._redis is None:
                self._redis, self._own_redis = launch_redis(), True
            env["ADMINDUK_DATABASE_URL"] = self._pg.new_database("bench")
            env["ADMINDUK_MESSAGE_QUEUE"] = self._redis.url
        env.update(self.extra_env)
        self.env = env
        full = {**os.environ, **env}
        subprocess.run([*CLI, "init-db"], cwd=self.root, env=full, check=True, capture_output=True)
        out = subprocess.run([*CLI, "seed-demo", "--json"], cwd=self.root, env=full, check=True,
                             capture_output=True, text=True)
        self.data = json.loads(out.stdout)
        self._open_all_day()
        for i in range(self.n):
            self.ports.append(free_port())
            self.servers.append(None)
            self.start_process(i)
        if self.worker:
            log = open(self.dir / "worker.log", "ab")
            self.worker_proc = subprocess.Popen([*CLI, "worker"], cwd=self.root, env={**os.environ, **self.env},
                                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                                start_new_session=True)
            log.close()
        return self

    def _open_all_day(self) -> None:
        from datetime import time as dtime

        from sqlalchemy import create_engine, update

        from queue_service.models import Office
        engine = create_engine(self.env["ADMINDUK_DATABASE_URL"])
        with engine.begin() as conn:  # the real clock runs: keep the office open
            conn.execute(update(Office).values(opens_at=dtime(0, 0), closes_at=dtime(23, 59, 59),
                                               open_days="1234567"))
        engine.dispose()

    def start_process(self, i: int, timeout: float = 60) -> ServerProcess:
        env = dict(self.env)
        if i > 0 or self.worker:
            env["ADMINDUK_BACKGROUND_WORKERS"] = "false"
        port = self.ports[i]
        server = start_server([*CLI, "run", "--host", "127.0.0.1", "--port", str(port)],
                              url=f"http://127.0.0.1:{port}/healthz", env=env, cwd=self.root,
                              log_path=self.dir / f"server-{i}.log", timeout=timeout)
        self.servers[i] = server
        return server

    def kill(self, i: int = 0) -> None:
        """kill -9 process ``i`` (its process group: the server and nothing else)."""
        import signal
        server = self.servers[i]
        os.killpg(server.pid, signal.SIGKILL)
        server.proc.wait(10)

    def stop(self) -> None:
        if self.worker_proc is not None:
            self.worker_proc.terminate()
            try:
                self.worker_proc.wait(10)
            except subprocess.TimeoutExpired:
                self.worker_proc.kill()
        for s in self.servers:
            if s is not None:
                s.stop()
        if self._own_redis and self._redis is not None:
            self._redis.close()
        if self._own_pg and self._pg is not None:
            self._pg.close()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- what clients need
    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    @property
    def pids(self) -> list[int]:
        return [s.pid for s in self.servers if s is not None]

    @property
    def tokens(self) -> dict[str, str]:
        out = {u["username"]: u["api_token"] for u in self.data["users"]}
        out.update({d["kind"]: d["token"] for d in self.data["devices"]})
        return out

    def counters_for(self, *services: str) -> list[dict]:
        return [c for c in self.data["counters"] if set(services) & set(c["services"])]


# --------------------------------------------------------------------------- HTTP client


class HttpClient:
    """One keep-alive HTTP/1.1 connection (``http.client``): the tightest client the stdlib has."""

    def __init__(self, base_url: str, token: str | None = None, cookie: str | None = None, timeout: float = 30):
        host, port = base_url.replace("http://", "").split(":")
        self.host, self.port, self.timeout = host, int(port), timeout
        self.headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.cookies: dict[str, str] = {}
        for part in (cookie or "").split(";"):
            if "=" in part:
                k, v = part.strip().split("=", 1)
                self.cookies[k] = v
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                headers = dict(self.headers)
                if self.cookies:
                    headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                for set_cookie in resp.msg.get_all("Set-Cookie") or ():  # a tiny cookie jar (one host)
                    k, _, v = set_cookie.split(";", 1)[0].partition("=")
                    self.cookies[k.strip()] = v
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()  # the server closed an idle keep-alive connection: reconnect once
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


# --------------------------------------------------------------------------- figures


def percentile(values, q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of ``values``; None when empty."""
    xs = sorted(values)
    if not xs:
        return None
    k = max(0, min(len(xs) - 1, int(round(q / 100 * len(xs) + 0.5)) - 1))
    return xs[k]


def proc_rss_kb(pid: int) -> int | None:
    """Resident set size of ``pid`` in KiB (from /proc/<pid>/status)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by ``pid`` (threads included)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def self_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    """A plain text table of ``rows`` with (key, heading) ``columns``."""
    cells = [[h for _, h in columns]] + [[fmt(r.get(k)) for k, _ in columns] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def wait_until(pred, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()
