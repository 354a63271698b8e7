"""Issue 11, security item 1: a printer URI is a server capability.

The server itself opens a kiosk's printer URI: ``file://`` appends ticket bytes (office name and footer,
which a manager edits) to a file, ``tcp://`` sends them to a host and port. Only an admin sets where a kiosk
prints; the printer back-end registry decides which URIs the server may open under the operator's settings
(``PRINTER_FILE_DIRS``, ``PRINTER_TCP_PORTS``, ``PRINTER_TCP_ALLOW_LOCAL``); a print job goes to the kiosk's
current printer and the settings are checked again when it prints; control characters never get into a name,
footer or text that reaches a printer or a page."""
from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from queue_service.extensions import db
from queue_service.models import Counter, Device, Office, Service
from tests.hardening.conftest import csrf_from

ISSUE = "/api/v1/offices/BKS/tickets"


def _form(client, url: str, data: dict):
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def _device(app, device_id: int) -> tuple[str | None, str | None, str]:
    with app.app_context():
        d = db.session.get(Device, device_id)
        out = (d.printer_uri, d.printer_profile, d.name)
        db.session.remove()
    return out


def _set_printer(app, device_id: int, uri: str | None, profile: str | None = "TM-T20II") -> None:
    """As stored earlier (before these rules, or under settings that changed since)."""
    with app.app_context():
        d = db.session.get(Device, device_id)
        d.printer_uri, d.printer_profile = uri, profile
        db.session.commit()
        db.session.remove()


def _database_file(app) -> str:
    return app.config["DATABASE_URL"].removeprefix("sqlite:///")


class Listener:
    """A TCP listener on 127.0.0.1 that records what it receives (a printer, or an internal service)."""

    def __init__(self):
        self.srv = socket.create_server(("127.0.0.1", 0))
        self.port = self.srv.getsockname()[1]
        self.received = bytearray()
        self.connections = 0
        self._stop = threading.Event()
        self.srv.settimeout(0.05)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.srv.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            with conn:
                conn.settimeout(0.5)
                try:
                    while chunk := conn.recv(65536):
                        self.received.extend(chunk)
                except OSError:
                    pass

    def close(self):
        self._stop.set()
        self.srv.close()
        self._thread.join(2)


@pytest.fixture
def listeners():
    made = []

    def make():
        made.append(Listener())
        return made[-1]

    yield make
    for listener in made:
        listener.close()


def _run_worker(app) -> int:
    from printjobs import worker
    with app.app_context():
        try:
            return worker.process_due_jobs(app)
        finally:
            db.session.remove()


def _job(app, job_id: int) -> dict:
    from printjobs.models import PrintJob
    with app.app_context():
        j = db.session.get(PrintJob, job_id)
        out = {"status": j.status, "last_error": j.last_error, "uri": j.printer_uri, "next": j.next_attempt_at}
        db.session.remove()
    return out


# ------------------------------------------------------------------------------------ who sets it


def test_a_manager_cannot_set_or_change_where_a_kiosk_prints(world):
    app, kiosk = world.app, world.bks.ids["device"]
    before = _device(app, kiosk)
    manager = world.sign_in("manajer")
    # the attack: the server appends every ticket to a file of the manager's choosing
    for uri in ("file:///tmp/adminduk-attack.txt", "tcp://192.168.1.50:9100", ""):
        r = _form(manager, f"/admin/offices/BKS/devices/{kiosk}", {"name": "Kios Lobi", "printer_uri": uri,
                                                                   "printer_profile": "TM-T20II"})
        assert r.status_code == 422, (uri, r.status_code)
        assert "Hanya admin" in r.get_data(as_text=True)
    assert _device(app, kiosk) == before
    # a new kiosk made by a manager cannot bring its own printer either
    r = _form(manager, "/admin/offices/BKS/devices/new", {"kind": "kiosk", "name": "Kios Baru",
                                                          "printer_uri": "tcp://192.168.1.60:9100"})
    assert r.status_code == 422 and "Hanya admin" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Device).where(Device.name == "Kios Baru")) is None
        db.session.remove()
    # the form shows the printer read-only to a manager, and saving the rest keeps it
    page = manager.get(f"/admin/offices/BKS/devices/{kiosk}").get_data(as_text=True)
    assert 'id="printer_uri"' in page and "readonly" in page.split('id="printer_uri"')[1].split(">")[0]
    r = _form(manager, f"/admin/offices/BKS/devices/{kiosk}", {"name": "Kios Lobi Depan", "printer_uri": before[0],
                                                               "printer_profile": before[1]})
    assert r.status_code == 302
    assert _device(app, kiosk) == (before[0], before[1], "Kios Lobi Depan")
    # another office's manager does not even reach the form
    other = world.sign_in("manajer.ktb")
    r = _form(other, f"/admin/offices/BKS/devices/{kiosk}", {"name": "x", "printer_uri": "dummy://"})
    assert r.status_code == 403


