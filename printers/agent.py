"""Print agent for a kiosk PC with a local (USB, serial, ...) printer.

``adminduk print-agent --server URL --token KIOSK_TOKEN --printer usb://04b8:0e15 --profile TM-T20II``

The kiosk's ``printer_uri`` on the server is ``agent://`` ("printed by the agent"). The agent
connects over Socket.IO with ``auth={"token": KIOSK_TOKEN}`` (the server puts it in its office's
kiosks room), wakes on ``print_job`` events, and fetches its kiosk's due jobs over HTTP
(``GET /api/v1/print-agent/jobs``) on every connect and reconnect, on every event and every
``poll_seconds`` — so jobs issued while it was disconnected are printed when it comes back.
Each job is claimed atomically (``POST .../claim``), printed locally, and the outcome reported
(``POST .../result``). A report that cannot be delivered is kept and retried; a job whose report
never arrives is re-queued by the server after its lease. No job is silently lost.

The agent is part of the printer driver: it imports no database model and no Flask (a kiosk PC runs it
alone; ``tests/core/test_layering.py`` checks).
"""
from __future__ import annotations

import logging
import threading

import requests

log = logging.getLogger("adminduk.print_agent")


class PrintAgent:
    def __init__(self, server: str, token: str, printer: str, profile: str = "generic-80", *,
                 timeout: float = 5.0, poll_seconds: float = 30.0, http_timeout: float = 10.0,
                 printer_fn=None):
        self.server = server.rstrip("/")
        self.token = token
        self.printer = printer
        self.profile = profile
        self.timeout = timeout
        self.poll_seconds = poll_seconds
        self.http_timeout = http_timeout
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.device_id: int | None = None
        self.printed: list[int] = []           # job ids printed by this agent (for logs and tests)
        self._unreported: dict[int, dict] = {}  # job id -> result not yet delivered
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._sio = None
        self._printer_fn = printer_fn

    # ------------------------------------------------------------------ HTTP
    def _url(self, path: str) -> str:
        return f"{self.server}/api/v1/print-agent{path}"

    def fetch(self) -> list[dict]:
        r = self.http.get(self._url("/jobs"), timeout=self.http_timeout)
        if r.status_code in (401, 403):
            raise PermissionError(f"the server refused the kiosk token ({r.status_code}): {r.text[:200]}")
        r.raise_for_status()
        data = r.json()
        self.device_id = data.get("device")
        return data.get("jobs", [])

    def _report(self, job_id: int, result: dict) -> bool:
        try:
            r = self.http.post(self._url(f"/jobs/{job_id}/result"), json=result, timeout=self.http_timeout)
        except requests.RequestException as exc:
            log.warning("could not report job %s: %s (will retry)", job_id, exc)
            return False
        if r.status_code in (200, 404, 409):  # 404/409: the server no longer waits for this report
            return True
        log.warning("report of job %s refused: %s %s", job_id, r.status_code, r.text[:200])
        return r.status_code < 500

    # ------------------------------------------------------------------ printing
    def _print(self, payload: dict) -> dict:
        """Print one job's payload on this PC's printer; the report for the server (never raises)."""
        from printers.printing import print_payload

        result = print_payload(self.printer, self.profile, payload, timeout=self.timeout, printer_fn=self._printer_fn)
        if result.ok:
            return {"ok": True, "near_end": result.near_end}
        return {"ok": False, "kind": result.kind, "message": result.message}

    def sync(self) -> int:
        """Deliver pending reports, then print every due job of this kiosk. Returns jobs printed."""
        with self._lock:
            for job_id, result in list(self._unreported.items()):
                if self._report(job_id, result):
                    del self._unreported[job_id]
            printed = 0
            for job in self.fetch():
                r = self.http.post(self._url(f"/jobs/{job['id']}/claim"), timeout=self.http_timeout)
                if r.status_code in (404, 409):
                    continue  # printed meanwhile, or not ours
                r.raise_for_status()
                claimed = r.json()
                result = self._print(claimed["payload"])
                if result["ok"]:
                    printed += 1
                    self.printed.append(claimed["id"])
                    log.info("printed %s (job %s)", claimed.get("code"), claimed["id"])
                else:
                    log.warning("job %s failed: %s", claimed["id"], result.get("message"))
                if not self._report(claimed["id"], result):
                    self._unreported[claimed["id"]] = result
                if not result["ok"]:
                    break  # the printer is in trouble: the server schedules the retries
            return printed

    # ------------------------------------------------------------------ Socket.IO
    def _connect(self) -> bool:
        import socketio

        if self._sio is not None and self._sio.connected:
            return True
        sio = socketio.Client(reconnection=True, reconnection_delay=1, reconnection_delay_max=10,
                              logger=False, engineio_logger=False)

        @sio.event
        def connect():
            log.info("connected to %s", self.server)
            self._wake.set()  # fetch what was missed while disconnected

        @sio.event
        def disconnect(*_args):
            log.warning("disconnected from %s", self.server)

        @sio.on("print_job")
        def _print_job(data):
            if self.device_id is None or (isinstance(data, dict) and data.get("device_id") == self.device_id):
                self._wake.set()

        try:
            sio.connect(self.server, auth={"token": self.token}, transports=["websocket"], wait_timeout=10)
        except Exception as exc:  # server down or token refused: poll over HTTP, try again later
            log.warning("cannot connect to %s: %s", self.server, exc)
            return False
        self._sio = sio
        return True

    def run(self, stop: threading.Event | None = None) -> None:
        """Run until ``stop`` is set (or forever)."""
        stop = stop or threading.Event()
        backoff = 1.0
        while not stop.is_set():
            connected = self._connect()
            try:
                self.sync()
                backoff = 1.0
            except PermissionError:
                raise
            except Exception as exc:  # network trouble: try again with backoff
                log.warning("sync failed: %s", exc)
                stop.wait(backoff)
                backoff = min(30.0, backoff * 2)
                continue
            self._wake.wait(self.poll_seconds if connected else min(self.poll_seconds, 5.0))
            self._wake.clear()
        self.close()

    def close(self) -> None:
        if self._sio is not None:
            try:
                self._sio.disconnect()
            except Exception:
                pass
            self._sio = None

    def wake(self) -> None:
        self._wake.set()


def sample_ticket(status_url: str = "https://antrean.example.go.id/t/contoh"):
    """A sample ticket for ``adminduk print-test``."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from printers.layout import TicketPrint

    return TicketPrint(office_name="Disdukcapil (contoh cetak)", service_name="Perekaman KTP-el", code="A-001",
                       issued_at=datetime.now(ZoneInfo("Asia/Jakarta")), tz_abbrev="WIB", people_ahead=3,
                       status_url=status_url, eta_minutes=(10, 20),
                       footer="Uji cetak — bukan tiket antrean. Layanan adminduk tidak dipungut biaya.")
