"""Real PostgreSQL / Redis servers for the test session, and helpers for server processes.

Reason: one subject, the real servers the suite starts and stops (clusters, Redis, app processes, the
skip-or-fail switch); its fixtures share the process and port helpers below, and splitting them would only
spread that plumbing over several plugins.

Fixtures (session scope unless said otherwise):

``postgres_server``
    A throwaway PostgreSQL cluster (``initdb -A trust``) in a temporary directory, listening on
    127.0.0.1:<free port> (plus a Unix socket inside that directory), ``fsync=off``. Attributes:
    ``url`` (SQLAlchemy URL ``postgresql+psycopg://postgres@127.0.0.1:<port>/adminduk_test``),
    ``dsn`` (the same as a libpq URL, for psycopg), ``host``, ``port``, ``user``, ``socket_dir``,
    ``bin_dir``, ``version``; methods ``new_database(prefix="t") -> url`` (a fresh, empty database:
    use one per test or module for isolation) and ``drop_database(url)``.
``postgres_db_url`` (function scope)
    ``postgres_server.new_database()`` for one test.
``redis_server``
    ``redis-server`` on 127.0.0.1:<free port> with no persistence. Attributes ``url``
    (``redis://127.0.0.1:<port>/0``), ``host``, ``port``; methods ``url_for(db)``, ``ping()``,
    ``flushall()``.
``spawn_server`` (function scope)
    ``spawn_server(args, url=None, port=None, env=None, cwd=None, timeout=30)`` starts a process
    (e.g. a second app worker), waits until ``url`` answers HTTP (or ``port`` accepts TCP) and
    returns a :class:`ServerProcess`; every process is stopped when the test ends.

Plain helpers: :func:`free_port`, :func:`wait_for_port`, :func:`wait_for_http`,
:func:`start_server`, :func:`libpq_url`; :func:`launch_postgres` and :func:`launch_redis` start the servers
without pytest (the fixtures and bench/ use them).

When a binary is missing the fixtures call ``pytest.skip`` with the reason, unless the environment has
``ADMINDUK_REQUIRE_SERVICES=1`` (``.ci/run`` sets it): then they fail, so CI cannot go green by skipping.
Optional Python modules go through :func:`require_module` (``importorskip`` under the same switch), and with
the switch set a report hook turns any skip left anywhere (test or module) into a failure.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import importlib
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from types import ModuleType
from typing import Iterator, Mapping, Sequence

import pytest

REQUIRE_ENV = "ADMINDUK_REQUIRE_SERVICES"
LOOPBACK = "127.0.0.1"


# --------------------------------------------------------------------------- skip / require


def services_required() -> bool:
    """True when missing service binaries must fail the tests instead of skipping them."""
    return os.environ.get(REQUIRE_ENV, "").strip().lower() not in ("", "0", "false", "no", "off")


def missing_service(reason: str, *, allow_module_level: bool = False) -> None:
    """Skip (locally) or fail (``ADMINDUK_REQUIRE_SERVICES=1``, as in CI) because a service is missing."""
    if services_required():
        pytest.fail(f"{reason} [{REQUIRE_ENV}=1, so this fails instead of skipping]", pytrace=False)
    pytest.skip(reason, allow_module_level=allow_module_level)


def require_module(name: str, why: str = "") -> ModuleType:
    """``pytest.importorskip`` that obeys the same switch: the module, or a skip locally and a failure with
    ``ADMINDUK_REQUIRE_SERVICES=1``. Use it for every optional import in tests (at module level too), and call
    it where the optional part starts, after the checks that need nothing optional."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing_service(f"the Python module {name!r} is not installed ({exc}){': ' + why if why else ''}; "
                        f"pip install '.[test]'", allow_module_level=True)
        raise  # not reached: missing_service skips or fails


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return f"{longrepr[2]} ({longrepr[0]}:{longrepr[1]})"
    return str(longrepr)


