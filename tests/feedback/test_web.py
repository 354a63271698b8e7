"""The feedback feature from outside, through HTTP (CSRF on): the panel on the citizen's status page, the survey
and the complaint form without JavaScript and as JSON, the manager's IKM page and complaints inbox, the LAPOR!
export, the counter tablet; office isolation, clerks, signed-out callers and revoked tablets refused."""
from __future__ import annotations

import re
import threading
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from feedback.models import Complaint, SurveyClaim, SurveyResponse, SurveyTablet
from queue_service.extensions import db
from queue_service.models import Counter, Office, Ticket
from queue_service.services import tickets as tsvc
from queue_service.services.staff import create_user
from tests.conftest import seed
from tests.hardening.conftest import csrf_from

ALL3 = {f"U{i}": "3" for i in range(1, 10)}
NIK = "3201010101900001"


def _ticket(app, clock, *, done=True, counter_no=1) -> str:
    """A ticket of office BKS, served at counter ``counter_no`` (or still waiting); returns its token."""
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        service = next(s for s in office.services if any(c.number == counter_no for c in s.counters))
        counter = next(c for c in office.counters if c.number == counter_no)
        t, _ = tsvc.issue_ticket(db.session, office=office, service=service, now=clock.now())
        db.session.flush()
        if done:
            called, _ = tsvc.call_next(db.session, counter=counter, now=clock.now())
            assert called.id == t.id
            tsvc.finish(db.session, ticket=t, now=clock.now() + timedelta(minutes=3))
        db.session.commit()
        token = t.token
        db.session.remove()
    clock.advance(minutes=5)
    return token


def _finish(app, clock, token):
    with app.app_context():
        t = db.session.scalar(select(Ticket).where(Ticket.token == token))
        counter = db.session.scalar(select(Counter).where(Counter.office_id == t.office_id, Counter.number == 1))
        called, _ = tsvc.call_next(db.session, counter=counter, now=clock.now())
        assert called.id == t.id
        tsvc.finish(db.session, ticket=t, now=clock.now())
        db.session.commit()
        db.session.remove()
    clock.advance(minutes=1)


def _sign_in(app, demo, username, password=None):
    client = app.test_client()
    password = password or next(u["password"] for u in demo["users"] if u["username"] == username)
    csrf = csrf_from(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return client


def _csrf(client, url="/login"):
    return csrf_from(client.get(url).get_data(as_text=True))


def _count(app, model, *where):
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model).where(*where))
        db.session.remove()
    return n


@pytest.fixture
def world(app, clock):
    demo = seed(app)
    with app.app_context():  # a second office with its own manager, for isolation
        from datetime import time
        other = Office(code="TMH", name="Disdukcapil Kota Tomohon", timezone="Asia/Makassar", opens_at=time(8),
                       closes_at=time(15), open_days="12345", priority_prefix="P")
        db.session.add(other)
        db.session.flush()
        create_user(db.session, username="manajer_tmh", password="rahasia-tomohon-1", role="manager",
                    offices=[other], full_name="Manajer Tomohon")
        db.session.commit()
        db.session.remove()
    return demo


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# --------------------------------------------------------------------------- citizen: the panel and the survey

def test_status_page_carries_the_panel_and_reveals_the_survey_only_when_done(app, clock, world):
    client = app.test_client()
    waiting = _ticket(app, clock, done=False)
    html = client.get(f"/t/{waiting}").get_data(as_text=True)
    assert 'id="panel-feedback"' in html and 'src="/static/js/feedback.js"' in html
    assert 'href="/static/css/feedback.css"' in html
    assert re.search(r'<section class="feedback-survey card" id="survey"[^>]*\shidden', html)
    assert 'id="complaint-form"' in html
    assert re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))", html) is None  # no inline scripts
    _finish(app, clock, waiting)
    html = client.get(f"/t/{waiting}").get_data(as_text=True)
    assert re.search(r'<section class="feedback-survey card" id="survey"[^>]*\shidden', html) is None
    assert 'data-state="open"' in html


