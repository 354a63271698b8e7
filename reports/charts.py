"""Server-rendered SVG charts for the queue figures (pure: no Flask), in the stock dashboard's style.

Drawn with CSS classes only (the CSP forbids inline styles), readable without JavaScript: every chart has
a ``<title>`` and ``<desc>`` (role="img", aria-labelledby), each mark carries its own ``<title>`` with the
number, and the pages show the same numbers as a table. Texts come in as arguments, already translated.

* :func:`bar_chart` — one value per category (tickets per hour, per day, per service), optional target line;
* :func:`line_chart` — a few series over weeks (trends), optional target line;
* :func:`heatmap` — mean arrivals per weekday x hour, the number printed in every cell (colour is not the
  only carrier of the value);
* :func:`staffing_chart` — counters needed per hour (bars) beside the counters open (a marked line).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

W, H = 720, 230
PAD_L, PAD_R, PAD_T, PAD_B = 52, 14, 14, 40
HEAT_LEVELS = 6


def nice_max(v: float) -> float:
    """The axis top: the smallest 'round' number ≥ v (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k)."""
    if not v or v <= 0 or not math.isfinite(v):
        return 1.0
    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * exp >= v - 1e-12:
            return m * exp
    return 10 * exp


def fmt(v: float) -> str:
    """Short number for ticks and titles: 12, 3.5, 1,250 -> '1250' (no locale: labels are built by
    the caller when a localised text is needed)."""
    if v is None:
        return "–"
    if abs(v - round(v)) < 1e-9:
        return str(int(round(v)))
    return f"{v:.1f}"


def _svg(body: list[str], title: str, desc: str, cid: str, height: int = H, width: int = W) -> str:
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{cid}-t {cid}-d" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="{cid}-t">{escape(title)}</title>'
            f'<desc id="{cid}-d">{escape(desc)}</desc>{"".join(body)}</svg>')


def _y_axis(top: float, ph: float) -> list[str]:
    out = []
    for i in range(5):
        v = top * i / 4
        y = PAD_T + ph * (1 - v / top)
        out.append(f'<line class="grid" x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="tick" x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt(v)}</text>')
    return out


def _every(n: int, room: float, per_label: float = 38.0) -> int:
    """Label every k-th category so that labels do not overlap."""
    return max(1, math.ceil(n * per_label / max(room, 1.0)))


def bar_chart(cid: str, data: Sequence[tuple[str, float | None]], *, title: str, desc: str,
              target: float | None = None, target_label: str = "", css: str = "bar") -> str:
    """Vertical bars, one per ``(label, value)``; ``None`` values leave a gap. ``target`` draws a dashed
    line (e.g. the target wait)."""
    values = [v for _, v in data if v is not None]
    top = nice_max(max(values + ([target] if target else []) + [0.0]))
    pw, ph = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    body = _y_axis(top, ph)
    n = max(1, len(data))
    step = pw / n
    bw = max(1.0, min(step * 0.75, 48.0))
    every = _every(n, pw)
    for i, (label, v) in enumerate(data):
        x = PAD_L + step * i + (step - bw) / 2
        if v is not None:
            y = PAD_T + ph * (1 - min(v, top) / top)
            body.append(f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{PAD_T + ph - y:.1f}">'
                        f'<title>{escape(label)}: {fmt(v)}</title></rect>')
        if i % every == 0:
            body.append(f'<text class="tick" x="{x + bw / 2:.1f}" y="{H - PAD_B + 14}" text-anchor="middle">'
                        f'{escape(label)}</text>')
    if target:
        y = PAD_T + ph * (1 - min(target, top) / top)
        body.append(f'<line class="target" x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}"/>')
        body.append(f'<text class="target-label" x="{W - PAD_R - 4}" y="{y - 4:.1f}" text-anchor="end">'
                    f'{escape(target_label)}</text>')
    return _svg(body, title, desc, cid)


def line_chart(cid: str, labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[float | None]]], *,
               title: str, desc: str, target: float | None = None, target_label: str = "") -> str:
    """Lines over the ``labels`` (e.g. weeks): ``series`` = (name, css class, values); ``None`` breaks a line.
    Each point is a circle with a ``<title>`` so that the value shows on hover and in the accessibility tree."""
    values = [v for _, _, vs in series for v in vs if v is not None]
    top = nice_max(max(values + ([target] if target else []) + [0.0]))
    pw, ph = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    body = _y_axis(top, ph)
    n = max(1, len(labels))
    step = pw / n

    def x(i: int) -> float:
        return PAD_L + step * (i + 0.5)

    def y(v: float) -> float:
        return PAD_T + ph * (1 - min(v, top) / top)

    every = _every(n, pw, 56.0)
    for i, lab in enumerate(labels):
        if i % every == 0:
            body.append(f'<text class="tick" x="{x(i):.1f}" y="{H - PAD_B + 14}" text-anchor="middle">'
                        f'{escape(lab)}</text>')
    if target:
        body.append(f'<line class="target" x1="{PAD_L}" x2="{W - PAD_R}" y1="{y(target):.1f}" y2="{y(target):.1f}"/>')
        body.append(f'<text class="target-label" x="{W - PAD_R - 4}" y="{y(target) - 4:.1f}" text-anchor="end">'
                    f'{escape(target_label)}</text>')
    for name, css, vs in series:
        run: list[str] = []
        for i, v in enumerate(vs):
            if v is None:
                if len(run) > 1:
                    body.append(f'<polyline class="{css}" points="{" ".join(run)}"/>')
                run = []
                continue
            run.append(f"{x(i):.1f},{y(v):.1f}")
        if len(run) > 1:
            body.append(f'<polyline class="{css}" points="{" ".join(run)}"/>')
        for i, v in enumerate(vs):
            if v is not None:
                body.append(f'<circle class="{css}-pt" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5">'
                            f'<title>{escape(name)} {escape(labels[i])}: {fmt(v)}</title></circle>')
    return _svg(body, title, desc, cid)


def heat_level(v: float, top: float) -> int:
    """0 (none) .. HEAT_LEVELS-1 (busiest) for the cell's CSS class."""
    if v <= 0 or top <= 0:
        return 0
    return max(1, min(HEAT_LEVELS - 1, math.ceil(v / top * (HEAT_LEVELS - 1))))


