"""The IKM bar chart (server-side SVG)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from feedback.chart import ikm_bars

NS = "{http://www.w3.org/2000/svg}"


def test_bars_title_desc_and_weakest():
    rows = [(f"U{i}", f"Unsur <{i}>", Decimal("80.50") if i != 9 else Decimal("62.25"), i == 9)
            for i in range(1, 10)]
    rows[3] = ("U4", "Biaya", None, False)
    svg = ikm_bars("ikm", rows, title="IKM Januari", desc="Nilai per unsur", no_data="belum ada")
    root = ET.fromstring(svg)   # well-formed, labels escaped
    assert root.get("role") == "img" and root.get("aria-labelledby") == "ikm-t ikm-d"
    assert root.find(f"{NS}title").text == "IKM Januari"
    bars = root.findall(f"{NS}rect")
    assert len(bars) == 8
    assert [b.get("class") for b in bars].count("bar weakest") == 1
    assert "62,25" in svg and "belum ada" in svg and "Unsur &lt;1&gt;" in svg
    widths = {b.find(f"{NS}title").text.split(":")[0]: float(b.get("width")) for b in bars}
    assert widths["U9 Unsur <9>"] < widths["U1 Unsur <1>"]
    assert "style=" not in svg
