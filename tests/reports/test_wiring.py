"""The feature is wired by create_app's default FEATURES: its job, start-page tile, office-page link, OpenAPI
paths, CLI and report sections come through queue_service.hooks, and inventory's count of citizens turned away
for lack of blanks reaches the figures through the turned-away hook (neither feature imports the other)."""
from __future__ import annotations

from queue_service import hooks
from queue_service.config import FEATURES
from tests.conftest import make_app
from tests.reports.conftest import login


def test_default_features_wire_the_figures_through_the_hooks(tmp_path):
    assert "reports" in FEATURES
    app = make_app(f"sqlite:///{tmp_path / 'w.sqlite3'}", tmp_path)
    h = hooks.of(app)
    assert "report-rollup" in [j.name for j in h.jobs]
    assert [n.endpoint for n in h.nav_links if n.key == "figures"] == ["figures.overview"]
    assert [n.endpoint for n in h.office_links] == ["figures.office_page"]
    assert "stock" in h.turned_away_sources
    data = {"office": {"code": "BKS"}, "devices": [], "users": [], "services": [], "counters": []}
    printed = [link for links in h.demo_links for link in (links(app, "http://x", data) or [])]
    assert ("Queue figures", "http://x/manager/figures") in printed
    assert [s.key for s in hooks.report_sections(app, "report")] == ["bookings", "ikm", "complaints"]
    doc = app.test_client().get("/api/v1/openapi.json").json
    assert {"/api/v1/offices/{office_code}/figures", "/api/v1/offices/{office_code}/staffing",
            "/api/v1/figures"} <= set(doc["paths"]) and "OfficeFigures" in doc["components"]["schemas"]
    result = app.test_cli_runner().invoke(args=["reports", "--help"])
    assert result.exit_code == 0 and "rebuild" in result.output


def test_the_start_page_shows_the_figures_tile_to_managers_only(rapp, rdemo):
    manager = login(rapp.test_client(), rdemo, "manajer").get("/").get_data(as_text=True)
    assert 'href="/manager/figures"' in manager
    clerk = login(rapp.test_client(), rdemo, "petugas1").get("/").get_data(as_text=True)
    assert 'href="/manager/figures"' not in clerk


def test_citizens_turned_away_for_lack_of_blanks_are_in_the_figures(rapp, rdemo):
    c = rapp.test_client()
    clerk = {"Authorization": f"Bearer {rdemo['tokens']['petugas1']}"}
    assert c.post("/api/v1/offices/BKS/stock/turned-away", json={"count": 3}, headers=clerk).status_code == 204
    manager = {"Authorization": f"Bearer {rdemo['tokens']['manajer']}"}
    body = c.get("/api/v1/offices/BKS/figures?from=2026-01-05&to=2026-01-05", headers=manager).json
    assert body["turned_away"] == {"stock": 3}
    side = c.get("/api/v1/figures?from=2026-01-05&to=2026-01-05", headers=manager).json
    assert side["offices"][0]["turned_away"] == {"stock": 3}
    assert c.get("/api/v1/offices/BKS/figures?from=2026-01-06&to=2026-01-31", headers=manager).json[
        "turned_away"] == {}


def test_other_features_office_counters_are_columns_of_the_offices_side_by_side(rapp, rdemo):
    """hooks.register_office_counter (feedback: complaint counts) -> extra columns on /manager/figures and a
    "counters" object per office in GET /api/v1/figures, for the caller's offices and period only."""
    seen = []

    def complaints(session, office_ids, start, end):
        seen.append((sorted(office_ids), start, end))
        return {oid: {"Pengaduan": 4 + i, "Dijawab": 3} for i, oid in enumerate(sorted(office_ids))}

    hooks.register_office_counter(rapp, "complaints", complaints)
    page = login(rapp.test_client(), rdemo, "admin").get("/manager/figures?from=2026-01-01&to=2026-01-31")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<th scope="col" class="num">Dijawab</th><th scope="col" class="num">Pengaduan</th>' in html
    assert '<td class="num">3</td><td class="num">4</td>' in html and '<td class="num">5</td>' in html
    admin = {"Authorization": f"Bearer {rdemo['tokens']['admin']}"}
    body = rapp.test_client().get("/api/v1/figures?from=2026-01-01&to=2026-01-31&offices=KRW", headers=admin).json
    assert body["offices"][0]["counters"] == {"complaints": {"Pengaduan": 4, "Dijawab": 3}}
    from datetime import date
    assert seen[-1][1:] == (date(2026, 1, 1), date(2026, 1, 31)) and len(seen[-1][0]) == 1


def test_office_counter_columns_are_headed_by_their_labels_in_the_pages_language(rapp, rdemo):
    """A counter's names stay machine keys in the API; the page heads each column with the label the feature
    registered, in the page's language (a raw "answered_on_time" never reaches a manager)."""
    from flask_babel import lazy_gettext as _l

    hooks.register_office_counter(rapp, "complaints", lambda s, ids, a, b: {i: {"overdue": 2} for i in ids},
                                  labels={"overdue": _l("Pengaduan terlambat")})
    client = login(rapp.test_client(), rdemo, "admin")
    html = client.get("/manager/figures?from=2026-01-01&to=2026-01-31").get_data(as_text=True)
    assert '<th scope="col" class="num">Pengaduan terlambat</th>' in html and ">overdue<" not in html
    client.get("/lang/en")
    html = client.get("/manager/figures?from=2026-01-01&to=2026-01-31").get_data(as_text=True)
    assert '<th scope="col" class="num">Overdue complaints</th>' in html
