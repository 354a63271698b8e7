"""Report sections of other features appear on the figures page, the monthly report and the exports, with the
context (period, served per service) they need; a key registered twice is refused."""
from __future__ import annotations

import csv
import io

import pytest

from queue_service.hooks import ReportSection, register_report_section
from tests.reports.conftest import login


def test_a_feature_section_is_rendered_with_its_context(rapp, rdemo, tmp_path):
    seen = []

    def build(session, ctx):
        seen.append(ctx)
        return {"served": ctx.served_total, "days": (ctx.end - ctx.start).days + 1}

    (tmp_path / "tpl").mkdir()
    register_report_section(rapp, ReportSection(
        key="uji", title="Bagian uji", order=50, build=build, template="reports/_test_section.html",
        export=lambda data: [("uji", ["dilayani"], [[data["served"]]])], places=frozenset({"report", "figures"})))
    import jinja2
    rapp.jinja_loader = jinja2.ChoiceLoader([rapp.jinja_loader, jinja2.DictLoader({
        "reports/_test_section.html": '<p class="uji">{{ data.served }} / {{ data.days }} / {{ ctx.office.code }}</p>'})])
    c = login(rapp.test_client(), rdemo, "manajer")
    page = c.get("/manager/BKS/figures?from=2025-12-29&to=2026-01-04").get_data(as_text=True)
    assert '<section class="report-section" id="section-uji"' in page and '<p class="uji">18 / 7 / BKS</p>' in page
    report = c.get("/manager/BKS/report/2025-12").get_data(as_text=True)
    assert '<p class="uji">18 / 31 / BKS</p>' in report
    assert seen[0].served == {s["id"]: 9 for s in rdemo["services"] if s["code"] in ("REKAM", "KK")}
    rows = list(csv.reader(io.StringIO(c.get("/manager/BKS/figures.csv?from=2025-12-29&to=2026-01-04")
                                       .data.decode("utf-8-sig"))))
    assert ["# uji"] in rows and ["18"] in rows
    with pytest.raises(ValueError):
        register_report_section(rapp, ReportSection(key="uji", title="x", order=1, build=build, template="x"))
