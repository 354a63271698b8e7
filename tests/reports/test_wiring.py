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
    assert [s.key for s in hooks.report_sections(app, "report")] == ["bookings"]
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
