"""SVG charts: well-formed, labelled for assistive technology, CSP-clean, numbers carried in titles."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from reports import charts

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == NS + "svg" and root.get("role") == "img"
    t, d = root.get("aria-labelledby").split()
    ids = {e.get("id"): e for e in root.iter() if e.get("id")}
    assert ids[t].tag == NS + "title" and ids[d].tag == NS + "desc"
    assert "style" not in svg and "<script" not in svg  # CSP: classes only
    return root


def titles(root):
    return [e.text for e in root.iter(NS + "title")]


def test_nice_max():
    assert charts.nice_max(0) == 1 and charts.nice_max(7) == 8 and charts.nice_max(101) == 120
    assert charts.nice_max(float("inf")) == 1 and charts.nice_max(1) == 1


def test_bar_chart_bars_titles_gap_and_target():
    svg = charts.bar_chart("b1", [("08", 12), ("09", None), ("10", 30.5)], title="Tiket <per> jam",
                           desc="d & e", target=20, target_label="target 20")
    root = parse(svg)
    bars = [e for e in root.iter(NS + "rect") if e.get("class") == "bar"]
    assert len(bars) == 2  # None is a gap
    assert "08: 12" in titles(root) and "10: 30.5" in titles(root)
    assert titles(root)[0] == "Tiket <per> jam"  # escaped in the markup, intact when parsed
    assert [e for e in root.iter(NS + "line") if e.get("class") == "target"]
    heights = sorted(float(b.get("height")) for b in bars)
    assert heights[0] < heights[1]


def test_bar_chart_empty_and_zero_data():
    parse(charts.bar_chart("b2", [], title="t", desc="d"))
    root = parse(charts.bar_chart("b3", [("a", 0)], title="t", desc="d"))
    assert [float(e.get("height")) for e in root.iter(NS + "rect")] == [0.0]


def test_line_chart_breaks_on_none_and_titles_points():
    svg = charts.line_chart("l1", ["W1", "W2", "W3", "W4"],
                            [("P90", "p90", [10, None, 12, 14]), ("rata-rata", "mean", [5, 6, 7, 8])],
                            title="Tren", desc="d", target=30, target_label="target")
    root = parse(svg)
    lines = [e for e in root.iter(NS + "polyline")]
    assert [e.get("class") for e in lines] == ["p90", "mean"]  # the P90 run of one point before the gap is dropped
    assert len(lines[0].get("points").split()) == 2 and len(lines[1].get("points").split()) == 4
    pts = [e for e in root.iter(NS + "circle")]
    assert len(pts) == 7 and "P90 W4: 14" in titles(root)


def test_heatmap_levels_numbers_and_rows():
    values = {(1, 8): 40.0, (1, 9): 10.0, (2, 8): 0.0, (5, 13): 2.4}
    svg = charts.heatmap("h1", values, rows=[(1, "Sen"), (2, "Sel"), (5, "Jum")], hours=[8, 9, 13],
                         title="Kedatangan", desc="d")
    root = parse(svg)
    cells = [e for e in root.iter(NS + "rect")]
    assert len(cells) == 9
    classes = {e.find(NS + "title").text: e.get("class") for e in cells}
    assert classes["Sen 08:00: 40.0"] == f"heat heat-{charts.HEAT_LEVELS - 1}"
    assert classes["Sel 08:00: 0.0"] == "heat heat-0"
    nums = [e.text for e in root.iter(NS + "text") if (e.get("class") or "").startswith("heat-val")]
    assert nums == ["40", "10", "2"]  # every non-empty cell prints its number
    hot = [e for e in root.iter(NS + "text") if e.get("class") == "heat-val hot"]
    assert [e.text for e in hot] == ["40"]


@pytest.mark.parametrize("v,top,level", [(0, 10, 0), (0.1, 10, 1), (10, 10, charts.HEAT_LEVELS - 1), (5, 0, 0)])
def test_heat_level(v, top, level):
    assert charts.heat_level(v, top) == level


def test_staffing_chart_bars_and_open_line():
    svg = charts.staffing_chart("s1", [("08", 9, 6.0), ("09", 7, None), ("10", 5, 5.5)], title="Loket",
                                desc="d", needed_label="perlu", open_label="buka")
    root = parse(svg)
    assert len([e for e in root.iter(NS + "rect") if e.get("class") == "bar-need"]) == 3
    assert len([e for e in root.iter(NS + "rect") if e.get("class") == "open-pt"]) == 2
    assert "08: perlu 9" in titles(root) and "10: buka 5.5" in titles(root)
    assert len(list(root.iter(NS + "polyline"))) == 1