def test_survey_without_javascript_once_per_ticket(app, clock, world):
    client = app.test_client()
    token = _ticket(app, clock)
    csrf = _csrf(client, f"/t/{token}")
    r = client.post(f"/t/{token}/survei", data={**ALL3, "U7": "4", "age": "30-39", "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/t/{token}#survey")
    page = _text(client.get(f"/t/{token}").get_data(as_text=True))
    assert "Jawaban survei Anda sudah kami terima" in page
    r = client.post(f"/t/{token}/survei", data={**ALL3, "csrf_token": csrf})
    assert r.status_code == 303
    r = client.post(f"/t/{token}/survei", json={"scores": ALL3, "profile": {}}, headers={"X-CSRFToken": csrf})
    assert r.status_code == 409 and "sudah diisi" in r.get_json()["message"]
    assert _count(app, SurveyResponse) == 1 and _count(app, SurveyClaim) == 1
    with app.app_context():
        row = db.session.scalar(select(SurveyResponse))
        assert row.u7 == 4 and row.age == "30-39" and row.channel == "status"
        assert not hasattr(row, "ticket_id")
        db.session.remove()


def test_survey_bad_input_is_refused_with_messages_and_nothing_stored(app, clock, world):
    client = app.test_client()
    token = _ticket(app, clock)
    csrf = _csrf(client, f"/t/{token}")
    r = client.post(f"/t/{token}/survei", data={**{k: v for k, v in ALL3.items() if k != "U5"}, "U2": "7",
                                                 "gender": "X", "csrf_token": csrf})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Pilih salah satu jawaban." in html and "pilihan 1 sampai 4" in html
    assert "Pilihan ini tidak dikenal" in html
    r = client.post(f"/t/{token}/survei", json={"scores": {**ALL3, "U1": 0}, "profile": {"nik": NIK}},
                    headers={"X-CSRFToken": csrf})
    body = r.get_json()
    assert r.status_code == 422 and set(body["errors"]) == {"U1", "nik"}
    r = client.post(f"/t/{token}/survei", data="[1,2]", content_type="application/json",
                    headers={"X-CSRFToken": csrf})
    assert r.status_code == 400 and r.get_json()["message"]
    r = client.post(f"/t/{token}/survei", data=ALL3)  # no CSRF token
    assert r.status_code == 400
    assert _count(app, SurveyResponse) == 0 and _count(app, SurveyClaim) == 0


def test_survey_is_not_open_before_the_ticket_is_done(app, clock, world):
    client = app.test_client()
    token = _ticket(app, clock, done=False)
    csrf = _csrf(client, f"/t/{token}")
    r = client.post(f"/t/{token}/survei", json={"scores": ALL3, "profile": {}}, headers={"X-CSRFToken": csrf})
    assert r.status_code == 409 and "setelah Anda selesai dilayani" in r.get_json()["message"]
    r = client.post(f"/t/{token}/survei", data={**ALL3, "csrf_token": csrf})
    assert r.status_code == 409 and "setelah Anda selesai dilayani" in r.get_data(as_text=True)
    assert client.post("/t/tidak-ada-tiket-ini/survei", data={**ALL3, "csrf_token": csrf}).status_code == 404
    assert _count(app, SurveyResponse) == 0


def test_concurrent_surveys_for_one_ticket_store_one(any_app, clock):
    app = any_app
    seed(app)
    token = _ticket(app, clock)
    results = []
    barrier = threading.Barrier(4)

    def send():
        client = app.test_client()
        csrf = _csrf(client, f"/t/{token}")
        barrier.wait()
        r = client.post(f"/t/{token}/survei", json={"scores": ALL3, "profile": {}}, headers={"X-CSRFToken": csrf})
        results.append(r.status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [201, 409, 409, 409], results
    assert _count(app, SurveyResponse) == 1 and _count(app, SurveyClaim) == 1


# --------------------------------------------------------------------------- citizen: complaints

def _send(client, token, csrf, **data):
    body = {"kind": "pengaduan", "category": "antrean", "text": "Antrean lama sekali.", "contact": "",
            "csrf_token": csrf}
    body.update(data)
    return client.post(f"/t/{token}/pengaduan", data=body)


def test_complaint_form_masks_a_nik_and_shows_on_the_status_page(app, clock, world):
    client = app.test_client()
    token = _ticket(app, clock)
    csrf = _csrf(client, f"/t/{token}")
    r = _send(client, token, csrf, text=f"NIK saya {NIK} belum jadi KTP-nya", contact="0812 3456 7890")
    assert r.status_code == 201
    html = r.get_data(as_text=True)
    own = re.search(r'<a href="(https?://[^"]+/pengaduan/[^"]+)"', html).group(1)
    assert "BKS-" in _text(html) and "ganti dengan bintang" in _text(html)
    with app.app_context():
        c = db.session.scalar(select(Complaint))
        assert NIK not in c.text and "*" * 16 in c.text and c.nik_masked == 1
        assert c.contact_value == "+6281234567890"
        db.session.remove()
    page = _text(client.get(f"/t/{token}").get_data(as_text=True))
    assert "Belum dijawab" in page and NIK not in page
    public = client.get(own.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert public.status_code == 200 and NIK not in public.get_data(as_text=True)


def test_complaint_bad_input_is_refused_with_messages(app, clock, world):
    client = app.test_client()
    token = _ticket(app, clock)
    csrf = _csrf(client, f"/t/{token}")
    r = _send(client, token, csrf, kind="", category="rahasia", text="  ", contact="bukan kontak")
    assert r.status_code == 422
    page = _text(r.get_data(as_text=True))
    assert "Bagian ini wajib diisi." in page and "Pilih salah satu pilihan yang tersedia." in page
    assert "Tulis nomor HP Indonesia" in page
    r = _send(client, token, csrf, text="x" * 2001)
    assert r.status_code == 422 and "paling banyak 2000 karakter" in _text(r.get_data(as_text=True))
    r = client.post(f"/t/{token}/pengaduan", json={"kind": "saran", "category": "sarana", "text": "a\u202eb"},
                    headers={"X-CSRFToken": csrf})
    assert r.status_code == 422 and "text" in r.get_json()["errors"]
    assert _count(app, Complaint) == 0


def test_complaints_are_rate_limited_per_ticket(app, clock, world):
    client = app.test_client()
    token = _ticket(app, clock)
    csrf = _csrf(client, f"/t/{token}")
    for _ in range(3):
        assert _send(client, token, csrf).status_code == 201
    r = _send(client, token, csrf)
    assert r.status_code == 429 and "Terlalu banyak pesan" in r.get_data(as_text=True)
    assert _count(app, Complaint) == 3


def test_complaints_are_rate_limited_per_address_across_tickets(app, clock, world):
    """One phone (one address) sending about many tickets: the address limit holds across them, over HTTP; another
    address is not affected; nothing over the limit is stored."""
    from feedback.services.complaints import ADDRESS_LIMIT
    phone = app.test_client()
    sent = 0
    for _ in range(ADDRESS_LIMIT.count):
        token = _ticket(app, clock)
        assert _send(phone, token, _csrf(phone, f"/t/{token}")).status_code == 201
        sent += 1
    token = _ticket(app, clock)
    r = _send(phone, token, _csrf(phone, f"/t/{token}"))
    assert r.status_code == 429 and "Terlalu banyak pesan" in r.get_data(as_text=True)
    assert _count(app, Complaint) == sent
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert _send(other, token, _csrf(other, f"/t/{token}")).status_code == 201
    assert _count(app, Complaint) == sent + 1


# --------------------------------------------------------------------------- manager

def _complaint_id(app):
    with app.app_context():
        cid = db.session.scalar(select(Complaint.id))
        db.session.remove()
    return cid


def test_manager_answers_and_the_citizen_sees_it(app, clock, world):
    citizen = app.test_client()
    token = _ticket(app, clock)
    assert _send(citizen, token, _csrf(citizen, f"/t/{token}"), text="Petugas loket 1 tidak ramah.",
                 category="petugas").status_code == 201
    cid = _complaint_id(app)
    manager = _sign_in(app, world, "manajer")
    inbox = manager.get("/manager/BKS/pengaduan?state=open")
    assert inbox.status_code == 200 and f"/manager/BKS/pengaduan/{cid}" in inbox.get_data(as_text=True)
    csrf = _csrf(manager, f"/manager/BKS/pengaduan/{cid}")
    clerk_id = next(u["id"] for u in world["users"] if u["username"] == "petugas1")
    r = manager.post(f"/manager/BKS/pengaduan/{cid}/assign", data={"assignee": clerk_id, "csrf_token": csrf})
    assert r.status_code == 303
    r = manager.post(f"/manager/BKS/pengaduan/{cid}/close", data={"csrf_token": csrf})
    assert r.status_code == 409 and "setelah dijawab" in _text(r.get_data(as_text=True))
    r = manager.post(f"/manager/BKS/pengaduan/{cid}/answer", data={"answer": "  ", "csrf_token": csrf})
    assert r.status_code == 422 and "wajib diisi" in r.get_data(as_text=True)
    r = manager.post(f"/manager/BKS/pengaduan/{cid}/answer",
                     data={"answer": "Mohon maaf, petugas sudah kami tegur.", "csrf_token": csrf})
    assert r.status_code == 303
    page = _text(citizen.get(f"/t/{token}").get_data(as_text=True))
    assert "Mohon maaf, petugas sudah kami tegur." in page and "Jawaban kantor" in page
    r = manager.post(f"/manager/BKS/pengaduan/{cid}/close", data={"csrf_token": csrf})
    assert r.status_code == 303
    detail = _text(manager.get(f"/manager/BKS/pengaduan/{cid}").get_data(as_text=True))
    assert "Selesai" in detail and "tepat waktu" in detail
    csv = manager.get("/manager/BKS/pengaduan.csv?period=2026-01")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert text.startswith("\ufeff") and "Petugas loket 1 tidak ramah." in text and "+62" not in text


def test_ikm_page_shows_index_grade_and_sample(app, clock, world):
    citizen = app.test_client()
    for scores in (ALL3, {**ALL3, "U9": "1"}):
        token = _ticket(app, clock)
        csrf = _csrf(citizen, f"/t/{token}")
        assert citizen.post(f"/t/{token}/survei", data={**scores, "csrf_token": csrf}).status_code == 303
    manager = _sign_in(app, world, "manajer")
    r = manager.get("/manager/BKS/ikm?period=2026-01")
    assert r.status_code == 200
    page = _text(r.get_data(as_text=True))
    # NRR: U1..U8 3.0, U9 2.0 -> sum 26 / 9 x 25 = 72.22 -> C Kurang Baik; weakest U9
    assert "Nilai IKM 72,22 Mutu pelayanan C — Kurang Baik Responden 2" in page
    assert "Unsur terlemah Sarana dan Prasarana" in page
    assert "Warga terlayani 2 Sampel minimal (Krejcie-Morgan) 2 tercapai" in page  # 2 served: all 2 needed
    assert '<svg class="chart ikm-chart"' in r.get_data(as_text=True)
    assert manager.get("/manager/BKS/ikm?period=2026-13").status_code == 400


def test_manager_settings_validate_and_change_the_target(app, clock, world):
    manager = _sign_in(app, world, "manajer")
    csrf = _csrf(manager, "/manager/BKS/feedback/pengaturan")
    r = manager.post("/manager/BKS/feedback/pengaturan", data={"target_days": "0", "contact_keep_days": "x",
                                                               "lapor_instansi": "", "csrf_token": csrf})
    assert r.status_code == 422 and "bilangan bulat 1 sampai 365" in r.get_data(as_text=True)
    r = manager.post("/manager/BKS/feedback/pengaturan", data={"target_days": "5", "contact_keep_days": "10",
                                                               "lapor_instansi": "Pemkab Bekasi", "csrf_token": csrf})
    assert r.status_code == 303
    assert "5 hari" in _text(manager.get("/manager/BKS/pengaduan").get_data(as_text=True))


@pytest.mark.parametrize("path", ["/manager/BKS/ikm", "/manager/BKS/pengaduan", "/manager/BKS/pengaduan/{cid}",
                                  "/manager/BKS/pengaduan.csv", "/manager/BKS/feedback/pengaturan",
                                  "/manager/BKS/feedback/tablet"])
def test_manager_pages_refuse_other_office_clerks_and_strangers(app, clock, world, path):
    citizen = app.test_client()
    token = _ticket(app, clock)
    _send(citizen, token, _csrf(citizen, f"/t/{token}"))
    path = path.format(cid=_complaint_id(app))
    assert _sign_in(app, world, "manajer_tmh", "rahasia-tomohon-1").get(path).status_code == 403
    assert _sign_in(app, world, "petugas1").get(path).status_code == 403
    r = app.test_client().get(path)
    assert r.status_code == 302 and "/login?next=" in r.headers["Location"]
    assert _sign_in(app, world, "manajer").get(path).status_code == 200


def test_commands_refuse_other_office_and_change_nothing(app, clock, world):
    citizen = app.test_client()
    token = _ticket(app, clock)
    _send(citizen, token, _csrf(citizen, f"/t/{token}"))
    cid = _complaint_id(app)
    other = _sign_in(app, world, "manajer_tmh", "rahasia-tomohon-1")
    csrf = _csrf(other, "/manager/TMH/ikm")
    for action in ("assign", "answer", "close"):
        r = other.post(f"/manager/BKS/pengaduan/{cid}/{action}", data={"answer": "x", "csrf_token": csrf})
        assert r.status_code == 403
    # the other office's own URL does not reach a BKS complaint either
    assert other.post(f"/manager/TMH/pengaduan/{cid}/answer", data={"answer": "x", "csrf_token": csrf}).status_code == 404
    with app.app_context():
        c = db.session.get(Complaint, cid)
        assert c.answer is None and c.state == "baru"
        db.session.remove()


# --------------------------------------------------------------------------- the counter tablet

def test_paired_tablet_offers_the_survey_of_its_counter_then_revoked_is_refused(app, clock, world):
    manager = _sign_in(app, world, "manajer")
    csrf = _csrf(manager, "/manager/BKS/feedback/tablet")
    with app.app_context():
        counter1 = db.session.scalar(select(Counter.id).join(Office).where(Office.code == "BKS", Counter.number == 1))
        db.session.remove()
    r = manager.post("/manager/BKS/feedback/tablet", data={"counter": counter1, "name": "Tablet 1", "csrf_token": csrf})
    link = re.search(r'id="pair-link">([^<]+)<', r.get_data(as_text=True)).group(1)
    tablet = app.test_client()
    r = tablet.get(unescape(link).split("antrean.example.go.id", 1)[-1].replace("http://localhost", ""))
    assert r.status_code == 302
    page = _text(tablet.get("/survei-tablet").get_data(as_text=True))
    assert "Terima kasih telah datang" in page
    assert tablet.get("/survei-tablet/state").get_json() == {"ticket": None}
    token = _ticket(app, clock, counter_no=1)
    state = tablet.get("/survei-tablet/state").get_json()
    assert state["ticket"] is not None
    html = tablet.get("/survei-tablet").get_data(as_text=True)
    assert 'id="tablet-form"' in html
    tcsrf = csrf_from(html)
    r = tablet.post("/survei-tablet/survei", data={**ALL3, "ticket_id": state["ticket"]["id"], "csrf_token": tcsrf})
    assert r.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(SurveyResponse.channel)) == "tablet"
        db.session.remove()
    # the same ticket cannot answer again on its status page
    citizen = app.test_client()
    r = citizen.post(f"/t/{token}/survei", json={"scores": ALL3, "profile": {}},
                     headers={"X-CSRFToken": _csrf(citizen, f"/t/{token}")})
    assert r.status_code == 409
    # revoked: the tablet's pages refuse it at once
    with app.app_context():
        tid = db.session.scalar(select(SurveyTablet.id))
        db.session.remove()
    assert manager.post("/manager/BKS/feedback/tablet", data={"revoke": tid, "csrf_token": csrf}).status_code == 303
    assert tablet.get("/survei-tablet").status_code == 403
    assert tablet.get("/survei-tablet/state").status_code == 403
    assert tablet.post("/survei-tablet/survei", data={**ALL3, "csrf_token": tcsrf}).status_code == 403
    assert app.test_client().get("/survei-tablet/pair?token=svt_salah").status_code == 403


def test_clerk_tablet_mode_for_own_office_only(app, clock, world):
    with app.app_context():
        counter1 = db.session.scalar(select(Counter.id).join(Office).where(Office.code == "BKS", Counter.number == 1))
        db.session.remove()
    clerk = _sign_in(app, world, "petugas1")
    assert f"/survei-tablet/loket/{counter1}" in clerk.get("/survei-tablet/loket").get_data(as_text=True)
    assert "/survei-tablet/loket" in clerk.get("/").get_data(as_text=True)  # the start page tile
    token = _ticket(app, clock, counter_no=1)
    html = clerk.get(f"/survei-tablet/loket/{counter1}").get_data(as_text=True)
    assert 'id="tablet-form"' in html
    tid = re.search(r'name="ticket_id" value="(\d+)"', html).group(1)
    r = clerk.post(f"/survei-tablet/loket/{counter1}/survei", data={**ALL3, "U1": "9", "ticket_id": tid,
                                                                    "csrf_token": csrf_from(html)})
    assert r.status_code == 422 and "pilihan 1 sampai 4" in r.get_data(as_text=True)
    assert _count(app, SurveyResponse) == 0
    other = _sign_in(app, world, "manajer_tmh", "rahasia-tomohon-1")
    assert other.get(f"/survei-tablet/loket/{counter1}").status_code == 403
    assert app.test_client().get(f"/survei-tablet/loket/{counter1}").status_code == 302
    assert token


# --------------------------------------------------------------------------- what the feature registers

def test_registered_report_sections_office_counter_and_erase_job(app, clock, world):
    from queue_service import hooks
    registry = hooks.of(app)
    sections = {s.key: s for s in hooks.report_sections(app, "report")}
    assert (sections["ikm"].order, sections["complaints"].order) == (50, 60)
    assert {s.key for s in hooks.report_sections(app, "figures")} >= {"ikm", "complaints"}
    job = next(j for j in registry.jobs if j.name == "feedback-erase-contacts")
    assert any(p.key == "feedback" for p in registry.status_panels)
    citizen = app.test_client()
    token = _ticket(app, clock)
    assert _send(citizen, token, _csrf(citizen, f"/t/{token}"), contact="budi@example.com").status_code == 201
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "BKS"))
        day = clock.now().date()
        counts = registry.office_counters["complaints"](db.session, [office.id], day, day)
        assert counts == {office.id: {"received": 1, "answered_on_time": 0, "overdue": 0}}
        c = db.session.scalar(select(Complaint))
        c.state, c.closed_at = "selesai", clock.now()
        db.session.commit()
        db.session.remove()
    with app.app_context():  # the background runner gives each job its own app context
        job.run(app, clock.now() + timedelta(days=29))
        db.session.remove()
    with app.app_context():
        assert db.session.scalar(select(Complaint.contact_value)) == "budi@example.com"
        db.session.remove()
    with app.app_context():
        job.run(app, clock.now() + timedelta(days=31))
        db.session.remove()
    with app.app_context():
        c = db.session.scalar(select(Complaint))
        assert c.contact_value is None and c.contact_erased_at is not None
        db.session.remove()