def _as_failure(report) -> None:
    report.outcome = "failed"
    report.longrepr = (f"SKIPPED under {REQUIRE_ENV}=1, which turns every skip into a failure: "
                       f"{_skip_reason(report)}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """The safety net behind every site: with ``ADMINDUK_REQUIRE_SERVICES=1`` no test may skip, whatever made
    it skip (a fixture, ``pytest.skip``, ``importorskip``, a ``skipif`` mark)."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and services_required() and not hasattr(report, "wasxfail"):
        _as_failure(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator:
    """...and no module may skip at collection (a module-level ``importorskip``)."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and services_required():
        _as_failure(report)


def pytest_configure(config: pytest.Config) -> None:
    # setup.cfg registers these too; registering again keeps the plugin usable on its own (--strict-markers).
    config.addinivalue_line("markers", "postgres: needs a PostgreSQL server (started by the test session)")
    config.addinivalue_line("markers", "redis: needs a Redis server (started by the test session)")
    config.addinivalue_line("markers", "slow: slower tests (concurrency, processes)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by the servers they use, so ``-m "not postgres"`` / ``-m redis`` select them."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"postgres_server", "postgres_db_url"}:
            item.add_marker("postgres")
        if "redis_server" in names:
            item.add_marker("redis")


# --------------------------------------------------------------------------- ports and waiting


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that is free on ``host`` right now (the OS picks it; another process may still take it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _check_alive(proc: subprocess.Popen | None, what: str, log_path: Path | None = None) -> None:
    if proc is not None and proc.poll() is not None:
        raise RuntimeError(f"{what} exited with status {proc.returncode} before answering{_log_tail(log_path)}")


def _log_tail(log_path: Path | None, lines: int = 40) -> str:
    if not log_path:
        return ""
    try:
        text = Path(log_path).read_text(errors="replace")
    except OSError:
        return ""
    tail = "\n".join(text.splitlines()[-lines:])
    return f"\n--- last lines of {log_path} ---\n{tail}" if tail else ""


def wait_for_port(
    host: str,
    port: int,
    timeout: float = 30.0,
    proc: subprocess.Popen | None = None,
    log_path: Path | None = None,
) -> None:
    """Wait until ``host:port`` accepts a TCP connection; raise early if ``proc`` dies, or on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        _check_alive(proc, f"server for {host}:{port}", log_path)
        if _port_open(host, port):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing answered on {host}:{port} within {timeout}s{_log_tail(log_path)}")
        time.sleep(0.05)


def wait_for_http(
    url: str,
    timeout: float = 30.0,
    proc: subprocess.Popen | None = None,
    log_path: Path | None = None,
    ok_statuses: Sequence[int] | None = None,
) -> int:
    """Wait until ``url`` answers HTTP and return the status code.

    Any HTTP answer counts (a 404 or 500 still means the server is up) unless ``ok_statuses`` is given.
    Raises ``RuntimeError`` at once if ``proc`` exits, ``TimeoutError`` after ``timeout`` seconds.
    Only meant for local addresses (loopback).
    """
    deadline = time.monotonic() + timeout
    last_error: object = None
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never go through a proxy
    while True:
        _check_alive(proc, f"server for {url}", log_path)
        status = None
        try:
            with opener.open(url, timeout=2) as resp:
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, urllib.error.URLError) as exc:  # refused, reset, timeout
            last_error = exc
        if status is not None:
            if ok_statuses is None or status in ok_statuses:
                return status
            last_error = f"HTTP {status}"
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout}s (last: {last_error}){_log_tail(log_path)}")
        time.sleep(0.1)


# --------------------------------------------------------------------------- generic server processes