def test_the_admin_sets_it_and_the_registry_decides(world, tmp_path):
    app, kiosk = world.app, world.bks.ids["device"]
    admin = world.sign_in("admin")

    def save(uri, profile="TM-T20II"):
        return _form(admin, f"/admin/offices/BKS/devices/{kiosk}", {"name": "Kios Lobi", "printer_uri": uri,
                                                                    "printer_profile": profile})

    # agent:// (what the README tells admins to use for a printer on the kiosk PC) is accepted
    assert save("agent://").status_code == 302
    assert _device(app, kiosk)[0] == "agent://"
    assert save("tcp://192.168.1.50:9100").status_code == 302
    assert save("usb://04b8:0e15").status_code == 302
    refused = {
        # this machine, whatever the spelling: internal services (Redis, PostgreSQL, the app itself)
        "tcp://127.0.0.1:9100": "127.0.0.1", "tcp://127.8.9.10:9100": "127.8.9.10",
        "tcp://localhost:9100": "127.0.0.1", "tcp://[::1]:9100": "::1",
        "tcp://[::ffff:127.0.0.1]:9100": "127.0.0.1", "tcp://0.0.0.0:9100": "0.0.0.0",
        "tcp://169.254.169.254:9100": "169.254.169.254",
        # ports other than the allowed ones (a port scanner, a Redis on the LAN)
        "tcp://192.168.1.50:6379": "6379", "tcp://192.168.1.50:80": "9100",
        # files: none unless the operator allowed a directory
        "file:///tmp/tiket.bin": "PRINTER_FILE_DIRS", f"file://{_database_file(app)}": None,
        # device nodes only for serial://; no unknown schemes; no spaces or control characters
        "serial:///etc/passwd": "serial", "http://printer.local": "tcp://", "tcp://192.168.1.50:9100?x=\x1b": None,
        "gopher://192.168.1.50:9100": "agent://",
    }
    for uri, hint in refused.items():
        r = save(uri)
        assert r.status_code == 422, (uri, r.status_code)
        if hint:
            assert hint in r.get_data(as_text=True), (uri, r.get_data(as_text=True)[-1500:])
    assert _device(app, kiosk)[0] == "usb://04b8:0e15"
    assert save("dummy://", profile="Printer-Entah").status_code == 422  # unknown profile

    # the operator allows a spool directory: files there are fine, the server's own files never
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "db-link").symlink_to(_database_file(app))
    app.config["PRINTER_FILE_DIRS"] = [str(spool)]
    assert save(f"file://{spool}/tiket.bin").status_code == 302
    for uri in (f"file://{spool}/../{Path(_database_file(app)).name}", f"file://{spool}/db-link",
                f"file://{_database_file(app)}", f"file://{app.instance_path}/demo-credentials.json",
                f"file://{spool}/../../etc/profile"):
        assert save(uri).status_code == 422, uri
    # an allowed directory inside the instance folder does not open the instance folder
    inside = Path(app.instance_path) / "spool"
    inside.mkdir(parents=True, exist_ok=True)
    app.config["PRINTER_FILE_DIRS"] = [str(inside)]
    assert save(f"file://{inside}/tiket.bin").status_code == 422

    # ports and local addresses only as configured
    app.config.update(PRINTER_TCP_PORTS=[9100, "9101-9103"])
    assert save("tcp://192.168.1.50:9102").status_code == 302
    assert save("tcp://127.0.0.1:9100").status_code == 422
    app.config.update(PRINTER_TCP_ALLOW_LOCAL=True)
    assert save("tcp://127.0.0.1:9100").status_code == 302


