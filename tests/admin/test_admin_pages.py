"""Administration pages through the test client: CRUD of every entity, validation errors shown next
to the field with nothing stored, roles and office isolation, one-time device and API tokens.

Reason: one subject (the administration pages as a browser posts them), sharing the form helpers at the top."""
from __future__ import annotations

import re
from html import unescape

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from queue_service.extensions import db
from queue_service.models import ApiToken, Counter, Device, Office, Service, User
from queue_service.services.security import check_password, token_hash
from tests.admin.conftest import field_error, readonly_value, sign_in
from tests.plugins.servers import require_module


def count(app, model, *where):
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model).where(*where))
        db.session.remove()
    return n


def load(app, model, *where):
    with app.app_context():
        row = db.session.scalars(select(model).where(*where)).one()
        db.session.expunge(row)
        db.session.remove()
    return row


def bks_id(demo):
    return demo["office"]["id"]


def service_id(demo, code):
    return next(s["id"] for s in demo["services"] if s["code"] == code)


# --------------------------------------------------------------------------- offices


OFFICE = {"code": "tmh", "name": "Disdukcapil Kota Tomohon", "timezone": "Asia/Makassar", "opens_at": "07:30",
          "closes_at": "14:00", "open_days": ["1", "2", "3", "4", "5", "6"], "priority_prefix": "p",
          "info_text": "<script>alert(1)</script> Layanan gratis", "ticket_footer": "Terima kasih"}


