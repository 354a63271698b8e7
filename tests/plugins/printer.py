"""One fake ESC/POS network printer for every test that prints over TCP: a real listener on 127.0.0.1 that
records every byte of every connection, answers the real-time status queries (DLE EOT 1 / DLE EOT 4) that come
before a job as an Epson does, and can be stopped and started again on the same port (a printer switched off and
on). ``mode="silent"`` accepts connections but never reads nor answers (a hung printer).

The back-end tests use the connections, queries and the close handshake; the print-job tests use ``printed()``
(connections that carried more than status queries)."""
from __future__ import annotations

import socket
import threading
import time

import pytest

ONLINE = 0x12  # DLE EOT 1: bit 3 clear
OFFLINE = 0x1A  # bit 3 set
PAPER_OK, PAPER_NEAR_END, PAPER_OUT = 0x12, 0x1E, 0x72  # DLE EOT 4 (python-escpos' masks)
_STATUS_QUERIES = (b"\x10\x04\x01", b"\x10\x04\x04")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TcpPrinter:
    def __init__(self, port: int | None = None, *, online: int = ONLINE, paper: int = PAPER_OK,
                 mode: str = "normal") -> None:
        self.online, self.paper, self.mode = online, paper, mode
        self.port = port or free_port()
        self.uri = f"tcp://127.0.0.1:{self.port}"
        self.connections: list[bytearray] = []
        self.queries: list[bytes] = []
        self.ended = 0  # connections the client closed (everything it sent has arrived)
        self._ended = threading.Condition()
        self._lock = threading.Lock()
        self._srv: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []

    # ---------------------------------------------------------------- switching it on and off
    def start(self) -> "TcpPrinter":
        self._stop.clear()
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(16)
        srv.settimeout(0.05)
        self._srv = srv
        t = threading.Thread(target=self._serve, args=(srv,), daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        for c in self._conns:
            c.close()
        self._conns.clear()
        if self._srv is not None:
            self._srv.close()
            self._srv = None
        for t in self._threads:
            t.join(2)
        self._threads.clear()

    close = stop

    # ---------------------------------------------------------------- what arrived
    @property
    def received(self) -> bytes:
        with self._lock:
            return b"".join(bytes(c) for c in self.connections)

    @property
    def jobs(self) -> list[bytearray]:
        return self.connections

    def printed(self) -> list[bytes]:
        """Connections that carried more than status queries."""
        with self._lock:
            bufs = [bytes(b) for b in self.connections]
        out = []
        for b in bufs:
            rest = b
            for q in _STATUS_QUERIES:
                rest = rest.replace(q, b"")
            if rest:
                out.append(b)
        return out

    def wait_printed(self, n: int, timeout: float = 5.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while len(self.printed()) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.printed()

    def wait_closed(self, connections: int = 1, timeout: float = 10.0) -> bytes:
        """The handshake before asserting that nothing (more) arrived: wait until the client has closed
        ``connections`` connections; then every byte it sent is in ``received``."""
        with self._ended:
            assert self._ended.wait_for(lambda: self.ended >= connections, timeout), (
                f"the client closed {self.ended} of {connections} connection(s)")
        return self.received

    def wait_for(self, nbytes: int, timeout: float = 3.0) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self.received) < nbytes and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received

    # ---------------------------------------------------------------- the printer's side
    def _serve(self, srv: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            buf = bytearray()
            with self._lock:
                self.connections.append(buf)
            self._conns.append(conn)
            if self.mode != "silent":
                t = threading.Thread(target=self._handle, args=(conn, buf), daemon=True)
                t.start()

    def _handle(self, conn: socket.socket, buf: bytearray) -> None:
        conn.settimeout(0.05)
        status_phase, pos = True, 0
        while not self._stop.is_set():
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if not chunk:
                conn.close()
                with self._ended:
                    self.ended += 1
                    self._ended.notify_all()
                return
            with self._lock:
                buf.extend(chunk)
            while status_phase and len(buf) - pos >= 3:
                if buf[pos:pos + 2] != b"\x10\x04":
                    status_phase = False
                    break
                n = buf[pos + 2]
                self.queries.append(bytes(buf[pos:pos + 3]))
                conn.sendall(bytes([self.online if n == 1 else self.paper]))
                pos += 3


@pytest.fixture
def tcp_printer():
    """Make printers (not started: ``.start()`` switches one on); all are switched off after the test."""
    made: list[TcpPrinter] = []

    def make(**kw) -> TcpPrinter:
        p = TcpPrinter(**kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()


@pytest.fixture
def fake_printer(tcp_printer):
    """Make printers already switched on."""
    return lambda **kw: tcp_printer(**kw).start()
