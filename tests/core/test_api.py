"""JSON API v1: happy paths and every error case (never a 500)."""
from __future__ import annotations

import pytest


def issue(api, service="KK", token="kiosk", **extra):
    return api.post("/api/v1/offices/BKS/tickets", {"service": service, **extra}, token=api.tokens[token])


def counter_id(api, service):
    return next(c["id"] for c in api.demo["counters"] if service in c["services"])


def test_issue_ticket_returns_the_documented_fields(api):
    r = issue(api, priority=None)
    assert r.status_code == 201
    body = r.get_json()
    assert set(body) >= {"id", "code", "service", "status", "position", "status_url", "token", "issued_at"}
    assert body["code"] == "C-001" and body["status"] == "waiting" and body["position"] == 0
    assert body["status_url"] == f"https://antrean.example.go.id/t/{body['token']}"


def test_staff_may_issue_and_priority_uses_the_priority_series(api):
    r = issue(api, token="petugas1", priority="lansia")
    assert r.status_code == 201 and r.get_json()["code"] == "P-001"


def test_public_status_by_token_has_no_token_echo_and_no_personal_data(api, client):
    t = issue(api).get_json()
    r = client.get(f"/api/v1/tickets/{t['token']}")
    assert r.status_code == 200
    body = r.get_json()
    assert body["code"] == "C-001" and "token" not in body
    assert client.get("/api/v1/tickets/nonexistent").status_code == 404
    assert client.get("/api/v1/tickets/" + "x" * 500).status_code == 404


def test_call_next_then_commands(api):
    t = issue(api).get_json()
    cid = counter_id(api, "KK")
    clerk = api.tokens["petugas4"]
    r = api.post(f"/api/v1/counters/{cid}/call-next", token=clerk)
    assert r.status_code == 200 and r.get_json()["code"] == t["code"]
    assert r.get_json()["counter"]["id"] == cid
    assert api.post(f"/api/v1/tickets/{t['id']}/recall", token=clerk).status_code == 200
    assert api.post(f"/api/v1/tickets/{t['id']}/start", token=clerk).status_code == 200
    r = api.post(f"/api/v1/tickets/{t['id']}/finish", token=clerk)
    assert r.status_code == 200 and r.get_json()["status"] == "done"
    r = api.post(f"/api/v1/tickets/{t['id']}/finish", token=clerk)
    assert r.status_code == 409
    assert r.get_json()["error"] == "invalid_transition" and "done" in r.get_json()["message"]
    assert api.post(f"/api/v1/counters/{cid}/call-next", token=clerk).status_code == 204


def test_transfer_no_show_cancel(api):
    clerk = api.tokens["petugas1"]
    t = issue(api, service="REKAM").get_json()
    api.post(f"/api/v1/counters/{counter_id(api, 'REKAM')}/call-next", token=clerk)
    r = api.post(f"/api/v1/tickets/{t['id']}/transfer", {"service": "CETAK"}, token=clerk)
    assert r.status_code == 200 and r.get_json()["service"] == "CETAK" and r.get_json()["code"] == "A-001"
    assert api.post(f"/api/v1/tickets/{t['id']}/transfer", {"service": "NOPE"}, token=clerk).status_code == 404
    assert api.post(f"/api/v1/tickets/{t['id']}/transfer", {"service": 5}, token=clerk).status_code == 400
    assert api.post(f"/api/v1/tickets/{t['id']}/no-show", token=clerk).status_code == 409  # waiting now
    assert api.post(f"/api/v1/tickets/{t['id']}/cancel", token=clerk).status_code == 200
    assert api.post(f"/api/v1/tickets/{t['id']}/cancel", token=clerk).status_code == 409


def test_queue_overview(api):
    issue(api, service="KK", token="petugas1")
    issue(api, service="KK", token="petugas1")
    r = api.get("/api/v1/offices/BKS/queue", token=api.tokens["display"])
    assert r.status_code == 200
    body = r.get_json()
    kk = next(s for s in body["services"] if s["code"] == "KK")
    assert kk["waiting"] == 2 and len(body["counters"]) == 6


@pytest.mark.parametrize("body,kind,status", [
    (None, "raw", 415),
    (b"{not json", "json", 400),
    (b"[1, 2]", "json", 400),
    (b"{}", "json", 400),
    (b'{"service": 12}', "json", 400),
    (b'{"service": "KK", "priority": "vip"}', "json", 400),
    (b'{"service": "KK", "priority": 3}', "json", 400),
    (b'{"service": "NOPE"}', "json", 404),
    (b'{"service": "' + b"K" * 100 + b'"}', "json", 400),
])
def test_bad_issue_bodies_get_clear_4xx(api, body, kind, status):
    headers = {"Authorization": f"Bearer {api.tokens['kiosk']}"}
    if kind == "raw":
        r = api.client.post("/api/v1/offices/BKS/tickets", data="service=KK", headers=headers)
    else:
        r = api.client.post("/api/v1/offices/BKS/tickets", data=body, headers=headers,
                            content_type="application/json")
    assert r.status_code == status
    payload = r.get_json()
    assert set(payload) >= {"error", "message"} and payload["message"]