class ServerProcess:
    """A started server process (its own process group) with its log file; ``stop()`` ends it."""

    def __init__(self, proc: subprocess.Popen, args: Sequence[str], log_path: Path, url: str | None, port: int | None):
        self.proc = proc
        self.args = list(args)
        self.log_path = log_path
        self.url = url
        self.port = port

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the process group this helper created, then SIGKILL after ``timeout``; returns the exit code."""
        if self.proc.poll() is None:
            _signal_group(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.proc, signal.SIGKILL)
                self.proc.wait(5)
        return self.proc.returncode

    def __enter__(self) -> "ServerProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ServerProcess pid={self.proc.pid} url={self.url} port={self.port} alive={self.alive()}>"


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    # The process was started with start_new_session=True, so its group id is its own pid:
    # this reaches it and its children, and nothing else.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def start_server(
    args: Sequence[str],
    *,
    url: str | None = None,
    port: int | None = None,
    host: str = LOOPBACK,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike | None = None,
    timeout: float = 30.0,
    log_path: str | os.PathLike | None = None,
) -> ServerProcess:
    """Start ``args`` in a new process group, wait until ``url`` answers HTTP (or ``port`` accepts TCP).

    ``env`` is added to the current environment. Output (stdout+stderr) goes to ``log_path`` (a temporary
    file by default), never to a pipe that could fill up. On failure the process is stopped and the error
    includes the end of its log.
    """
    if log_path is None:
        fd, name = tempfile.mkstemp(prefix="adminduk-server-", suffix=".log")
        os.close(fd)
        log_path = name
    log_path = Path(log_path)
    full_env = dict(os.environ)
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    if env:
        full_env.update(env)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            list(args),
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = ServerProcess(proc, args, log_path, url, port)
    try:
        if url is not None:
            wait_for_http(url, timeout=timeout, proc=proc, log_path=log_path)
        elif port is not None:
            wait_for_port(host, port, timeout=timeout, proc=proc, log_path=log_path)
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture
def spawn_server(tmp_path: Path) -> Iterator:
    """Factory: ``spawn_server(args, url=..., port=..., env=..., cwd=..., timeout=...) -> ServerProcess``.

    Every process started through it is stopped at the end of the test (even when the test fails).
    Logs go to the test's ``tmp_path`` as ``server-<n>.log``.
    """
    started: list[ServerProcess] = []
    counter = itertools.count(1)

    def _spawn(args: Sequence[str], **kwargs) -> ServerProcess:
        kwargs.setdefault("log_path", tmp_path / f"server-{next(counter)}.log")
        server = start_server(args, **kwargs)
        started.append(server)
        return server

    yield _spawn
    for server in reversed(started):
        server.stop()


# --------------------------------------------------------------------------- PostgreSQL


def libpq_url(url: str) -> str:
    """``postgresql+psycopg://...`` (SQLAlchemy) -> ``postgresql://...`` (libpq/psycopg)."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def _version_key(path: str) -> tuple:
    m = re.search(r"/postgresql/([0-9.]+)/bin", path)
    return tuple(int(p) for p in m.group(1).split(".")) if m else (0,)