def heatmap(cid: str, values: dict[tuple[int, int], float], *, rows: Sequence[tuple[int, str]],
            hours: Sequence[int], title: str, desc: str) -> str:
    """A grid: ``rows`` = (ISO weekday, label), columns = ``hours``; each cell shows its number (one
    decimal) and is shaded by one of ``HEAT_LEVELS`` classes; dark cells get light text (class ``hot``)."""
    cw, rh, left, topm = 44, 26, 64, 22
    width = max(W, left + cw * len(hours) + PAD_R)
    height = topm + rh * len(rows) + 8
    top = max(list(values.values()) + [0.0])
    body = []
    for j, h in enumerate(hours):
        body.append(f'<text class="tick" x="{left + cw * j + cw / 2:.1f}" y="{topm - 7}" text-anchor="middle">'
                    f'{h:02d}</text>')
    for i, (wd, label) in enumerate(rows):
        y = topm + rh * i
        body.append(f'<text class="tick" x="{left - 6}" y="{y + rh / 2 + 4:.1f}" text-anchor="end">{escape(label)}</text>')
        for j, h in enumerate(hours):
            v = values.get((wd, h), 0.0)
            lvl = heat_level(v, top)
            x = left + cw * j
            body.append(f'<rect class="heat heat-{lvl}" x="{x + 1}" y="{y + 1}" width="{cw - 2}" height="{rh - 2}">'
                        f'<title>{escape(label)} {h:02d}:00: {v:.1f}</title></rect>')
            if v > 0:
                hot = " hot" if lvl >= HEAT_LEVELS - 2 else ""
                body.append(f'<text class="heat-val{hot}" x="{x + cw / 2:.1f}" y="{y + rh / 2 + 4:.1f}" '
                            f'text-anchor="middle">{v:.0f}</text>')
    return _svg(body, title, desc, cid, height=height, width=width)


def staffing_chart(cid: str, rows: Sequence[tuple[str, int, float | None]], *, title: str, desc: str,
                   needed_label: str, open_label: str) -> str:
    """Per hour ``(label, needed, open)``: bars of the counters needed and a line with markers of the
    counters open (skipped where unknown)."""
    top = nice_max(max([float(n) for _, n, _ in rows] + [float(o) for _, _, o in rows if o is not None] + [1.0]))
    pw, ph = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    body = _y_axis(top, ph)
    n = max(1, len(rows))
    step = pw / n
    bw = max(1.0, min(step * 0.6, 48.0))
    pts = []
    for i, (label, need, opened) in enumerate(rows):
        cx = PAD_L + step * (i + 0.5)
        y = PAD_T + ph * (1 - min(need, top) / top)
        body.append(f'<rect class="bar-need" x="{cx - bw / 2:.1f}" y="{y:.1f}" width="{bw:.1f}" '
                    f'height="{PAD_T + ph - y:.1f}"><title>{escape(label)}: {escape(needed_label)} {need}</title></rect>')
        body.append(f'<text class="tick" x="{cx:.1f}" y="{H - PAD_B + 14}" text-anchor="middle">{escape(label)}</text>')
        if opened is not None:
            oy = PAD_T + ph * (1 - min(opened, top) / top)
            pts.append((cx, oy, label, opened))
    if len(pts) > 1:
        body.append('<polyline class="open-line" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in pts) + '"/>')
    for x, y, label, opened in pts:
        body.append(f'<rect class="open-pt" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8">'
                    f'<title>{escape(label)}: {escape(open_label)} {fmt(opened)}</title></rect>')
    return _svg(body, title, desc, cid)
