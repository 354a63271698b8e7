"""A real TCP 'printer' on 127.0.0.1 for print-job tests: records every byte, answers the
real-time status queries (DLE EOT 1 / 4) sent before a job, and can be stopped and started again
on the same port."""
from __future__ import annotations

import socket
import threading
import time

import pytest

ONLINE = 0x12
PAPER_OK, PAPER_NEAR_END, PAPER_OUT = 0x12, 0x1E, 0x72


class TcpPrinter:
    def __init__(self, port: int | None = None, *, paper: int = PAPER_OK):
        self.paper = paper
        self.port = port or _free_port()
        self.uri = f"tcp://127.0.0.1:{self.port}"
        self.jobs: list[bytearray] = []
        self._srv = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self) -> "TcpPrinter":
        self._stop.clear()
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(16)
        srv.settimeout(0.05)
        self._srv = srv
        t = threading.Thread(target=self._serve, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._srv is not None:
            self._srv.close()
            self._srv = None
        for t in self._threads:
            t.join(2)
        self._threads.clear()

    def _serve(self) -> None:
        srv = self._srv
        while not self._stop.is_set():
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            buf = bytearray()
            with self._lock:
                self.jobs.append(buf)
            t = threading.Thread(target=self._handle, args=(conn, buf), daemon=True)
            t.start()

    def _handle(self, conn, buf) -> None:
        conn.settimeout(0.05)
        status_phase, pos = True, 0
        with conn:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                buf.extend(chunk)
                while status_phase and len(buf) - pos >= 3:
                    if buf[pos:pos + 2] != b"\x10\x04":
                        status_phase = False
                        break
                    conn.sendall(bytes([ONLINE if buf[pos + 2] == 1 else self.paper]))
                    pos += 3

    def printed(self) -> list[bytes]:
        """Jobs that carried more than status queries."""
        with self._lock:
            return [bytes(b) for b in self.jobs if len(b.replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x04", b"")) > 0]

    def wait_printed(self, n: int, timeout: float = 5.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while len(self.printed()) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.printed()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def tcp_printer():
    made = []

    def make(**kw) -> TcpPrinter:
        p = TcpPrinter(**kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()


@pytest.fixture(autouse=True)
def _loopback_printers_allowed(request):
    """These tests' printers listen on 127.0.0.1 at random ports: allow that here (a deployment refuses
    loopback and every port but 9100 by default, see tests/hardening/test_printer_destinations.py)."""
    for name in ("app", "any_app", "pg_app"):
        if name in request.fixturenames:
            request.getfixturevalue(name).config.update(PRINTER_TCP_ALLOW_LOCAL=True,
                                                        PRINTER_TCP_PORTS=["1024-65535"])
