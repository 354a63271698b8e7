"""Kiosk: pairing, issuing through the kiosk rules (double press, throttle, hours, quota), the
page's states, the QR image."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from queue_service.extensions import db
from queue_service.models import Device, Service, Ticket
from tests.plugins.threads import run_threads

ISSUE = "/api/v1/offices/BKS/tickets"


def paired_client(app, token):
    client = app.test_client()
    r = client.get(f"/kiosk/pair?token={token}")
    assert r.status_code == 302 and r.headers["Location"].endswith("/kiosk")
    return client


def csrf_of(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def test_pairing_sets_a_safe_cookie_and_wrong_tokens_get_a_friendly_page(app, api):
    client = app.test_client()
    r = client.get("/kiosk")
    assert r.status_code == 401 and "belum dipasangkan" in r.get_data(as_text=True)

    r = client.get(f"/kiosk/pair?token={api.tokens['kiosk']}")
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("adminduk_device=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/kiosk")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Pencetakan KTP-el" in html and "Antrean prioritas" in html
    assert "<script>" not in html and "onclick" not in html and 'style="' not in html

    for bad in ("nope", api.tokens["display"], api.tokens["petugas1"], "x" * 300):
        r = app.test_client().get("/kiosk/pair", query_string={"token": bad})
        assert r.status_code == 403
        assert "tidak dapat dipasangkan" in r.get_data(as_text=True)
        assert "Set-Cookie" not in r.headers or "adminduk_device" not in r.headers.get("Set-Cookie", "")

    with app.app_context():  # a revoked kiosk token no longer pairs nor works from the cookie
        from datetime import datetime, timezone
        device = db.session.get(Device, api.demo["devices"][0]["id"])
        device.revoked_at = datetime.now(timezone.utc)
        db.session.commit()
    assert app.test_client().get(f"/kiosk/pair?token={api.tokens['kiosk']}").status_code == 403
    assert client.get("/kiosk").status_code == 401

    # English toggle
    client2 = app.test_client()
    with app.app_context():
        device = db.session.get(Device, api.demo["devices"][0]["id"])
        device.revoked_at = None
        db.session.commit()
    paired = paired_client(app, api.tokens["kiosk"])
    html = paired.get("/kiosk?lang=en").get_data(as_text=True)
    assert "e-KTP printing" in html and 'lang="en"' in html
    del client2


def test_press_from_the_page_with_csrf_double_press_and_print_job(app, api, clock):
    client = paired_client(app, api.tokens["kiosk"])
    token = csrf_of(client.get("/kiosk").get_data(as_text=True))
    assert client.post(ISSUE, json={"service": "KK"}).status_code == 400  # no CSRF token: refused

    h = {"X-CSRFToken": token}
    first = client.post(ISSUE, json={"service": "KK"}, headers=h)
    assert first.status_code == 201, first.get_json()
    t1 = first.get_json()
    assert t1["code"] == "C-001" and t1["duplicate"] is False
    assert t1["print_job"]["status"] == "queued" and t1["print_job"]["id"]
    assert t1["qr"] == f"/kiosk/qr/{t1['token']}.png"
    assert t1["status_url"] == f"https://antrean.example.go.id/t/{t1['token']}"

    again = client.post(ISSUE, json={"service": "KK"}, headers=h)
    assert again.status_code == 200
    assert again.get_json()["id"] == t1["id"] and again.get_json()["duplicate"] is True
    assert again.get_json()["print_job"]["id"] == t1["print_job"]["id"]
    # what the kiosk screen says instead of "take your ticket": nothing new was printed (in its language)
    assert again.get_json()["message"].startswith("Tombol ini baru saja ditekan: tiket C-001 sudah dibuat")
    assert "message" not in t1

    # another priority group or another service is a new ticket; so is the same press later
    prio = client.post(ISSUE, json={"service": "KK", "priority": "lansia"}, headers=h).get_json()
    assert prio["id"] != t1["id"] and prio["code"] == "P-001"
    clock.advance(seconds=app.config["KIOSK_DOUBLE_PRESS_SECONDS"] + 1)
    later = client.post(ISSUE, json={"service": "KK"}, headers=h)
    assert later.status_code == 201 and later.get_json()["code"] == "C-002"

    # the kiosk page follows its print job
    job = client.get(f"/api/v1/print-jobs/{t1['print_job']['id']}").get_json()
    assert job["status"] == "queued" and job["code"] == "C-001"
    # staff API issuing is unchanged: no kiosk rules, no print job
    staff = api.post(ISSUE, json={"service": "KK"}, token=api.tokens["petugas1"])
    assert staff.status_code == 201 and "print_job" not in staff.get_json()


def test_two_concurrent_presses_get_the_same_ticket(any_app, clock):
    from tests.conftest import seed, tokens
    data = seed(any_app)
    token = tokens(data)["kiosk"]

    def press(_):
        r = any_app.test_client().post(ISSUE, json={"service": "REKAM"}, headers={"Authorization": f"Bearer {token}"})
        return r.status_code, r.get_json()

    results = run_threads(4, press, timeout=30)  # released together by a barrier; a press that raised fails
    assert sorted(s for s, _ in results) == [200, 200, 200, 201], results
    assert len({body["id"] for _, body in results}) == 1
    with any_app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == 1
        from printjobs.models import PrintJob
        assert db.session.scalar(select(func.count(PrintJob.id))) == 1
        db.session.remove()


def test_throttle_gives_a_friendly_message(app, api, clock):
    app.config["KIOSK_TICKETS_PER_MINUTE"] = 3
    k = api.tokens["kiosk"]
    for code in ("REKAM", "KK", "KIA"):
        assert api.post(ISSUE, json={"service": code}, token=k).status_code == 201
    r = api.post(ISSUE, json={"service": "MATI"}, token=k)
    assert r.status_code == 429
    assert r.get_json()["error"] == "too_many_requests" and "wait" in r.get_json()["message"]
    # a double press is still answered with the ticket it already has
    assert api.post(ISSUE, json={"service": "KIA"}, token=k).status_code == 200
    clock.advance(seconds=61)
    assert api.post(ISSUE, json={"service": "MATI"}, token=k).status_code == 201
    # the page carries the friendly text for the 429
    html = paired_client(app, k).get("/kiosk").get_data(as_text=True)
    assert "terlalu banyak tiket dari kiosk ini" in html


def test_quota_reached_offers_suket_and_closed_service_says_so(app, api, clock):
    with app.app_context():
        cetak = db.session.scalar(select(Service).where(Service.code == "CETAK"))
        cetak.daily_quota = 1
        kia = db.session.scalar(select(Service).where(Service.code == "KIA"))
        kia.active = False
        db.session.commit()
    k = api.tokens["kiosk"]
    assert api.post(ISSUE, json={"service": "CETAK"}, token=k).status_code == 201
    clock.advance(seconds=5)
    r = api.post(ISSUE, json={"service": "CETAK"}, token=k)
    assert r.status_code == 409 and r.get_json()["error"] == "quota_reached"

    state = api.get("/api/v1/kiosk/state", token=k).get_json()
    by = {s["code"]: s for s in state["services"]}
    assert by["CETAK"]["state"] == "quota" and by["CETAK"]["left"] == 0
    assert by["CETAK"]["fallback"]["code"] == "SUKET"
    assert by["KIA"]["state"] == "closed" and by["KIA"]["fallback"] is None
    assert by["REKAM"]["state"] == "open" and by["REKAM"]["left"] is None

    html = paired_client(app, k).get("/kiosk").get_data(as_text=True)
    item = html[html.index('data-service="CETAK"'):]
    item = item[:item.index("</li>")]
    assert 'data-state="quota"' in item and "Blangko habis hari ini" in item
    assert 'class="fallback" data-service="SUKET"' in item and "Ambil antrean Surat Keterangan (Suket)" in item
    kia_item = html[html.index('data-service="KIA"'):]
    assert "Layanan ini sedang tutup" in kia_item[:kia_item.index("</li>")]
    # the offered fallback works
    assert api.post(ISSUE, json={"service": "SUKET"}, token=k).status_code == 201


@pytest.mark.parametrize("shift", [dict(hours=8), dict(hours=-1), dict(days=5, hours=2)])  # 16:00, 07:00, Sat
def test_office_closed(app, api, clock, shift):
    clock.advance(**shift)
    k = api.tokens["kiosk"]
    r = api.post(ISSUE, json={"service": "KK"}, token=k)
    assert r.status_code == 409
    assert r.get_json()["error"] == "service_unavailable" and r.get_json()["details"]["reason"] == "office_closed"
    html = paired_client(app, k).get("/kiosk").get_data(as_text=True)
    assert "Kantor sedang tutup" in html and "Senin–Jumat 08:00–15:00 WIB" in html
    assert 'data-state="office_closed"' in html and 'id="priority-open"' not in html
    assert api.get("/api/v1/kiosk/state", token=k).get_json()["open"] is False
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_qr_encodes_the_public_status_url_only(app, api):
    import zxingcpp
    from PIL import Image

    t = api.post(ISSUE, json={"service": "KK", "priority": "lansia"}, token=api.tokens["kiosk"]).get_json()
    r = app.test_client().get(t["qr"])
    assert r.status_code == 200 and r.mimetype == "image/png"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(r.data)))
    assert [f.text for f in found] == [f"https://antrean.example.go.id/t/{t['token']}"]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    svg = app.test_client().get(f"/kiosk/qr/{t['token']}.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<path" in svg.data
    assert app.test_client().get("/kiosk/qr/nope.png").status_code == 404
    assert app.test_client().get(f"/kiosk/qr/{'x' * 100}.png").status_code == 404


def test_kiosk_qr_module_is_pure_and_validates():
    import subprocess
    import sys

    from kiosk.qr import qr_png
    with pytest.raises(ValueError):
        qr_png("")
    code = "import kiosk.qr, kiosk.hours, sys; print(any(m.startswith('flask') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_kiosk_endpoints_are_in_openapi_and_refuse_others(app, api):
    doc = api.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/kiosk/state", "/api/v1/print-jobs/{job_id}", "/api/v1/print-agent/jobs",
                 "/api/v1/print-agent/jobs/{job_id}/claim", "/api/v1/print-agent/jobs/{job_id}/result"):
        assert path in doc["paths"], path
    assert api.get("/api/v1/kiosk/state", token=api.tokens["display"]).status_code == 403
    assert api.get("/api/v1/kiosk/state").status_code == 401
    assert api.get("/api/v1/kiosk/state", token="nope").status_code == 401


def _calendar_entry(app, day, *, open_, note=""):
    from queue_service.models import Office
    from queue_service.services.calendar import set_entry
    from tests.conftest import MONDAY_0800_WIB
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        entry = set_entry(db.session, office, day=day, open=open_, note=note, now=MONDAY_0800_WIB)
        db.session.commit()
        entry_id = entry.id
        db.session.remove()
    return entry_id


def test_the_kiosk_is_closed_on_a_national_holiday_and_says_which(app, api, clock):
    """The kiosk follows the office calendar (issue 14): a weekday national holiday closes it all day."""
    from datetime import date

    from queue_service.domain.calendar import national_holidays
    start = date(2026, 1, 5)  # the test clock's Monday
    day, name = next((d, n) for d, n in sorted(national_holidays(2026).items()) if d > start and d.isoweekday() <= 5)
    clock.advance(days=(day - start).days, hours=1)  # 09:00 WIB on the holiday: inside the usual hours
    k = api.tokens["kiosk"]
    r = api.post(ISSUE, json={"service": "KK"}, token=k)
    assert r.status_code == 409, r.get_data(as_text=True)
    details = r.get_json()["details"]
    assert details["reason"] == "office_closed" and details["closed"] == "holiday"
    html = paired_client(app, k).get("/kiosk").get_data(as_text=True)
    assert "Kantor sedang tutup" in html and f"Libur nasional: {name}" in html
    state = api.get("/api/v1/kiosk/state", token=k).get_json()
    assert state["open"] is False and state["reason"] == "holiday" and state["closed_name"] == name


def test_an_office_closure_closes_the_kiosk_and_an_opened_saturday_opens_it(app, api, clock):
    from datetime import date
    k = api.tokens["kiosk"]
    entry = _calendar_entry(app, date(2026, 1, 5), open_=False, note="Rapat kerja")
    r = api.post(ISSUE, json={"service": "KK"}, token=k)
    assert r.status_code == 409 and r.get_json()["details"]["closed"] == "closure"
    assert "Kantor tutup: Rapat kerja" in paired_client(app, k).get("/kiosk").get_data(as_text=True)
    with app.app_context():
        from queue_service.models import Office
        from queue_service.services.calendar import remove_entry
        remove_entry(db.session, db.session.scalar(select(Office).where(Office.code == "BKS")), entry)
        db.session.commit()
        db.session.remove()
    assert api.post(ISSUE, json={"service": "KK"}, token=k).status_code == 201
    _calendar_entry(app, date(2026, 1, 10), open_=True, note="Layanan Sabtu")
    clock.advance(days=5, hours=1)  # Saturday 09:00 WIB: a service day by the calendar
    assert api.post(ISSUE, json={"service": "KK"}, token=k).status_code == 201
    clock.advance(days=1)  # Sunday: closed as every week
    assert api.post(ISSUE, json={"service": "KK"}, token=k).status_code == 409
