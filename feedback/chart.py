"""The IKM bar chart for the manager page and the monthly report: server-side SVG (pure, no Flask).

Nine horizontal bars, one per unsur, of its converted value (NRR x 25, on the 25–100 scale), with the grade
boundaries (65.00, 76.61, 88.31) drawn as dashed lines; the weakest unsur's bar is marked. CSS classes only
(the pages' CSP forbids inline styles); the page offers the same numbers in a table.
"""
from __future__ import annotations

from decimal import Decimal
from html import escape

W = 720
ROW = 30
PAD_L, PAD_R, PAD_T, PAD_B = 250, 60, 10, 30
LO, HI = 25.0, 100.0
BOUNDARIES = (65.0, 76.61, 88.31)


def _x(v: float) -> float:
    return PAD_L + (min(max(v, LO), HI) - LO) / (HI - LO) * (W - PAD_L - PAD_R)


def ikm_bars(cid: str, rows: list[tuple[str, str, Decimal | None, bool]], *, title: str, desc: str,
             no_data: str, decimal_mark: str = ",") -> str:
    """``rows``: (code, label, converted value or None, weakest?) in display order."""
    h = PAD_T + ROW * len(rows) + PAD_B
    body: list[str] = []
    for b in BOUNDARIES:
        x = _x(b)
        body.append(f'<line class="grade-line" x1="{x:.1f}" x2="{x:.1f}" y1="{PAD_T}" y2="{h - PAD_B}"/>')
        body.append(f'<text class="tick" x="{x:.1f}" y="{h - PAD_B + 16}" text-anchor="middle">'
                    f'{f"{b:.2f}".replace(".", decimal_mark)}</text>')
    for v in (LO, HI):
        body.append(f'<text class="tick" x="{_x(v):.1f}" y="{h - PAD_B + 16}" text-anchor="middle">{v:.0f}</text>')
    for i, (code, label, value, weakest) in enumerate(rows):
        y = PAD_T + i * ROW
        body.append(f'<text class="label" x="{PAD_L - 8}" y="{y + ROW * 0.65:.1f}" text-anchor="end">'
                    f'{escape(code)} {escape(label)}</text>')
        if value is None:
            body.append(f'<text class="value" x="{PAD_L + 4}" y="{y + ROW * 0.65:.1f}">{escape(no_data)}</text>')
            continue
        v = float(value)
        cls = "bar weakest" if weakest else "bar"
        shown = f"{value:.2f}".replace(".", decimal_mark)
        body.append(f'<rect class="{cls}" x="{PAD_L}" y="{y + 5}" width="{_x(v) - PAD_L:.1f}" height="{ROW - 10}">'
                    f'<title>{escape(code)} {escape(label)}: {shown}</title></rect>')
        body.append(f'<text class="value" x="{_x(v) + 4:.1f}" y="{y + ROW * 0.65:.1f}">{shown}</text>')
    return (f'<svg class="chart ikm-chart" viewBox="0 0 {W} {h}" role="img" aria-labelledby="{cid}-t {cid}-d" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="{cid}-t">{escape(title)}</title>'
            f'<desc id="{cid}-d">{escape(desc)}</desc>{"".join(body)}</svg>')
