"""The bookings routes refuse callers whose access ended: a revoked kiosk, a revoked staff API token, a
signed-out manager (the auth matrix covers the other office's staff and devices and the anonymous caller)."""
from __future__ import annotations

from sqlalchemy import select

from queue_service.extensions import db
from tests.hardening.conftest import csrf_from


def _admin(world):
    client = world.sign_in("admin")
    return client, csrf_from(client.get("/admin/").get_data(as_text=True))


def test_a_revoked_kiosk_can_no_longer_open_the_check_in_page_or_check_in(world):
    token = world.bks.tokens["kiosk"]
    auth = {"Authorization": f"Bearer {token}"}
    client = world.app.test_client()
    assert client.get("/kiosk/booking", headers=auth).status_code == 200
    admin, csrf = _admin(world)
    device_id = world.bks.ids["device"]
    r = admin.post(f"/admin/offices/BKS/devices/{device_id}/revoke", data={"csrf_token": csrf})
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:300]
    assert client.get("/kiosk/booking", headers=auth).status_code in (401, 403)
    r = client.post("/api/v1/kiosk/checkin", headers=auth, json={"code": "K7QM-3XDP"})
    assert r.status_code in (401, 403), r.get_data(as_text=True)[:300]


def test_a_revoked_api_token_can_no_longer_book_or_read_the_day(world):
    from queue_service.models import ApiToken

    manager_id = world.bks.ids["manager"]
    with world.app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == manager_id))
        db.session.remove()
    auth = {"Authorization": f"Bearer {world.bks.tokens['manajer']}"}
    client = world.app.test_client()
    assert client.get("/api/v1/offices/BKS/bookings", headers=auth).status_code == 200
    admin, csrf = _admin(world)
    r = admin.post(f"/admin/users/{manager_id}/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:300]
    assert client.get("/api/v1/offices/BKS/bookings", headers=auth).status_code == 401
    r = client.post("/api/v1/offices/BKS/bookings", headers=auth,
                    json={"service": "KK", "date": "2026-01-06", "slot": "09:00"})
    assert r.status_code == 401, r.get_data(as_text=True)[:300]


def test_a_signed_out_manager_is_sent_to_sign_in_from_the_booking_pages(world):
    client = world.sign_in("manajer")
    assert client.get("/manager/BKS/bookings").status_code == 200
    csrf = csrf_from(client.get("/manager/BKS/bookings").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    for path in ("/manager/bookings", "/manager/BKS/bookings", "/manager/BKS/bookings/day",
                 "/manager/BKS/bookings/day.csv", "/manager/BKS/calendar"):
        r = client.get(path)
        assert r.status_code in (302, 401) and "/login" in r.headers.get("Location", "/login"), (path, r.status_code)
    r = client.post("/manager/BKS/bookings/rules", data={"csrf_token": csrf, "early_minutes": "30"})
    assert r.status_code in (302, 400, 401, 403), r.status_code
    assert r.status_code != 302 or "/login" in r.headers["Location"]
