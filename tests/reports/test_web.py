"""The figures pages, exports, monthly report, targets form and JSON API: content, languages, bad input,
office isolation."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.reports.conftest import login

PERIOD = "from=2025-12-29&to=2026-01-04"


def test_office_page_shows_figures_and_charts(rapp, rdemo):
    c = login(rapp.test_client(), rdemo, "manajer")
    r = c.get(f"/manager/BKS/figures?{PERIOD}")
    assert r.status_code == 200, r.data[:500]
    html = r.get_data(as_text=True)
    assert "Angka antrean" in html and "Per layanan" in html and "Saran jumlah loket" in html
    assert html.count('<svg class="chart"') == 6 and "<title id=\"fig-hour-t\">" in html
    assert "Perekaman KTP-el" in html and "Loket 1" in html and "Petugas Loket 1" in html
    assert "<script" not in html.split("</main>")[0].split("<main")[1]  # no scripts in the content
    assert " style=" not in html


def test_office_page_in_english_formats_numbers(rapp, rdemo):
    c = login(rapp.test_client(), rdemo, "manajer")
    r = c.get(f"/manager/BKS/figures?{PERIOD}&lang=en")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Queue figures" in html and "By service" in html


def test_overview_for_the_admin_lists_offices_side_by_side(rapp, rdemo):
    c = login(rapp.test_client(), rdemo, "admin")
    r = c.get(f"/manager/figures?{PERIOD}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Disdukcapil Kabupaten Bekasi" in html and "Disdukcapil Karawang" in html


def test_a_manager_of_one_office_goes_to_its_page(rapp, rdemo):
    c = login(rapp.test_client(), rdemo, "manajer")
    r = c.get("/manager/figures")
    assert r.status_code == 302 and r.headers["Location"].endswith("/manager/BKS/figures")


@pytest.mark.parametrize("query,fragment", [
    ("from=2026-13-01", "TTTT-BB-HH"), ("to=kemarin", "TTTT-BB-HH"), ("from=2026-01-05&to=2026-01-01", "sebelum"),
    ("from=2020-01-01&to=2026-01-01", "paling panjang"), ("from=1900-01-01", "2000"),
    ("from=" + "9" * 5000, "TTTT-BB-HH"), ("weekday=8", "Senin"), ("weekday=-1", "Senin"),
])
def test_bad_query_parameters_are_a_friendly_400(rapp, rdemo, query, fragment):
    c = login(rapp.test_client(), rdemo, "manajer")
    r = c.get(f"/manager/BKS/figures?{query}")
    assert r.status_code == 400
    assert fragment in r.get_data(as_text=True)


def test_csv_export(rapp, rdemo):
    c = login(rapp.test_client(), rdemo, "manajer")
    r = c.get(f"/manager/BKS/figures.csv?{PERIOD}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0] == ["# ringkasan"] and rows[1][:4] == ["kantor", "dari", "sampai", "tiket_diambil"]
    assert rows[2][:4] == ["BKS", "2025-12-29", "2026-01-04", "18"]


def test_xlsx_export(rapp, rdemo):
    c = login(rapp.test_client(), rdemo, "manajer")
    r = c.get(f"/manager/BKS/figures.xlsx?{PERIOD}")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data), read_only=True)
    assert wb.sheetnames[:3] == ["ringkasan", "per_layanan", "per_jam"]
    summary = list(wb["ringkasan"].iter_rows(values_only=True))
    assert summary[1][0] == "BKS" and summary[1][3] == 18  # a number, not text
    assert c.get(f"/manager/BKS/figures.pdf?{PERIOD}").status_code == 404


def test_monthly_report_is_printable(rapp, rdemo):
    c = login(rapp.test_client(), rdemo, "manajer")
    r = c.get("/manager/BKS/report/2026-01")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Laporan bulanan pelayanan antrean" in html and "css/report.css" in html
    assert "report-print" in html and "2025-12" in html and "2026-02" in html
    for bad in ("2026-13", "26-01", "2026-1", "x", "2026-01-01"):
        assert c.get(f"/manager/BKS/report/{bad}").status_code == 400, bad


def test_targets_form_saves_and_refuses_bad_values(rapp, rdemo):
    c = login(rapp.test_client(), rdemo, "manajer")
    page = c.get("/manager/BKS/figures/targets")
    assert page.status_code == 200
    sid = rdemo["services"][0]["id"]
    r = c.post("/manager/BKS/figures/targets", data={f"target-{sid}": "15"})
    assert r.status_code == 302
    assert 'value="15"' in c.get("/manager/BKS/figures/targets").get_data(as_text=True)
    bad = c.post("/manager/BKS/figures/targets", data={f"target-{sid}": "999999"})
    assert bad.status_code == 400 and "480" in bad.get_data(as_text=True)
    assert 'value="15"' in c.get("/manager/BKS/figures/targets").get_data(as_text=True)  # unchanged


def test_api_figures_and_staffing(rapp, rdemo):
    c = rapp.test_client()
    h = {"Authorization": f"Bearer {rdemo['tokens']['manajer']}"}
    r = c.get(f"/api/v1/offices/BKS/figures?{PERIOD}", headers=h)
    assert r.status_code == 200, r.json
    body = r.json
    assert body["summary"]["issued"] == 18 and body["summary"]["served"] == 18
    assert {x["code"] for x in body["by_service"]} == {"REKAM", "KK"}
    assert body["by_counter"] and body["by_clerk"][0]["key"] == "petugas1"
    assert c.get(f"/api/v1/offices/BKS/figures?{PERIOD}&by=service", headers=h).json.keys() >= {"by_service"}
    assert c.get(f"/api/v1/offices/BKS/figures?by=colour", headers=h).status_code == 400
    st = c.get(f"/api/v1/offices/BKS/staffing?to=2026-01-04&weekday=1", headers=h)
    assert st.status_code == 200 and st.json["method"] == "erlang_c" and st.json["weekday"] == 1
    side = c.get(f"/api/v1/figures?{PERIOD}", headers=h)
    assert side.status_code == 200 and [o["office"] for o in side.json["offices"]] == ["BKS"]
    assert c.get(f"/api/v1/figures?offices=KRW", headers=h).status_code == 404


def test_api_office_isolation_and_roles(rapp, rdemo):
    c = rapp.test_client()
    other = {"Authorization": f"Bearer {rdemo['tokens']['manajer.krw']}"}
    clerk = {"Authorization": f"Bearer {rdemo['tokens']['petugas1']}"}
    assert c.get("/api/v1/offices/BKS/figures", headers=other).status_code == 403
    assert c.get("/api/v1/offices/BKS/figures", headers=clerk).status_code == 403
    assert c.get("/api/v1/offices/BKS/figures").status_code == 401
    assert c.get("/api/v1/offices/NOPE/figures", headers=other).status_code == 404


def test_pages_refuse_other_offices_clerks_and_strangers(rapp, rdemo):
    c = login(rapp.test_client(), rdemo, "manajer.krw")
    assert c.get("/manager/BKS/figures").status_code == 403
    assert c.get("/manager/BKS/figures.csv").status_code == 403
    assert c.get("/manager/BKS/report/2026-01").status_code == 403
    assert c.post("/manager/BKS/figures/targets", data={}).status_code == 403
    clerk = login(rapp.test_client(), rdemo, "petugas1")
    assert clerk.get("/manager/BKS/figures").status_code == 403
    anon = rapp.test_client().get("/manager/BKS/figures")
    assert anon.status_code in (302, 401)


def test_openapi_lists_the_figures_paths(rapp, rdemo):
    doc = rapp.test_client().get("/api/v1/openapi.json").json
    assert "/api/v1/offices/{office_code}/figures" in doc["paths"]
    assert "/api/v1/figures" in doc["paths"] and "FigureSummary" in doc["components"]["schemas"]


def test_targets_form_needs_its_csrf_token(rapp, rdemo):
    c = login(rapp.test_client(), rdemo, "manajer")
    rapp.config["WTF_CSRF_ENABLED"] = True
    sid = rdemo["services"][0]["id"]
    r = c.post("/manager/BKS/figures/targets", data={f"target-{sid}": "15"})
    assert r.status_code == 400
    rapp.config["WTF_CSRF_ENABLED"] = False
    assert 'value="15"' not in c.get("/manager/BKS/figures/targets").get_data(as_text=True)


def test_api_bad_dates_are_a_400_in_english(rapp, rdemo):
    c = rapp.test_client()
    h = {"Authorization": f"Bearer {rdemo['tokens']['manajer']}"}
    r = c.get("/api/v1/offices/BKS/figures?from=2026-02-30", headers=h)
    assert r.status_code == 400 and r.json["error"] == "bad_request"
    assert "YYYY-MM-DD" in r.json["message"] or "TTTT-BB-HH" in r.json["message"]
    r = c.get("/api/v1/offices/BKS/staffing?weekday=9", headers=h)
    assert r.status_code == 400


def test_rollup_job_catches_up_and_the_figures_stay_the_same(rapp, rdemo):
    from datetime import datetime, timezone

    from reports.jobs import rollup_job
    from reports.models import report_day

    c = rapp.test_client()
    h = {"Authorization": f"Bearer {rdemo['tokens']['manajer']}"}
    before = c.get(f"/api/v1/offices/BKS/figures?{PERIOD}", headers=h).json
    with rapp.app_context():
        from queue_service.extensions import db
        rollup_job(rapp, datetime(2026, 1, 5, 12, tzinfo=timezone.utc))
        assert db.session.query(report_day).count() == 3  # the three played days (closed by the rollover)
        db.session.remove()
    after = c.get(f"/api/v1/offices/BKS/figures?{PERIOD}", headers=h).json
    assert after == before


def test_cli_rebuild_rolls_up_closed_days_and_refuses_bad_input(rapp, rdemo):
    from queue_service.extensions import db
    from reports.models import report_day

    runner = rapp.test_cli_runner()
    r = runner.invoke(args=["reports", "rebuild", "--office", "BKS"])
    assert r.exit_code == 0, r.output
    assert "3 ticket" not in r.output and "Rolled up" in r.output
    with rapp.app_context():
        days = db.session.query(report_day).count()
        db.session.remove()
    assert days >= 3
    assert runner.invoke(args=["reports", "rebuild", "--office", "NOPE"]).exit_code != 0
    bad = runner.invoke(args=["reports", "rebuild", "--from", "2026-02-30"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
    assert runner.invoke(args=["reports", "rebuild", "--from", "2026-01-05", "--to", "2026-01-01"]).exit_code != 0