def test_registry_checks_every_address_a_name_resolves_to():
    """A host name that resolves to this machine (DNS pointing at 127.0.0.1) is refused like the address;
    the URI that is opened names the checked address, so a second DNS answer cannot move it."""
    from printers.backends import PrinterPolicy, PrinterURIRefused, check_uri

    answers = {"printer.lan": ["192.168.1.50"], "evil.lan": ["192.168.1.51", "127.0.0.1"],
               "v6.lan": ["fe80::1%eth0"], "mapped.lan": ["::ffff:10.0.0.1"]}
    policy = PrinterPolicy(resolve=lambda host, port: answers.get(host, [host]))
    assert check_uri("tcp://printer.lan:9100?timeout=2", policy) == "tcp://192.168.1.50:9100?timeout=2"
    assert check_uri("tcp://mapped.lan", policy) == "tcp://[::ffff:10.0.0.1]:9100"
    for uri in ("tcp://evil.lan:9100", "tcp://v6.lan:9100", "tcp://[::]:9100", "tcp://[::7f00:1]:9100",
                "tcp://224.0.0.1:9100", "tcp://255.255.255.255:9100"):
        with pytest.raises(PrinterURIRefused):
            check_uri(uri, policy)
    assert check_uri("agent://", policy) == "agent://"


# ------------------------------------------------------------------------------------ control characters


def test_control_characters_are_refused_in_every_printed_or_shown_text(world):
    app = world.app
    admin = world.sign_in("admin")
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        service = db.session.scalar(select(Service).where(Service.office_id == office.id, Service.code == "KK"))
        counter = db.session.scalar(select(Counter).where(Counter.office_id == office.id).order_by(Counter.number))
        before = (office.name, office.ticket_footer, service.name_id, counter.name)
        office_form = {"name": office.name, "timezone": office.timezone, "opens_at": "08:00", "closes_at": "15:00",
                       "open_days": ["1", "2", "3", "4", "5"], "priority_prefix": office.priority_prefix or "",
                       "info_text": "Baris satu\r\nBaris dua", "ticket_footer": "Terima kasih"}
        service_form = {"code": service.code, "prefix": service.prefix, "name_id": service.name_id,
                        "name_en": service.name_en, "priority_policy": service.priority_policy, "active": "y",
                        "fallback_service_id": "0", "sort_order": "1"}
        counter_form = {"number": str(counter.number), "name": counter.name, "active": "y",
                        "services": [str(s.id) for s in counter.services]}
        ids = (service.id, counter.id)
        db.session.remove()
    attacks = [
        ("/admin/offices/BKS/edit", office_form, "name", "Disdukcapil\nrm -rf ~"),
        ("/admin/offices/BKS/edit", office_form, "ticket_footer", "Terima kasih\r\nFLUSHALL"),
        ("/admin/offices/BKS/edit", office_form, "ticket_footer", "Kaki\x1b@\x1dV\x00"),
        ("/admin/offices/BKS/edit", office_form, "info_text", "Info\x1b[2J"),
        (f"/admin/offices/BKS/services/{ids[0]}", service_form, "name_id", "Kartu\x00Keluarga"),
        (f"/admin/offices/BKS/services/{ids[0]}", service_form, "name_en", "Family\u2028card"),
        (f"/admin/offices/BKS/counters/{ids[1]}", counter_form, "name", "Loket\r1"),
        (f"/admin/offices/BKS/counters/{ids[1]}", counter_form, "name", "Loket \u202e1"),
        (f"/admin/offices/BKS/devices/{world.bks.ids['display']}", {"name": "TV"}, "name", "TV\x85Lobi"),
    ]
    for url, base, field, value in attacks:
        r = _form(admin, url, {**base, field: value})
        assert r.status_code == 422, (url, field, r.status_code)
        assert "karakter kontrol" in r.get_data(as_text=True), (url, field)
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        assert (office.name, office.ticket_footer, db.session.get(Service, ids[0]).name_id,
                db.session.get(Counter, ids[1]).name) == before
        db.session.remove()
    # the display's information text keeps its lines
    assert _form(admin, "/admin/offices/BKS/edit", office_form).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Office.info_text).where(Office.code == "BKS")) == "Baris satu\nBaris dua"
        db.session.remove()