def test_oversized_body_is_413(api):
    r = api.client.post("/api/v1/offices/BKS/tickets", data=b'{"service": "' + b"x" * 200_000 + b'"}',
                        content_type="application/json",
                        headers={"Authorization": f"Bearer {api.tokens['kiosk']}"})
    assert r.status_code == 413 and r.get_json()["error"] == "payload_too_large"


def test_unknown_ids_and_huge_ids_are_404_not_500(api):
    clerk = api.tokens["petugas1"]
    assert api.post("/api/v1/counters/999/call-next", token=clerk).status_code == 404
    assert api.post("/api/v1/tickets/999/finish", token=clerk).status_code == 404
    assert api.post("/api/v1/tickets/99999999999999999999/finish", token=clerk).status_code == 404
    assert api.post("/api/v1/tickets/abc/finish", token=clerk).status_code == 404
    assert api.get("/api/v1/offices/NOPE/queue", token=api.tokens["admin"]).status_code == 404


def test_finish_data_is_validated(api):
    clerk = api.tokens["petugas3"]
    t = issue(api, service="CETAK").get_json()
    api.post(f"/api/v1/counters/{counter_id(api, 'CETAK')}/call-next", token=clerk)
    r = api.post(f"/api/v1/tickets/{t['id']}/finish", {"cards": -1}, token=clerk)
    assert r.status_code == 400
    r = api.post(f"/api/v1/tickets/{t['id']}/finish", {"cards": "two"}, token=clerk)
    assert r.status_code == 400
    assert api.get(f"/api/v1/tickets/{t['token']}").get_json()["status"] == "called"  # nothing changed


def test_auth_rules(api, client):
    # anonymous
    r = client.post("/api/v1/offices/BKS/tickets", json={"service": "KK"})
    assert r.status_code in (400, 401)  # CSRF or auth: either way refused, with JSON
    assert r.get_json()["error"]
    # unknown token
    r = api.post("/api/v1/offices/BKS/tickets", {"service": "KK"}, token="kio_unknown")
    assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"
    # a display may not issue or call
    assert issue(api, token="display").status_code == 403
    cid = counter_id(api, "KK")
    assert api.post(f"/api/v1/counters/{cid}/call-next", token=api.tokens["display"]).status_code == 403
    assert api.post(f"/api/v1/counters/{cid}/call-next", token=api.tokens["kiosk"]).status_code == 403


def test_office_isolation(app, api):
    from queue_service.extensions import db
    from queue_service.models import Office
    from queue_service.services.seed import seed_demo
    from tests.conftest import MONDAY_0800_WIB, tokens

    with app.app_context():
        other = seed_demo(db.session, now=MONDAY_0800_WIB, code="KTB", name="Disdukcapil Kota Bekasi")
        db.session.commit()
        assert db.session.query(Office).count() == 2
    other_tokens = tokens(other)
    t = issue(api).get_json()
    # a clerk of KTB cannot touch BKS tickets, counters or queue
    ktb_clerk, ktb_manager = other_tokens["petugas1.ktb"], other_tokens["manajer.ktb"]
    r = api.post(f"/api/v1/tickets/{t['id']}/cancel", token=ktb_clerk)
    assert r.status_code == 403 and r.get_json()["error"] == "forbidden"
    cid = counter_id(api, "KK")
    assert api.post(f"/api/v1/counters/{cid}/call-next", token=ktb_clerk).status_code == 403
    assert api.get("/api/v1/offices/BKS/queue", token=ktb_manager).status_code == 403
    assert api.post("/api/v1/offices/BKS/tickets", {"service": "KK"}, token=other_tokens["kiosk"]).status_code == 403
    # ...and the BKS ticket is untouched; the admin sees both offices
    assert api.get(f"/api/v1/tickets/{t['token']}").get_json()["status"] == "waiting"
    assert api.get("/api/v1/offices/KTB/queue", token=api.tokens["admin"]).status_code == 200


def test_openapi_document_lists_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = set(doc["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json":
            path = rule.rule
            for arg in rule.arguments:
                path = path.replace(f"<{arg}>", f"{{{arg}}}")
                for conv in ("int", "int(max=2147483647)", "string", "path"):
                    path = path.replace(f"<{conv}:{arg}>", f"{{{arg}}}")
            assert path in documented, f"{rule.rule} is missing from the OpenAPI document"
