"""The IKM as JSON (``GET /api/v1/offices/<office>/ikm``) for a provincial dashboard, and each office's IKM in the
queue figures' offices side by side: the numbers the survey answers give, for the office's managers only."""
from __future__ import annotations

import json

from tests.feedback.test_web import ALL3, _csrf, _ticket, world  # noqa: F401  (fixture)
from tests.conftest import tokens

ALL4 = {f"U{i}": "4" for i in range(1, 10)}
URL = "/api/v1/offices/BKS/ikm"


def _answer(app, clock, scores: dict) -> None:
    client = app.test_client()
    token = _ticket(app, clock)
    csrf = _csrf(client, f"/t/{token}")
    r = client.post(f"/t/{token}/survei", data={**scores, "csrf_token": csrf})
    assert r.status_code in (200, 201, 302, 303), r.status_code


def test_the_ikm_of_a_period_as_json(app, clock, world):
    _answer(app, clock, ALL3)
    _answer(app, clock, {**ALL4, "U3": "2"})
    t = tokens(world)
    r = app.test_client().get(f"{URL}?period=2026-01", headers={"Authorization": f"Bearer {t['manajer']}"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    # NRR: U3 (3+2)/2 = 2.5, the other eight (3+4)/2 = 3.5; IKM = (8 x 3.5 + 2.5) / 9 x 25 = 84.72 -> B
    assert body["office"] == "BKS" and body["period"] == "2026-01" and body["from"] == "2026-01-01"
    assert body["respondents"] == 2 and body["served"] == 2 and body["ikm"] == 84.72
    assert body["grade"]["letter"] == "B" and body["weakest"] == ["U3"]
    u3 = next(u for u in body["unsur"] if u["code"] == "U3")
    assert u3["nrr"] == 2.5 and u3["value"] == 62.5 and u3["grade"] == "D" and u3["answers"] == 2
    served = [s for s in body["services"] if s["respondents"]]
    assert [s["ikm"] for s in served] == [84.72]
    # the offices side by side carry each office's IKM and respondents
    side = app.test_client().get("/api/v1/figures?from=2026-01-01&to=2026-01-31",
                                 headers={"Authorization": f"Bearer {t['admin']}"}).get_json()
    bks = next(o for o in side["offices"] if o["office"] == "BKS")
    assert bks["counters"]["ikm"] == {"ikm": 84.72, "respondents": 2}
    json.dumps(body)  # plain JSON (no Decimal or Fraction left)


def test_the_ikm_api_refuses_other_offices_clerks_strangers_and_bad_periods(app, clock, world):
    t = tokens(world)
    get = app.test_client().get
    assert get(URL).status_code == 401
    assert get(URL, headers={"Authorization": f"Bearer {t['petugas1']}"}).status_code == 403
    assert get("/api/v1/offices/NOPE/ikm", headers={"Authorization": f"Bearer {t['manajer']}"}).status_code == 404
    for bad in ("2026-13", "2026-Q5", "x" * 40, "٢٠٢٦"):
        r = get(f"{URL}?period={bad}", headers={"Authorization": f"Bearer {t['manajer']}"})
        assert r.status_code == 400 and "period" in r.get_json()["message"], bad
    doc = get("/api/v1/openapi.json").get_json()
    assert "/api/v1/offices/{office_code}/ikm" in doc["paths"] and "OfficeIkm" in doc["components"]["schemas"]