# ------------------------------------------------------------------------------------ at print time


def _queued_job(world) -> int:
    from tests.conftest import Api
    world.app.config["CLOCK"].advance(seconds=10)  # not a double press of the same button
    r = Api(world.app.test_client()).post(ISSUE, {"service": "KK"}, token=world.bks.tokens["kiosk"])
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()["print_job"]["id"]


def test_a_job_prints_where_the_kiosk_prints_now(world, listeners):
    """The admin moved the kiosk to another printer: queued and failed jobs follow it, they do not keep
    retrying the address saved in the job."""
    app, kiosk = world.app, world.bks.ids["device"]
    app.config.update(PRINTER_TCP_ALLOW_LOCAL=True, PRINTER_TCP_PORTS=["1024-65535"])
    old, new = listeners(), listeners()
    _run_worker(app)  # the world's earlier tickets are printed (dummy://)
    _set_printer(app, kiosk, f"tcp://127.0.0.1:{old.port}", "POS-5890")
    job_id = _queued_job(world)
    admin = world.sign_in("admin")
    r = _form(admin, f"/admin/offices/BKS/devices/{kiosk}", {"name": "Kios Lobi",
                                                             "printer_uri": f"tcp://127.0.0.1:{new.port}",
                                                             "printer_profile": "POS-5890"})
    assert r.status_code == 302
    assert _run_worker(app) >= 1
    job = _job(app, job_id)
    assert job["status"] == "sent" and job["uri"] == f"tcp://127.0.0.1:{new.port}"
    new.close()
    old.close()
    assert b"C-" in bytes(new.received) and old.connections == 0


def test_the_settings_are_checked_again_when_printing(world, listeners, tmp_path):
    """A destination stored before these rules, or allowed by settings that changed since, is refused at
    print time: nothing reaches the listener on this machine, the database file is not appended to, and the
    job fails once with the reason for staff (no retry against it)."""
    app, kiosk = world.app, world.bks.ids["device"]
    internal = listeners()  # e.g. a Redis on 127.0.0.1
    _run_worker(app)  # the world's earlier tickets are printed (dummy://)
    _set_printer(app, kiosk, f"tcp://127.0.0.1:{internal.port}")
    job_id = _queued_job(world)
    _run_worker(app)
    job = _job(app, job_id)
    assert job["status"] == "failed" and "Refused by the server's printer settings" in job["last_error"]
    assert job["next"] is None
    internal.close()
    assert internal.connections == 0 and not internal.received

    database = _database_file(app)
    size = os.path.getsize(database)
    _set_printer(app, kiosk, f"file://{database}")
    job_id = _queued_job(world)
    _run_worker(app)
    assert _job(app, job_id)["status"] == "failed"
    assert os.path.getsize(database) == size

    # allowed when the operator says so, and then it prints
    spool = tmp_path / "spool"
    spool.mkdir()
    app.config["PRINTER_FILE_DIRS"] = [str(spool)]
    _set_printer(app, kiosk, f"file://{spool}/tiket.bin")
    job_id = _queued_job(world)
    _run_worker(app)
    assert _job(app, job_id)["status"] == "sent" and b"C-" in (spool / "tiket.bin").read_bytes()
    app.config["PRINTER_FILE_DIRS"] = []  # taken away again: the next job is refused
    job_id = _queued_job(world)
    _run_worker(app)
    assert _job(app, job_id)["status"] == "failed"
