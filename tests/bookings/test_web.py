"""The booking pages and API through the test client: the happy path, and bad input -> a 4xx with a
message a person understands (never a 500), rate limits, abuse limits, office isolation."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bookings.models import Booking
from queue_service.extensions import db
from queue_service.models import Office
from queue_service.services.seed import seed_demo
from tests.bookings.conftest import MONDAY_0800_WIB, booking_app, enable, seed
from tests.conftest import Api, tokens

TUESDAY = "2026-01-06"


@pytest.fixture
def app(tmp_path, clock):
    app = booking_app(tmp_path, clock, WTF_CSRF_ENABLED=False, BOOKING_LIMIT_PER_PHONE=2,
                      BOOKING_LIMIT_PER_ADDRESS=4)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def world(app):
    data = seed(app)
    with app.app_context():
        office = db.session.scalar(select(Office))
        for code in ("KK", "CETAK"):
            enable(db.session, next(s for s in office.services if s.code == code), capacity=2, walkin_share=0.0)
        other = seed_demo(db.session, now=MONDAY_0800_WIB, code="KTB", name="Disdukcapil Kota Bekasi")
        db.session.commit()
    api = Api(app.test_client())
    api.tokens = {**tokens(data), **{f"other_{k}": v for k, v in tokens(other).items()}}
    return api


def _errors(html: str) -> list[str]:
    return re.findall(r'class="field-error" id="[^"]+">([^<]+)<', html) + re.findall(
        r'id="form-error"><p>([^<]+)<', html)


def test_booking_by_form_and_its_page(world):
    c = world.client
    r = c.post(f"/book/BKS/KK/{TUESDAY}", data={"slot": "09:00", "phone": "", "consent": ""})
    assert r.status_code == 303 and r.headers["Location"].startswith("/b/")
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "Selasa, 06 Januari 2026" in page and "09:00–10:00 WIB" in page
    assert "NIK" not in page and "+62" not in page


@pytest.mark.parametrize("form,status,message", [
    ({}, 400, "Pilih salah satu jam."),
    ({"slot": "07:00"}, 400, "Jam itu tidak ada pada tanggal ini"),
    ({"slot": "09:00", "phone": "021-555-0123", "consent": "yes"}, 400, "Nomor HP tidak valid"),
    ({"slot": "09:00", "phone": "0812-3456-7890"}, 400, "Centang persetujuan"),
    ({"slot": "<script>"}, 400, "Jam itu tidak ada"),
])
def test_bad_form_input_is_explained_next_to_its_field(world, form, status, message):
    r = world.client.post(f"/book/BKS/KK/{TUESDAY}", data=form)
    assert r.status_code == status
    assert any(message in e for e in _errors(r.get_data(as_text=True))), _errors(r.get_data(as_text=True))
    with world.client.application.app_context():
        assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_a_full_slot_is_refused_and_the_page_offers_other_times(world):
    c = world.client
    for _ in range(2):
        assert c.post(f"/book/BKS/KK/{TUESDAY}", data={"slot": "09:00"}).status_code == 303
    r = c.post(f"/book/BKS/KK/{TUESDAY}", data={"slot": "09:00"})
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert any("baru saja penuh" in e for e in _errors(html))
    assert 'value="09:00" disabled' in html and 'value="10:00"' in html


@pytest.mark.parametrize("path", ["/book/XXX", "/book/BKS/NOPE", "/book/BKS/REKAM", f"/book/BKS/KK/2026-13-01",
                                  "/book/BKS/KK/yesterday", "/b/not-a-token", "/b/" + "x" * 22, "/r/whatever",
                                  "/antre/XXX"])
def test_unknown_things_are_404_pages(world, path):
    r = world.client.get(path)
    assert r.status_code == 404
    assert "Halaman tidak ditemukan" in r.get_data(as_text=True)


def test_closed_and_past_days_say_why(world):
    html = world.client.get("/book/BKS/KK/2026-01-10").get_data(as_text=True)  # Saturday
    assert "Kantor tidak melayani pada hari ini" in html
    html = world.client.get("/book/BKS/KK/2026-01-02").get_data(as_text=True)
    assert "Tanggal sudah lewat" in html


def test_phone_limits_refuse_with_a_visible_reason(world):
    c = world.client
    for slot in ("09:00", "10:00"):
        assert c.post(f"/book/BKS/KK/{TUESDAY}", data={"slot": slot, "phone": "0812-3456-7890",
                                                        "consent": "yes"}).status_code == 303
    r = c.post(f"/book/BKS/KK/{TUESDAY}", data={"slot": "11:00", "phone": "+62 812 3456 7890", "consent": "yes"})
    assert r.status_code == 429
    assert any("Nomor ini sudah dipakai untuk 2 booking hari ini" in e for e in _errors(r.get_data(as_text=True)))


def test_address_limit_refuses_with_a_visible_reason(world):
    c = world.client
    for slot in ("09:00", "10:00", "11:00", "12:00"):
        assert c.post(f"/book/BKS/KK/{TUESDAY}", data={"slot": slot}).status_code == 303
    r = c.post(f"/book/BKS/KK/{TUESDAY}", data={"slot": "13:00"})
    assert r.status_code == 429
    assert any("Batas booking dari jaringan ini" in e for e in _errors(r.get_data(as_text=True)))


def test_public_endpoints_are_rate_limited(tmp_path, clock):
    app = booking_app(tmp_path, clock, WTF_CSRF_ENABLED=False, BOOKING_RATE_LIMIT="5 per minute")
    seed(app)
    c = app.test_client()
    codes = [c.get("/api/v1/offices/BKS/bookings/availability?service=KK").status_code for _ in range(7)]
    assert codes[-1] == 429, codes
    r = c.get("/api/v1/offices/BKS/bookings/availability?service=KK")
    assert r.status_code == 429 and "wait a minute" in r.get_json()["message"]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_api_book_cancel_move_and_checkin(world):
    api, t = world, world.tokens
    r = api.post("/api/v1/offices/BKS/bookings", {"service": "KK", "date": TUESDAY, "slot": "09:00",
                                                  "phone": "0812 3456 7890", "consent": True}, token=t["manajer"])
    assert r.status_code == 201, r.get_json()
    b = r.get_json()
    assert b["status"] == "booked" and b["reminders"] is True and "phone" not in b
    code = b["code"]
    assert api.get(f"/api/v1/offices/BKS/bookings/{code}", token=t["petugas1"]).status_code == 200
    r = api.post(f"/api/v1/offices/BKS/bookings/{code}/move", {"date": TUESDAY, "slot": "10:00"}, token=t["petugas1"])
    assert r.status_code == 200 and r.get_json()["slot"] == "10:00"
    r = api.post(f"/api/v1/offices/BKS/bookings/{code}/checkin", token=t["petugas1"])
    assert r.status_code == 200 and r.get_json()["outcome"] == "wrong_day"  # the clock says Monday
    r = api.post(f"/api/v1/offices/BKS/bookings/{code}/cancel", token=t["manajer"])
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    r = api.post(f"/api/v1/offices/BKS/bookings/{code}/cancel", token=t["manajer"])
    assert r.status_code == 409 and r.get_json()["error"] == "conflict"


@pytest.mark.parametrize("body,status", [
    ({"service": "KK", "date": "2026-02-30", "slot": "09:00"}, 400),
    ({"service": "KK", "date": TUESDAY}, 400),
    ({"service": "KK", "date": TUESDAY, "slot": 9}, 400),
    ({"service": "REKAM", "date": TUESDAY, "slot": "09:00"}, 404),
    ({"service": "KK", "date": "2026-01-10", "slot": "09:00"}, 409),
    ({"service": "KK", "date": TUESDAY, "slot": "09:00", "phone": "12"}, 400),
    ({"service": "KK", "date": TUESDAY, "slot": "09:00", "consent": "yes"}, 400),
])
def test_api_bad_input_is_a_4xx_with_a_message(world, body, status):
    r = world.post("/api/v1/offices/BKS/bookings", body, token=world.tokens["manajer"])
    assert r.status_code == status, r.get_json()
    assert r.get_json()["message"]


def test_api_is_office_isolated(world):
    t = world.tokens
    r = world.post("/api/v1/offices/BKS/bookings", {"service": "KK", "date": TUESDAY, "slot": "09:00"},
                   token=t["manajer"])
    code = r.get_json()["code"]
    assert world.post("/api/v1/offices/BKS/bookings", {"service": "KK", "date": TUESDAY, "slot": "09:00"},
                      token=t["other_manajer.ktb"]).status_code == 403
    assert world.get(f"/api/v1/offices/BKS/bookings/{code}", token=t["other_petugas1.ktb"]).status_code == 403
    assert world.get(f"/api/v1/offices/KTB/bookings/{code}", token=t["other_petugas1.ktb"]).status_code == 404
    assert world.post(f"/api/v1/offices/BKS/bookings/{code}/cancel", token=t["kiosk"]).status_code == 403
    assert world.post(f"/api/v1/offices/BKS/bookings/{code}/cancel").status_code in (400, 401)


def test_kiosk_checkin_endpoint(world):
    t = world.tokens
    r = world.post("/api/v1/offices/BKS/bookings", {"service": "KK", "date": "2026-01-05", "slot": "08:00"},
                   token=t["manajer"])
    assert r.status_code == 409  # 08:00 today: the slot has begun (cut-off)
    r = world.post("/api/v1/offices/BKS/bookings", {"service": "KK", "date": "2026-01-05", "slot": "10:00"},
                   token=t["manajer"])
    code = r.get_json()["code"]
    r = world.post("/api/v1/kiosk/checkin", {"code": code}, token=t["kiosk"])
    assert r.status_code == 200 and r.get_json()["outcome"] == "early"
    assert r.get_json()["come_back_at"] == "09:30 WIB"
    assert world.post("/api/v1/kiosk/checkin", {"code": code}, token=t["other_kiosk"]).status_code == 404
    assert world.post("/api/v1/kiosk/checkin", {"code": "nonsense"}, token=t["kiosk"]).status_code == 400
    assert world.post("/api/v1/kiosk/checkin", {"code": code}, token=t["manajer"]).status_code == 403
    assert world.post("/api/v1/kiosk/checkin", {}, token=t["kiosk"]).status_code == 400


def test_openapi_documents_the_booking_endpoints(world):
    paths = world.get("/api/v1/openapi.json").get_json()["paths"]
    for p in ("/api/v1/offices/{office_code}/bookings/availability", "/api/v1/offices/{office_code}/bookings",
              "/api/v1/offices/{office_code}/bookings/{booking_code}/cancel",
              "/api/v1/offices/{office_code}/bookings/{booking_code}/move",
              "/api/v1/offices/{office_code}/bookings/{booking_code}/checkin"):
        assert p in paths, p


def test_settings_edited_outside_the_form_close_bookings_instead_of_breaking_pages(world):
    from bookings.models import BookingService
    with world.client.application.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        kk = next(s for s in office.services if s.code == "KK")
        db.session.get(BookingService, kk.id).daily_cap = 10**6  # beyond what the form allows
        db.session.commit()
    assert world.client.get("/book/BKS/KK").status_code == 404
    assert "Kartu Keluarga" not in world.client.get("/book/BKS").get_data(as_text=True)
    r = world.post("/api/v1/offices/BKS/bookings", {"service": "KK", "date": TUESDAY, "slot": "09:00"},
                   token=world.tokens["manajer"])
    assert r.status_code == 404