def find_postgres_bin_dir() -> Path | None:
    """Directory holding ``initdb`` and ``pg_ctl``: ``$ADMINDUK_PG_BIN``, else Debian's newest
    ``/usr/lib/postgresql/<version>/bin``, else whatever ``initdb`` is on PATH."""
    explicit = os.environ.get("ADMINDUK_PG_BIN")
    if explicit:
        return Path(explicit) if (Path(explicit) / "initdb").exists() else None
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key, reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class PostgresServer:
    """A running throwaway PostgreSQL cluster. See the module docstring."""

    user = "postgres"
    host = LOOPBACK

    def __init__(self, bin_dir: Path, base_dir: Path, run_as: str | None):
        self.bin_dir = bin_dir
        self.base_dir = base_dir
        self.data_dir = base_dir / "data"
        self.socket_dir = base_dir / "sock"
        self.log_path = base_dir / "postgres.log"
        self.run_as = run_as
        self.port: int = 0
        self.dbname = "adminduk_test"
        self.version = ""
        self._names = itertools.count(1)
        self._running = False

    # -- URLs
    def url_for(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    @property
    def url(self) -> str:
        return self.url_for(self.dbname)

    @property
    def dsn(self) -> str:
        return libpq_url(self.url)

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/postgres"

    # -- processes
    def _cmd(self, *args: str) -> list[str]:
        if self.run_as:
            return ["runuser", "-u", self.run_as, "--", *args]
        return list(args)

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        # Output goes to a file, not a pipe: pg_ctl's postmaster child must not hold our pipe open.
        with tempfile.TemporaryFile() as out:
            proc = subprocess.run(
                self._cmd(*args),
                cwd=self.base_dir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
            out.seek(0)
            proc.stdout = out.read().decode(errors="replace")
        return proc

    def _check(self, proc: subprocess.CompletedProcess, what: str) -> None:
        if proc.returncode != 0:
            raise RuntimeError(f"{what} failed ({proc.returncode}):\n{proc.stdout}{_log_tail(self.log_path)}")

    def init(self) -> None:
        initdb = str(self.bin_dir / "initdb")
        proc = self._run(
            initdb, "-D", str(self.data_dir), "-A", "trust", "-U", self.user,
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions",
        )
        if proc.returncode != 0 and "--no-instructions" in proc.stdout:  # PostgreSQL < 14
            proc = self._run(initdb, "-D", str(self.data_dir), "-A", "trust", "-U", self.user,
                             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self._check(proc, "initdb")
        self.version = (self.data_dir / "PG_VERSION").read_text().strip()

    def _write_conf(self) -> None:
        settings = {
            "listen_addresses": f"'{LOOPBACK}'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "64MB",
            "log_min_messages": "warning",
            "timezone": "'UTC'",
        }
        conf = self.data_dir / "postgresql.auto.conf"  # read last, overrides postgresql.conf
        with open(conf, "a") as f:
            f.write("\n# adminduk test session\n")
            for key, value in settings.items():
                f.write(f"{key} = {value}\n")

    def start(self, attempts: int = 3) -> None:
        last = None
        for _ in range(attempts):  # the free port can be taken by someone else before we bind it
            self.port = free_port()
            self._write_conf()
            proc = self._run(
                str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_path),
                "-w", "-t", "60", "start",
            )
            if proc.returncode == 0:
                self._running = True
                return
            last = proc
        self._check(last, "pg_ctl start")

    def stop(self) -> None:
        if self._running:
            self._running = False
            # Immediate: the data is thrown away anyway.
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop",
                      timeout=60)

    # -- databases
    def _admin_execute(self, sql: str) -> None:
        try:
            import psycopg
        except ImportError:  # fall back on psql when psycopg is not installed
            proc = self._run(str(self.bin_dir / "psql"), "-h", self.host, "-p", str(self.port), "-U", self.user,
                             "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql)
            self._check(proc, f"psql {sql!r}")
            return
        with psycopg.connect(self.admin_dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    def new_database(self, prefix: str = "t") -> str:
        """Create a fresh, empty database and return its SQLAlchemy URL."""
        safe = re.sub(r"[^a-z0-9_]", "_", prefix.lower())[:30] or "t"
        name = f"{safe}_{next(self._names)}_{uuid.uuid4().hex[:6]}"
        self._admin_execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        return self.url_for(name)

    def drop_database(self, url: str) -> None:
        """Drop the database named in ``url`` (kicking out any connections still open)."""
        name = url.rsplit("/", 1)[-1].split("?", 1)[0]
        self._admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        """Stop the cluster and remove its directory."""
        try:
            self.stop()
        finally:
            _cleanup_dir(self.base_dir)

    def __repr__(self) -> str:
        return f"<PostgresServer {self.version} {self.url}>"


def _cleanup_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


OWNER_FILE = "owner.pid"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale_dirs(pattern: str) -> Iterator[Path]:
    """Our server directories whose owning pytest process is gone (killed with SIGKILL, say)."""
    for owner in glob.glob(os.path.join(pattern, OWNER_FILE)):
        try:
            pid = int(Path(owner).read_text().strip())
        except (OSError, ValueError):
            continue
        if not _pid_alive(pid):
            yield Path(owner).parent


def _mark_owner(base_dir: Path) -> None:
    (base_dir / OWNER_FILE).write_text(str(os.getpid()))


class ServiceMissing(RuntimeError):
    """A server binary (or the user to run it as) is missing; the fixtures skip or fail with this reason."""


def launch_postgres(parent: str | None = None) -> PostgresServer:
    """Start a throwaway PostgreSQL cluster (see the module docstring) and return it running, with the
    database ``adminduk_test`` created. ``close()`` stops it and removes its directory (also at exit).
    Raises :class:`ServiceMissing` when the binaries are not installed. Used by the fixture and by bench/."""
    bin_dir = find_postgres_bin_dir()
    if bin_dir is None:
        raise ServiceMissing(
            "PostgreSQL server binaries not found (looked in $ADMINDUK_PG_BIN, /usr/lib/postgresql/*/bin, PATH); "
            "install them with: apt-get install postgresql"
        )
    run_as = None
    if os.geteuid() == 0:  # initdb and pg_ctl refuse to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise ServiceMissing("running as root and there is no 'postgres' user to run initdb/pg_ctl as") from None
        if shutil.which("runuser") is None:
            raise ServiceMissing("running as root and 'runuser' (util-linux) is missing")
        run_as = "postgres"
    # Not under pytest's basetemp: that is /tmp/pytest-of-root (mode 0700), which the postgres user cannot enter.
    parent = parent or os.environ.get("ADMINDUK_PG_TMPDIR") or "/tmp"
    for stale in _stale_dirs(os.path.join(parent, "adminduk-pg-*")):  # left by a killed session: stop, remove
        old = PostgresServer(bin_dir, stale, run_as)
        if (old.data_dir / "postmaster.pid").exists():
            old._running = True
            with contextlib.suppress(Exception):
                old.stop()
        _cleanup_dir(stale)
    base_dir = Path(tempfile.mkdtemp(prefix="adminduk-pg-", dir=parent))
    _mark_owner(base_dir)
    os.chmod(base_dir, 0o700)
    server = PostgresServer(bin_dir, base_dir, run_as)
    server.socket_dir.mkdir()
    if run_as:
        pw = pwd.getpwnam(run_as)
        for p in (base_dir, server.socket_dir):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    # Also stop it if the interpreter exits without running fixture teardown (e.g. a KeyboardInterrupt storm).
    atexit.register(server.close)
    try:
        server.init()
        server.start()
        server._admin_execute(f'CREATE DATABASE "{server.dbname}"')
    except BaseException:
        server.close()
        raise
    return server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = launch_postgres()
    except ServiceMissing as exc:
        missing_service(str(exc))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def postgres_db_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty database for this test only (dropped afterwards)."""
    url = postgres_server.new_database(prefix=request.node.name[:20])
    yield url
    with contextlib.suppress(Exception):
        postgres_server.drop_database(url)


# --------------------------------------------------------------------------- Redis


def find_redis_server() -> str | None:
    explicit = os.environ.get("ADMINDUK_REDIS_SERVER")
    if explicit:
        return explicit if os.path.exists(explicit) else None
    return shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/local/bin/redis-server") if os.path.exists(p)), None
    )


def _redis_command(host: str, port: int, *parts: str, timeout: float = 2.0) -> bytes:
    """Send one command in RESP and return the first reply line (no redis-py needed)."""
    payload = f"*{len(parts)}\r\n".encode() + b"".join(
        f"${len(p.encode())}\r\n".encode() + p.encode() + b"\r\n" for p in parts
    )
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(payload)
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.strip()


class RedisServer:
    host = LOOPBACK

    def __init__(self, binary: str, base_dir: Path):
        self.binary = binary
        self.base_dir = base_dir
        self.log_path = base_dir / "redis.log"
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return self.url_for(0)

    def url_for(self, db: int) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    def ping(self) -> bool:
        try:
            return _redis_command(self.host, self.port, "PING") == b"+PONG"
        except OSError:
            return False

    def flushall(self) -> None:
        reply = _redis_command(self.host, self.port, "FLUSHALL")
        if reply != b"+OK":
            raise RuntimeError(f"FLUSHALL answered {reply!r}")

    def start(self, timeout: float = 20.0, attempts: int = 3) -> None:
        for attempt in range(attempts):
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    [
                        self.binary,
                        "--port", str(self.port),
                        "--bind", LOOPBACK,
                        "--save", "",
                        "--appendonly", "no",
                        "--dir", str(self.base_dir),
                        "--daemonize", "no",
                        "--databases", "16",
                    ],
                    cwd=self.base_dir,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            (self.base_dir / "redis.pid").write_text(str(self.proc.pid))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                if self.ping():
                    return
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.stop()
                raise TimeoutError(f"redis-server did not answer PING within {timeout}s{_log_tail(self.log_path)}")
            # exited: most likely the port was taken meanwhile; try another one
        raise RuntimeError(f"redis-server exited with {self.proc.returncode}{_log_tail(self.log_path)}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(5)

    def close(self) -> None:
        """Stop redis-server and remove its directory."""
        try:
            self.stop()
        finally:
            _cleanup_dir(self.base_dir)

    def __repr__(self) -> str:
        return f"<RedisServer {self.url}>"


def _stop_stale_redis(base_dir: Path) -> None:
    """Stop the redis-server a killed session started in ``base_dir`` (by its pid file, checked by cmdline)."""
    try:
        pid = int((base_dir / "redis.pid").read_text().strip())
        exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except (OSError, ValueError):
        return
    # redis-server rewrites its command line (and on Debian its binary is redis-check-rdb), so check the binary
    # name and the working directory (we started it there).
    if exe.startswith("redis") and os.path.realpath(cwd) == os.path.realpath(base_dir):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)


def launch_redis() -> RedisServer:
    """Start ``redis-server`` on a free loopback port (no persistence) and return it; ``close()`` stops it.
    Raises :class:`ServiceMissing` when it is not installed. Used by the fixture and by bench/."""
    binary = find_redis_server()
    if binary is None:
        raise ServiceMissing("redis-server not found (looked in $ADMINDUK_REDIS_SERVER, PATH); "
                             "install it with: apt-get install redis-server")
    for stale in _stale_dirs(os.path.join(tempfile.gettempdir(), "adminduk-redis-*")):
        _stop_stale_redis(stale)
        _cleanup_dir(stale)
    base_dir = Path(tempfile.mkdtemp(prefix="adminduk-redis-"))
    _mark_owner(base_dir)
    server = RedisServer(binary, base_dir)
    atexit.register(server.close)
    try:
        server.start()
    except BaseException:
        server.close()
        raise
    return server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    try:
        server = launch_redis()
    except ServiceMissing as exc:
        missing_service(str(exc))
    try:
        yield server
    finally:
        server.close()


__all__ = [
    "PostgresServer",
    "RedisServer",
    "ServerProcess",
    "ServiceMissing",
    "free_port",
    "launch_postgres",
    "launch_redis",
    "libpq_url",
    "missing_service",
    "require_module",
    "services_required",
    "start_server",
    "wait_for_http",
    "wait_for_port",
]

if __name__ == "__main__":  # pragma: no cover - tiny manual check: python -m tests.plugins.servers
    print("postgres bin:", find_postgres_bin_dir(), "redis:", find_redis_server(), file=sys.stderr)
