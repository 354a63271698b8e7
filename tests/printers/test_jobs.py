"""Print jobs against a real TCP printer on 127.0.0.1: failures, retries with backoff, paper out,
staff alerts and reprint, two workers never printing the same job. The ticket exists in every case."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from printjobs import jobs, worker
from printjobs.models import PrinterState, PrintJob
from queue_service.extensions import db, socketio
from queue_service.models import Device, Ticket
from tests.plugins.threads import run_threads
from tests.plugins.printer import PAPER_NEAR_END, PAPER_OUT

ISSUE = "/api/v1/offices/BKS/tickets"


def set_printer(app, demo, uri, profile="TM-T20II"):
    with app.app_context():
        device = db.session.get(Device, demo["devices"][0]["id"])
        device.printer_uri, device.printer_profile = uri, profile
        db.session.commit()
        db.session.remove()


def job_row(app, job_id) -> dict:
    with app.app_context():
        j = db.session.get(PrintJob, job_id)
        out = {"status": j.status, "attempts": j.attempts, "next": j.next_attempt_at, "error_kind": j.error_kind,
               "last_error": j.last_error, "ticket": db.session.get(Ticket, j.ticket_id).code}
        db.session.remove()
        return out


def state_of(app, demo) -> str | None:
    with app.app_context():
        s = db.session.get(PrinterState, demo["devices"][0]["id"])
        db.session.remove()
        return s.status if s else None


def run_worker(app) -> int:
    with app.app_context():
        try:
            return worker.process_due_jobs(app)
        finally:
            db.session.remove()


def test_printer_down_then_back_job_failed_retried_printed(app, api, clock, tcp_printer):
    printer = tcp_printer()  # not started: nothing listens on its port
    set_printer(app, api.demo, printer.uri)
    k = api.tokens["kiosk"]
    t = api.post(ISSUE, json={"service": "KK"}, token=k).get_json()
    job_id = t["print_job"]["id"]
    assert t["print_job"]["status"] == "queued"

    assert run_worker(app) == 1
    row = job_row(app, job_id)
    assert row["status"] == "failed" and row["attempts"] == 1 and row["error_kind"] == "offline"
    assert row["ticket"] == "C-001"  # the ticket is there whatever the printer does
    assert (row["next"] - clock.now()).total_seconds() == app.config.get("PRINT_BACKOFF_SECONDS", 2.0)
    assert state_of(app, api.demo) == "offline"
    assert api.get(f"/api/v1/print-jobs/{job_id}", token=k).get_json()["status"] == "failed"

    assert run_worker(app) == 0  # not due yet: backoff
    clock.advance(seconds=2)
    assert run_worker(app) == 1  # still down: second attempt, longer backoff
    row = job_row(app, job_id)
    assert row["attempts"] == 2 and (row["next"] - clock.now()).total_seconds() == 4

    printer.start()
    clock.advance(seconds=4)
    assert run_worker(app) == 1
    row = job_row(app, job_id)
    assert row["status"] == "sent" and row["attempts"] == 3 and row["last_error"] is None
    assert state_of(app, api.demo) == "online"
    [data] = printer.wait_printed(1)
    assert data.startswith(b"\x10\x04\x01\x10\x04\x04")  # status checked before printing (TM-T20II)
    assert b"C-001" in data and t["status_url"].encode() in data  # native QR carries the status URL
    assert b"Kartu Keluarga" in data and b"Layanan adminduk tidak dipungut biaya." in data
    assert data.endswith(b"\x1dV\x00")  # cut (the TM-T20II has a cutter)
    assert api.get(f"/api/v1/print-jobs/{job_id}", token=k).get_json()["status"] == "sent"


def test_gives_up_after_max_attempts_and_staff_can_reprint(app, api, clock, tcp_printer):
    app.config.update(PRINT_MAX_ATTEMPTS=2, PRINT_BACKOFF_SECONDS=1)
    printer = tcp_printer()
    set_printer(app, api.demo, printer.uri, "POS-5890")
    t = api.post(ISSUE, json={"service": "REKAM"}, token=api.tokens["kiosk"]).get_json()
    job_id = t["print_job"]["id"]
    run_worker(app)
    clock.advance(seconds=1)
    run_worker(app)
    row = job_row(app, job_id)
    assert row["status"] == "failed" and row["attempts"] == 2 and row["next"] is None  # given up
    clock.advance(minutes=10)
    assert run_worker(app) == 0

    page = api.get("/printers", token=api.tokens["petugas1"]).get_data(as_text=True)
    assert "A-001" in page and "tidak terhubung" in page and f"/printers/jobs/{job_id}/reprint" in page
    printer.start()
    r = api.post(f"/printers/jobs/{job_id}/reprint", token=api.tokens["petugas1"])
    assert r.status_code == 302
    assert run_worker(app) == 1
    assert job_row(app, job_id)["status"] == "sent"
    [data] = printer.wait_printed(1)
    assert b"A-001" in data and b"\x1dV" not in data  # POS-5890: no cutter, image QR
    assert b"\x1dv0" in data and b"\x1d(k" not in data


def test_paper_out_holds_the_job_alerts_staff_and_kiosk(app, api, clock, tcp_printer):
    printer = tcp_printer(paper=PAPER_OUT).start()
    set_printer(app, api.demo, printer.uri)
    manager = socketio.test_client(app, auth={"token": api.tokens["manajer"]})
    kiosk = socketio.test_client(app, auth={"token": api.tokens["kiosk"]})
    assert manager.is_connected() and kiosk.is_connected()
    manager.get_received()
    kiosk.get_received()

    k = api.tokens["kiosk"]
    t = api.post(ISSUE, json={"service": "CETAK", "priority": "ibu_hamil"}, token=k).get_json()
    job_id = t["print_job"]["id"]
    assert run_worker(app) == 1
    row = job_row(app, job_id)
    assert row["status"] == "held" and row["error_kind"] == "paper_out" and "paper" in row["last_error"]
    assert printer.printed() == []  # nothing printed on an empty roll
    assert state_of(app, api.demo) == "paper_out"
    alerts = [e for e in manager.get_received() if e["name"] == "printer_alert"]
    assert alerts and alerts[0]["args"][0]["status"] == "paper_out"
    failed = [e for e in kiosk.get_received() if e["name"] == "print_failed"]
    assert failed and failed[0]["args"][0]["job_id"] == job_id and failed[0]["args"][0]["error_kind"] == "paper_out"
    status = api.get(f"/api/v1/print-jobs/{job_id}", token=k).get_json()
    assert status["status"] == "held" and status["error_kind"] == "paper_out"

    clock.advance(minutes=5)
    assert run_worker(app) == 0  # held jobs wait for staff
    page = api.get("/printers", token=api.tokens["petugas1"]).get_data(as_text=True)
    assert "KERTAS HABIS" in page and "ditahan: kertas habis" in page and "P-001" in page

    printer.paper = PAPER_NEAR_END  # the roll is changed, but a short one
    r = api.post(f"/printers/devices/{api.demo['devices'][0]['id']}/reprint", token=api.tokens["petugas1"])
    assert r.status_code == 302
    assert run_worker(app) == 1
    assert job_row(app, job_id)["status"] == "sent"
    assert state_of(app, api.demo) == "near_end"
    [data] = printer.wait_printed(1)
    assert b"P-001" in data and b"Prioritas: Ibu hamil" in data
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == 1
        db.session.remove()
    manager.disconnect()
    kiosk.disconnect()


def test_two_workers_never_print_the_same_job(any_app, clock, tcp_printer):
    from tests.conftest import seed, tokens
    demo = seed(any_app)
    printer = tcp_printer().start()
    set_printer(any_app, demo, printer.uri, "POS-5890")
    client = any_app.test_client()
    h = {"Authorization": f"Bearer {tokens(demo)['kiosk']}"}
    codes = []
    for i, service in enumerate(["REKAM", "KK", "KIA", "LAHIR", "MATI", "PINDAH", "SUKET", "CETAK"] * 2):
        clock.advance(seconds=4)
        r = client.post(ISSUE, json={"service": service}, headers=h)
        assert r.status_code == 201, r.get_json()
        codes.append(r.get_json()["code"])
    counts = run_threads(3, lambda i: run_worker(any_app), timeout=60)  # a worker that raised fails the test
    assert sum(counts) == 16
    data = printer.wait_printed(16)
    assert len(data) == 16
    for code in codes:
        assert sum(code.encode() in d for d in data) == 1, code
    with any_app.app_context():
        assert set(db.session.scalars(select(PrintJob.status))) == {"sent"}
        assert set(db.session.scalars(select(PrintJob.attempts))) == {1}
        db.session.remove()


def test_stale_claim_is_retried_and_preview_matches_the_ticket(app, api, clock, tcp_printer):
    import zxingcpp
    from PIL import Image

    printer = tcp_printer().start()
    set_printer(app, api.demo, printer.uri, "POS-5890")
    t = api.post(ISSUE, json={"service": "KIA"}, token=api.tokens["kiosk"]).get_json()
    with app.app_context():  # a worker claimed it and died
        job = jobs.claim_next(db.session, now=clock.now(), claimer="worker:dead")
        assert job.id == t["print_job"]["id"]
        db.session.commit()
        db.session.remove()
    assert run_worker(app) == 0  # the lease has not run out
    clock.advance(seconds=61)
    assert run_worker(app) == 1
    assert job_row(app, t["print_job"]["id"])["status"] == "sent"

    r = api.get(f"/printers/preview/{t['id']}.png", token=api.tokens["petugas1"])
    assert r.status_code == 200 and r.mimetype == "image/png"
    img = Image.open(io.BytesIO(r.data))
    assert img.width == 384  # POS-5890: 58 mm, 384 dots
    assert [b.text for b in zxingcpp.read_barcodes(img)] == [t["status_url"]]
    wide = api.get(f"/printers/preview/{t['id']}.png?profile=TM-T20II", token=api.tokens["petugas1"])
    assert Image.open(io.BytesIO(wide.data)).width == 576
    assert api.get(f"/printers/preview/{t['id']}.png?profile=nope", token=api.tokens["petugas1"]).status_code == 400
    assert api.get(f"/printers/preview/{t['id']}.png", token=api.tokens["kiosk"]).status_code == 403
    assert api.get("/printers/preview/999999.png", token=api.tokens["petugas1"]).status_code == 404


def test_office_isolation_on_printer_pages(app, api, clock):
    from queue_service.services.seed import seed_demo
    with app.app_context():
        other = seed_demo(db.session, now=clock.now(), code="KTB", name="Disdukcapil Kota Bekasi")
        db.session.commit()
        db.session.remove()
    other_clerk = next(u["api_token"] for u in other["users"] if u["role"] == "clerk")
    t = api.post(ISSUE, json={"service": "KK"}, token=api.tokens["kiosk"]).get_json()
    job_id = t["print_job"]["id"]
    other_kiosk = next(d["token"] for d in other["devices"] if d["kind"] == "kiosk")
    assert api.get(f"/api/v1/print-jobs/{job_id}", token=other_kiosk).status_code == 404
    assert api.get(f"/printers/preview/{t['id']}.png", token=other_clerk).status_code == 403
    assert api.post(f"/printers/jobs/{job_id}/reprint", token=other_clerk).status_code == 403
    page = api.get("/printers", token=other_clerk).get_data(as_text=True)
    assert "(KTB)" in page and "(BKS)" not in page