def test_office_create_validate_edit(admin_app, as_admin):
    c = as_admin
    before = count(admin_app, Office)
    bad = {**OFFICE, "code": "t m", "closes_at": "07:00", "open_days": [], "timezone": "Europe/Berlin"}
    r = c.post("/admin/offices/new", data=bad)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert field_error(html, "timezone")  # not one of WIB/WITA/WIT (WTForms choice check)
    assert count(admin_app, Office) == before

    r = c.post("/admin/offices/new", data={**OFFICE, "closes_at": "07:00"})
    assert r.status_code == 422
    assert field_error(r.get_data(as_text=True), "closes_at") == "Jam tutup harus setelah jam buka."
    r = c.post("/admin/offices/new", data={**OFFICE, "open_days": []})
    assert field_error(r.get_data(as_text=True), "open_days") == "Pilih paling sedikit satu hari buka."
    r = c.post("/admin/offices/new", data={**OFFICE, "code": "BKS"})
    assert field_error(r.get_data(as_text=True), "code") == "Kode kantor BKS sudah dipakai."
    assert count(admin_app, Office) == before

    r = c.post("/admin/offices/new", data=OFFICE)
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/offices/TMH/")
    office = load(admin_app, Office, Office.code == "TMH")
    assert (office.timezone, office.open_days, office.priority_prefix) == ("Asia/Makassar", "123456", "P")
    assert office.opens_at.strftime("%H:%M") == "07:30"
    page = c.get("/admin/offices/TMH/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    # edit: the code is fixed; the priority letter may not clash with a service letter (BKS uses A..H)
    r = c.post("/admin/offices/BKS/edit", data={**OFFICE, "code": "XXX", "name": "Disdukcapil Bekasi",
                                                "priority_prefix": "B"})
    assert r.status_code == 422
    assert field_error(r.get_data(as_text=True), "priority_prefix") == "Huruf B sudah dipakai layanan CETAK."
    assert load(admin_app, Office, Office.code == "BKS").priority_prefix == "P"
    r = c.post("/admin/offices/BKS/edit", data={**OFFICE, "code": "XXX", "name": "Disdukcapil Bekasi",
                                                "priority_prefix": "", "timezone": "Asia/Jakarta"})
    assert r.status_code == 302
    bks = load(admin_app, Office, Office.code == "BKS")
    assert (bks.name, bks.priority_prefix, bks.code) == ("Disdukcapil Bekasi", None, "BKS")


# --------------------------------------------------------------------------- services


def test_service_create_validate_edit_deactivate(admin_app, as_admin, demo):
    c = as_admin
    base = "/admin/offices/BKS/services"
    ok = {"code": "legal", "prefix": "j", "name_id": "Legalisir", "name_en": "Legalisation", "daily_quota": "",
          "priority_policy": "interleave:2", "fallback_service_id": str(service_id(demo, "SUKET")),
          "sort_order": "9", "active": "y"}
    before = count(admin_app, Service)
    cases = [
        ({"prefix": "P"}, "prefix", "Huruf P adalah seri prioritas kantor ini."),
        ({"prefix": "B"}, "prefix", "Awalan B sudah dipakai layanan CETAK."),
        ({"prefix": "J1"}, "prefix", "Awalan nomor: 1–2 huruf besar (A–Z)."),
        ({"code": "KK"}, "code", "Kode layanan KK sudah ada di kantor ini."),
        ({"priority_policy": "interleave:0"}, "priority_policy",
         "Kebijakan prioritas: strict, fifo atau interleave:N (N paling sedikit 1)."),
        ({"daily_quota": "0"}, "daily_quota", "Kuota harian antara 1 dan 100000, atau kosong untuk tanpa kuota."),
        ({"daily_quota": "banyak"}, "daily_quota", "Isi dengan bilangan bulat."),
        ({"name_id": "  "}, "name_id", "Wajib diisi."),
    ]
    for change, field, message in cases:
        r = c.post(f"{base}/new", data={**ok, **change})
        assert r.status_code == 422, change
        assert field_error(r.get_data(as_text=True), field) == message, change
    assert count(admin_app, Service) == before

    r = c.post(f"{base}/new", data=ok)
    assert r.status_code == 302
    s = load(admin_app, Service, Service.code == "LEGAL")
    assert (s.prefix, s.priority_policy, s.daily_quota, s.active, s.sort_order) == ("J", "interleave:2", None, True, 9)
    assert s.fallback_service_id == service_id(demo, "SUKET")
    assert "LEGAL" in c.get(base).get_data(as_text=True)

    # edit: a quota, no fallback, deactivated (services are never deleted)
    r = c.post(f"{base}/{s.id}", data={**ok, "daily_quota": "40", "fallback_service_id": "0",
                                       "priority_policy": " FIFO ", "active": ""})
    assert r.status_code == 302
    s2 = load(admin_app, Service, Service.id == s.id)
    assert (s2.daily_quota, s2.fallback_service_id, s2.priority_policy, s2.active) == (40, None, "fifo", False)
    # a fallback from another office is refused
    r = c.post(f"{base}/{s.id}", data={**ok, "fallback_service_id": "99999"})
    assert r.status_code == 422 and field_error(r.get_data(as_text=True), "fallback_service_id")
    assert c.get(f"{base}/99999").status_code == 404


def test_integrity_error_becomes_a_field_error(admin_app, as_admin, demo):
    """A row committed by a concurrent request between our check and our insert: the database's
    unique constraint answers, and the form shows it next to the field instead of a 500."""
    office_id = bks_id(demo)

    done = []

    def sneak_in(session, flush_context, instances):
        if done or not any(isinstance(o, Service) for o in session.new):
            return
        done.append(True)
        session.add(Service(office_id=office_id, code="RACE", prefix="Q", name_id="Balapan", name_en="Race"))

    before = count(admin_app, Service)
    event.listen(Session, "before_flush", sneak_in)
    try:
        r = as_admin.post("/admin/offices/BKS/services/new",
                          data={"code": "LEGAL", "prefix": "Q", "name_id": "Legalisir", "priority_policy": "strict",
                                "fallback_service_id": "0", "active": "y"})
    finally:
        event.remove(Session, "before_flush", sneak_in)
    assert done, "the concurrent insert did not happen"
    assert r.status_code == 422
    assert "Data bentrok" in field_error(r.get_data(as_text=True), "prefix")
    assert count(admin_app, Service) == before


# --------------------------------------------------------------------------- counters


def test_counter_create_validate_edit(admin_app, as_admin, demo, other_office):
    c = as_admin
    base = "/admin/offices/BKS/counters"
    kk, suket = service_id(demo, "KK"), service_id(demo, "SUKET")
    before = count(admin_app, Counter)
    r = c.post(f"{base}/new", data={"number": "3", "name": "Dobel", "services": [str(kk)], "active": "y"})
    assert r.status_code == 422
    assert field_error(r.get_data(as_text=True), "number") == "Loket nomor 3 sudah ada di kantor ini."
    # a service of another office is not among the choices
    r = c.post(f"{base}/new", data={"number": "7", "services": [str(other_office["service_id"])], "active": "y"})
    assert r.status_code == 422 and field_error(r.get_data(as_text=True), "services") == "Pilihan tidak tersedia."
    r = c.post(f"{base}/new", data={"number": "", "active": "y"})
    assert field_error(r.get_data(as_text=True), "number") == "Wajib diisi."
    assert count(admin_app, Counter) == before

    r = c.post(f"{base}/new", data={"number": "7", "name": "", "services": [str(kk), str(suket)], "active": "y"})
    assert r.status_code == 302
    with admin_app.app_context():
        counter = db.session.scalars(select(Counter).where(Counter.office_id == bks_id(demo),
                                                           Counter.number == 7)).one()
        assert counter.name == "Loket 7" and {s.code for s in counter.services} == {"KK", "SUKET"}
        cid = counter.id
        db.session.remove()
    html = c.get(f"{base}/{cid}").get_data(as_text=True)
    assert re.search(rf'<input checked id="services-\d+" name="services" type="checkbox" value="{kk}">', html)
    assert "<fieldset" in html and "<legend>Layanan yang dilayani</legend>" in html

    r = c.post(f"{base}/{cid}", data={"number": "7", "name": "Loket Suket", "services": [str(suket)]})
    assert r.status_code == 302
    with admin_app.app_context():
        counter = db.session.get(Counter, cid)
        assert (counter.name, counter.active, [s.code for s in counter.services]) == ("Loket Suket", False, ["SUKET"])
        db.session.remove()
    # a counter of another office is 404 under this office's URL
    assert c.get(f"{base}/{other_office['counter_id']}").status_code == 404


# --------------------------------------------------------------------------- users and API tokens


def test_user_create_password_tokens(admin_app, as_admin, demo, api):
    c = as_admin
    office = str(bks_id(demo))
    before = count(admin_app, User)
    new = {"username": "petugas7", "full_name": "Petugas Tujuh", "role": "clerk", "offices": [office],
           "password": "kata-sandi-7", "active": "y"}
    for change, field, message in [
        ({"password": "pendek"}, "password", "Kata sandi paling sedikit 10 karakter."),
        ({"password": ""}, "password", "Wajib diisi."),
        ({"username": "Petugas1"}, "username", "Nama pengguna petugas1 sudah dipakai."),
        ({"username": "a b"}, "username",
         "Nama pengguna 2–60 karakter: huruf kecil, angka, titik, tanda hubung atau garis bawah."),
        ({"offices": []}, "offices", "Petugas atau manajer harus punya paling sedikit satu kantor."),
    ]:
        r = c.post("/admin/users/new", data={**new, **change})
        assert r.status_code == 422, change
        assert field_error(r.get_data(as_text=True), field) == message, change
    assert count(admin_app, User) == before

    r = c.post("/admin/users/new", data=new)
    assert r.status_code == 302
    user = load(admin_app, User, User.username == "petugas7")
    assert user.role == "clerk" and user.password_hash != "kata-sandi-7"
    assert check_password(user.password_hash, "kata-sandi-7")
    assert "petugas7" in c.get("/admin/users").get_data(as_text=True)

    # edit: role and active; the password field of the profile form is ignored
    r = c.post(f"/admin/users/{user.id}", data={**new, "role": "manager", "full_name": "Bu Tujuh",
                                                "password": "abaikan-saja-ini"})
    assert r.status_code == 302
    user = load(admin_app, User, User.id == user.id)
    assert (user.role, user.full_name) == ("manager", "Bu Tujuh") and check_password(user.password_hash,
                                                                                    "kata-sandi-7")
    # reset password: confirmation must match, min length
    r = c.post(f"/admin/users/{user.id}/password", data={"new_password": "baru-sekali-1", "confirm": "lain"})
    assert r.status_code == 422
    assert field_error(r.get_data(as_text=True), "confirm") == "Kedua kata sandi tidak sama."
    r = c.post(f"/admin/users/{user.id}/password", data={"new_password": "pendek", "confirm": "pendek"})
    assert field_error(r.get_data(as_text=True), "new_password") == "Kata sandi paling sedikit 10 karakter."
    r = c.post(f"/admin/users/{user.id}/password", data={"new_password": "baru-sekali-1", "confirm": "baru-sekali-1"})
    assert r.status_code == 302
    fresh = admin_app.test_client()
    assert fresh.post("/login", data={"username": "petugas7", "password": "baru-sekali-1"}).status_code == 302

    # personal API token: shown once, works as a bearer token, revocable
    r = c.post(f"/admin/users/{user.id}/tokens", data={"name": ""})
    assert r.status_code == 422 and field_error(r.get_data(as_text=True), "name") == "Wajib diisi."
    r = c.post(f"/admin/users/{user.id}/tokens", data={"name": "tombol loket 3"})
    assert r.status_code == 201 and r.headers["Cache-Control"].startswith("no-store")
    token = readonly_value(r.get_data(as_text=True), "new-token")
    assert token.startswith("stf_")
    row = load(admin_app, ApiToken, ApiToken.name == "tombol loket 3")
    assert row.token_hash == token_hash(token)
    assert token not in c.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert api.get("/api/v1/offices/BKS/queue", token=token).status_code == 200
    r = c.post(f"/admin/users/{user.id}/tokens/{row.id}/revoke")
    assert r.status_code == 302
    assert api.get("/api/v1/offices/BKS/queue", token=token).status_code == 401


def test_user_self_protection_and_admin_role(admin_app, as_admin, demo):
    admin = next(u for u in demo["users"] if u["username"] == "admin")
    r = as_admin.post(f"/admin/users/{admin['id']}", data={"username": "admin", "role": "admin", "offices": []})
    assert r.status_code == 422  # deactivating oneself (active unchecked)
    assert field_error(r.get_data(as_text=True), "active") == "Anda tidak dapat menonaktifkan akun Anda sendiri."
    r = as_admin.post(f"/admin/users/{admin['id']}", data={"username": "admin", "role": "clerk",
                                                           "offices": [str(bks_id(demo))], "active": "y"})
    assert field_error(r.get_data(as_text=True), "role") == "Anda tidak dapat mengubah peran Anda sendiri."
    assert load(admin_app, User, User.id == admin["id"]).role == "admin"
    # an admin may create another admin without offices
    r = as_admin.post("/admin/users/new", data={"username": "admin2", "role": "admin", "password": "super-rahasia-2",
                                                "active": "y"})
    assert r.status_code == 302 and load(admin_app, User, User.username == "admin2").role == "admin"


# --------------------------------------------------------------------------- devices


def _issue(client, data):
    r = client.post("/admin/offices/BKS/devices/new", data=data)
    assert r.status_code == 201, r.get_data(as_text=True)[-2000:]
    assert r.headers["Cache-Control"].startswith("no-store")
    html = r.get_data(as_text=True)
    return html, readonly_value(html, "device-token"), readonly_value(html, "pairing-url")


def test_devices_issue_once_pair_rotate_revoke(admin_app, as_admin, api, demo):
    c = as_admin
    before = count(admin_app, Device)
    r = c.post("/admin/offices/BKS/devices/new", data={"kind": "kiosk", "name": "Kios 2",
                                                       "printer_uri": "http://printer.local"})
    assert r.status_code == 422
    assert "tcp://" in field_error(r.get_data(as_text=True), "printer_uri")
    r = c.post("/admin/offices/BKS/devices/new", data={"kind": "kiosk", "name": ""})
    assert field_error(r.get_data(as_text=True), "name") == "Wajib diisi."
    assert count(admin_app, Device) == before

    html, token, url = _issue(c, {"kind": "kiosk", "name": "Kios Lantai 2", "printer_uri": "tcp://192.168.1.50:9100",
                                  "printer_profile": "TM-T20II"})
    assert token.startswith("kio_")
    assert url == f"https://antrean.example.go.id/kiosk/pair?token={token}"
    device = load(admin_app, Device, Device.name == "Kios Lantai 2")
    assert device.token_hash == token_hash(token) and token not in (device.token_hash or "")
    assert (device.printer_uri, device.printer_profile) == ("tcp://192.168.1.50:9100", "TM-T20II")
    # shown once: neither the list nor the edit page contains it
    assert token not in c.get("/admin/offices/BKS/devices").get_data(as_text=True)
    assert token not in c.get(f"/admin/offices/BKS/devices/{device.id}").get_data(as_text=True)
    # the stored hash authenticates the token
    assert api.get("/api/v1/offices/BKS/queue", token=token).status_code == 200
    # the pairing link (built by us, served by the kiosk feature) pairs a fresh browser
    pair_path = url.removeprefix("https://antrean.example.go.id")
    if "kiosk.pair" in admin_app.view_functions:
        r = admin_app.test_client().get(pair_path)
        assert r.status_code == 302 and token in r.headers.get("Set-Cookie", "")

    # the QR code is served by us, encodes the pairing link, and only for the current token
    qr_src = unescape(re.search(r'<img src="([^"]*pairing-qr\.svg[^"]*)"', html).group(1))
    r = c.get(qr_src)
    assert r.status_code == 200 and r.mimetype == "image/svg+xml" and b"<svg" in r.data
    r = c.get(qr_src.replace(".svg", ".png"))
    assert r.status_code == 200 and r.data.startswith(b"\x89PNG")
    assert c.get(qr_src.replace(token, token[:-2] + "xx")).status_code == 404
    # (what the QR decodes to: test_device_pairing_qr_decodes_to_the_pairing_link, which needs zxing-cpp;
    # nothing below needs a decoder, so a missing one can never skip the token checks)

    # rename + printer
    r = c.post(f"/admin/offices/BKS/devices/{device.id}", data={"name": "Kios Lobi Atas", "printer_uri": "usb://0x0416:0x5011",
                                                                "printer_profile": "POS-5890"})
    assert r.status_code == 302
    assert load(admin_app, Device, Device.id == device.id).name == "Kios Lobi Atas"

    # rotate: old token 401, new token works
    r = c.post(f"/admin/offices/BKS/devices/{device.id}/rotate")
    assert r.status_code == 200
    new_token = readonly_value(r.get_data(as_text=True), "device-token")
    assert new_token != token
    assert api.get("/api/v1/offices/BKS/queue", token=token).status_code == 401
    assert api.get("/api/v1/offices/BKS/queue", token=new_token).status_code == 200
    assert c.get(qr_src).status_code == 404  # the old token's QR is gone with it
    new_qr = qr_src.replace(token, new_token)
    assert c.get(new_qr).status_code == 200
    # revoke -> 401, and the QR endpoint no longer answers for it
    r = c.post(f"/admin/offices/BKS/devices/{device.id}/revoke")
    assert r.status_code == 302
    assert api.get("/api/v1/offices/BKS/queue", token=new_token).status_code == 401
    assert load(admin_app, Device, Device.id == device.id).revoked_at is not None
    assert c.get(new_qr).status_code == 404
    if "kiosk.pair" in admin_app.view_functions:
        assert admin_app.test_client().get(pair_path.replace(token, new_token)).status_code == 403


def test_device_pairing_qr_decodes_to_the_pairing_link(admin_app, as_admin):
    """The pairing QR (PNG) read back with a real decoder. Kept apart from the token checks above: without
    zxing-cpp this one skips locally (fails with ADMINDUK_REQUIRE_SERVICES=1), those never do."""
    from io import BytesIO

    from PIL import Image
    html, token, url = _issue(as_admin, {"kind": "kiosk", "name": "Kios QR", "printer_uri": "dummy://",
                                         "printer_profile": "TM-T20II"})
    qr_src = unescape(re.search(r'<img src="([^"]*pairing-qr\.svg[^"]*)"', html).group(1))
    r = as_admin.get(qr_src.replace(".svg", ".png"))
    assert r.status_code == 200 and r.data.startswith(b"\x89PNG")
    zxingcpp = require_module("zxingcpp", "decoding the pairing QR")
    decoded = zxingcpp.read_barcodes(Image.open(BytesIO(r.data)))
    assert [d.text for d in decoded] == [url]


def test_display_device_filters_and_pairing_link(admin_app, as_admin, api):
    html, token, url = _issue(as_admin, {"kind": "display", "name": "TV Loket 3-4", "filter_services": ["CETAK", "KK"],
                                         "filter_counters": ["3", "4"]})
    assert url == f"https://antrean.example.go.id/display/BKS/pair?token={token}"
    d = load(admin_app, Device, Device.name == "TV Loket 3-4")
    assert (d.kind, d.filter_services, d.filter_counters) == ("display", "CETAK,KK", "3,4")
    assert api.get("/api/v1/offices/BKS/queue", token=token).status_code == 200
    r = as_admin.post(f"/admin/offices/BKS/devices/{d.id}", data={"name": "TV", "filter_counters": ["99"]})
    assert r.status_code == 422 and field_error(r.get_data(as_text=True), "filter_counters")
    r = as_admin.post(f"/admin/offices/BKS/devices/{d.id}", data={"name": "TV Besar"})
    assert r.status_code == 302
    d = load(admin_app, Device, Device.id == d.id)
    assert (d.name, d.filter_services, d.filter_counters) == ("TV Besar", "", "")


# --------------------------------------------------------------------------- roles and office isolation


def test_clerk_and_anonymous_are_refused(admin_app, demo):
    anon = admin_app.test_client()
    r = anon.get("/admin/")
    assert r.status_code == 302 and "/login?next=" in r.headers["Location"]  # a person: to the sign-in page
    assert anon.post("/admin/offices/BKS/devices/new", data={"kind": "kiosk", "name": "x"}).status_code in (400, 401)
    clerk = sign_in(admin_app, demo, "petugas1")
    for path in ("/admin/", "/admin/users", "/admin/offices/BKS/services", "/admin/offices/BKS/devices"):
        assert clerk.get(path).status_code == 403, path
    assert clerk.post("/admin/offices/BKS/devices/new", data={"kind": "kiosk", "name": "x"}).status_code == 403
    assert count(admin_app, Device, Device.name == "x") == 0


def test_manager_is_confined_to_own_offices(admin_app, as_manager, demo, other_office):
    m = as_manager
    tmh = other_office
    # own office: allowed
    assert m.get("/admin/offices/BKS/services").status_code == 200
    assert m.post("/admin/offices/BKS/counters/new", data={"number": "8", "active": "y"}).status_code == 302
    # other office: 403 on everything, nothing stored
    for path in ("/admin/offices/TMH/", "/admin/offices/TMH/edit", "/admin/offices/TMH/services",
                 f"/admin/offices/TMH/services/{tmh['service_id']}", "/admin/offices/TMH/counters",
                 f"/admin/offices/TMH/counters/{tmh['counter_id']}", "/admin/offices/TMH/devices",
                 "/admin/offices/TMH/devices/new", f"/admin/users/{tmh['manager_id']}"):
        assert m.get(path).status_code == 403, path
    assert m.post("/admin/offices/TMH/services/new", data={"code": "X", "prefix": "X", "name_id": "X",
                                                          "priority_policy": "strict"}).status_code == 403
    assert m.post("/admin/offices/TMH/devices/new", data={"kind": "kiosk", "name": "Curang"}).status_code == 403
    assert count(admin_app, Device, Device.name == "Curang") == 0
    assert count(admin_app, Service, Service.code == "X") == 0
    # offices: managers cannot create them; the index lists only their own
    assert m.get("/admin/offices/new").status_code == 403
    index = m.get("/admin/").get_data(as_text=True)
    assert "BKS" in index and "TMH" not in index
    # users: no admins listed or editable, no admin role, no foreign office
    users = m.get("/admin/users").get_data(as_text=True)
    assert "petugas1" in users and "manajer_tmh" not in users and ">admin<" not in users
    admin = next(u for u in demo["users"] if u["username"] == "admin")
    assert m.get(f"/admin/users/{admin['id']}").status_code == 403
    assert m.post(f"/admin/users/{admin['id']}/password",
                  data={"new_password": "diambil-alih-1", "confirm": "diambil-alih-1"}).status_code == 403
    new = {"username": "petugas9", "role": "admin", "offices": [str(bks_id(demo))], "password": "kata-sandi-9",
           "active": "y"}
    r = m.post("/admin/users/new", data=new)
    assert r.status_code == 422 and field_error(r.get_data(as_text=True), "role")
    r = m.post("/admin/users/new", data={**new, "role": "clerk", "offices": [str(tmh["id"])]})
    assert r.status_code == 422 and field_error(r.get_data(as_text=True), "offices")
    assert count(admin_app, User, User.username == "petugas9") == 0
    r = m.post("/admin/users/new", data={**new, "role": "clerk"})
    assert r.status_code == 302
    # the admin sees both offices
    admin_client = sign_in(admin_app, demo, "admin")
    assert "TMH" in admin_client.get("/admin/").get_data(as_text=True)
    assert admin_client.get("/admin/offices/TMH/devices").status_code == 200


def test_post_without_csrf_token_is_refused(app, demo):
    app.config["WTF_CSRF_ENABLED"] = True
    client = sign_in_with_csrf(app, demo, "admin")
    before = count(app, Counter)
    r = client.post("/admin/offices/BKS/counters/new", data={"number": "9", "active": "y"})
    assert r.status_code == 400
    assert count(app, Counter) == before
    # the same form with its token goes through
    html = client.get("/admin/offices/BKS/counters/new").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    r = client.post("/admin/offices/BKS/counters/new", data={"number": "9", "active": "y", "csrf_token": csrf})
    assert r.status_code == 302 and count(app, Counter) == before + 1


def sign_in_with_csrf(app, demo, username):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    password = next(u["password"] for u in demo["users"] if u["username"] == username)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf})
    assert r.status_code == 302
    return client