def test_counter_console_links_to_its_tablet_mode(app, clock, world):
    with app.app_context():
        counter1 = db.session.scalar(select(Counter.id).join(Office).where(Office.code == "BKS", Counter.number == 1))
        db.session.remove()
    html = _sign_in(app, world, "petugas1").get(f"/counter?counter={counter1}").get_data(as_text=True)
    assert f'href="/survei-tablet/loket/{counter1}"' in html


def test_a_skipped_survey_is_not_offered_again_on_that_tablet(app, clock, world):
    manager = _sign_in(app, world, "manajer")
    csrf = _csrf(manager, "/manager/BKS/feedback/tablet")
    with app.app_context():
        counter1 = db.session.scalar(select(Counter.id).join(Office).where(Office.code == "BKS", Counter.number == 1))
        db.session.remove()
    r = manager.post("/manager/BKS/feedback/tablet", data={"counter": counter1, "name": "", "csrf_token": csrf})
    link = unescape(re.search(r'id="pair-link">([^<]+)<', r.get_data(as_text=True)).group(1))
    tablet = app.test_client()
    assert tablet.get("/survei-tablet/pair?" + link.split("?", 1)[1]).status_code == 302
    _ticket(app, clock, counter_no=1)
    html = tablet.get("/survei-tablet").get_data(as_text=True)
    tid = re.search(r'name="ticket_id" value="(\d+)"', html).group(1)
    r = tablet.post("/survei-tablet/lewati", data={"ticket_id": tid, "csrf_token": csrf_from(html)})
    assert r.status_code == 303
    assert tablet.get("/survei-tablet/state").get_json() == {"ticket": None}
    assert 'id="tablet-form"' not in tablet.get("/survei-tablet").get_data(as_text=True)
    assert _count(app, SurveyResponse) == 0
