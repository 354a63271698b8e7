"""Server-rendered SVG charts for the manager dashboard (pure: no Flask).

Two small charts per item, drawn with CSS classes only (the page's CSP forbids inline styles):

* demand: bars of the daily use of the last 90 days (censored days marked), the forecast mean
  line and its interval band for the next 30 days;
* stock: the stock line so far and its projection (opening stock minus cumulative mean demand,
  plus expected deliveries), the projected stock-out date and the deliveries marked.

Every chart has a <title> and <desc>; the page also offers the numbers as a table. Dates and numbers are
written by a :class:`ChartFormat` the page passes in (Babel, in the page's locale); the x-axis labels never
overlap: a label that would touch the one before it is left out (month starts win over the first day).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

W, H = 720, 230
PAD_L, PAD_R, PAD_T, PAD_B = 52, 14, 14, 34
TICK_FONT_PX = 12  # .chart .tick in inventory.css
LABEL_GAP = 8  # viewBox units kept free between two x-axis labels


@dataclass(frozen=True)
class ChartFormat:
    """How the chart writes dates and numbers: ``day`` on the x axis (short, e.g. "1 Sep"), ``long_day`` in
    tooltips, ``number`` for values. The defaults are locale-neutral; the manager pages pass Babel's."""

    day: Callable[[date], str] = lambda d: f"{d:%d/%m}"
    long_day: Callable[[date], str] = lambda d: d.isoformat()
    number: Callable[[float], str] = lambda v: f"{v:g}"


def label_width(text: str) -> float:
    """A generous estimate of a tick label's width in viewBox units (DejaVu Sans at 12 px: ~0.62 em a glyph)."""
    return len(text) * TICK_FONT_PX * 0.62 + 2


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    import math

    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * exp >= v:
            return m * exp
    return 10 * exp


class _Frame:
    def __init__(self, start: date, end: date, ymax: float):
        self.start, self.days = start, max(1, (end - start).days + 1)
        self.ymax = _nice_max(ymax)
        self.pw = W - PAD_L - PAD_R
        self.ph = H - PAD_T - PAD_B

    def x(self, d: date, frac: float = 0.5) -> float:
        return PAD_L + ((d - self.start).days + frac) * self.pw / self.days

    def y(self, v: float) -> float:
        return PAD_T + self.ph * (1 - max(0.0, min(v, self.ymax)) / self.ymax)

    def bar_w(self) -> float:
        return max(1.0, self.pw / self.days * 0.8)


def x_labels(f: _Frame, fmt: ChartFormat) -> list[tuple[date, float, str]]:
    """(day, x, text) of the x-axis labels: each month's first day, and the first day of the chart unless its
    label would run into the next one; never two labels closer than ``LABEL_GAP``, none past the right edge."""
    end = f.start + timedelta(days=f.days)
    months = [f.start + timedelta(days=i) for i in range(f.days) if (f.start + timedelta(days=i)).day == 1]
    candidates = ([f.start] if f.start not in months else []) + months
    kept: list[tuple[date, float, str]] = []
    for d in candidates:
        x, text = f.x(d, 0) + 2, fmt.day(d)
        right = x + label_width(text)
        if right > W - PAD_R + 2 or d >= end:
            continue
        if kept and x < kept[-1][1] + label_width(kept[-1][2]) + LABEL_GAP:
            if kept[-1][0] == f.start and d.day == 1:
                kept.pop()  # the month start wins over the chart's first day
            else:
                continue
        kept.append((d, x, text))
    return kept


def _axes(f: _Frame, today: date, labels: dict, fmt: ChartFormat) -> list[str]:
    out = []
    for i in range(5):
        v = f.ymax * i / 4
        y = f.y(v)
        out.append(f'<line class="grid" x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="tick" x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{escape(fmt.number(v))}</text>')
    for d, x, text in x_labels(f, fmt):
        out.append(f'<line class="grid" x1="{x - 2:.1f}" x2="{x - 2:.1f}" y1="{PAD_T}" y2="{H - PAD_B}"/>')
        out.append(f'<text class="tick" x="{x:.1f}" y="{H - PAD_B + 14}">{escape(text)}</text>')
    x = f.x(today, 0)
    out.append(f'<line class="today" x1="{x:.1f}" x2="{x:.1f}" y1="{PAD_T}" y2="{H - PAD_B}"/>')
    out.append(f'<text class="today-label" x="{x + 3:.1f}" y="{PAD_T + 10}">{escape(labels["today"])}</text>')
    return out


def _svg(body: list[str], title: str, desc: str, cid: str) -> str:
    return (f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{cid}-t {cid}-d" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="{cid}-t">{escape(title)}</title>'
            f'<desc id="{cid}-d">{escape(desc)}</desc>{"".join(body)}</svg>')


def demand_chart(cid: str, *, today: date, past: dict[date, float | None], closed: set[date],
                 dates: list[date], mean, lower, upper, labels: dict, fmt: ChartFormat | None = None) -> str:
    """``past``: day -> demand (None = censored); ``dates``/``mean``/``lower``/``upper`` the forecast."""
    fmt = fmt or ChartFormat()
    start = min(past) if past else today
    end = dates[-1] if dates else today
    top = max([v for v in past.values() if v is not None] + [float(u) for u in upper] + [1.0])
    f = _Frame(start, end, top)
    body = _axes(f, today, labels, fmt)
    bw = f.bar_w()
    for d, v in sorted(past.items()):
        if d in closed:
            continue
        if v is None:
            body.append(f'<rect class="censored" x="{f.x(d) - bw / 2:.1f}" y="{PAD_T}" width="{bw:.1f}" '
                        f'height="{f.ph:.1f}"><title>{escape(fmt.long_day(d))}: {escape(labels["censored"])}'
                        '</title></rect>')
            continue
        y = f.y(v)
        body.append(f'<rect class="bar" x="{f.x(d) - bw / 2:.1f}" y="{y:.1f}" width="{bw:.1f}" '
                    f'height="{H - PAD_B - y:.1f}"><title>{escape(fmt.long_day(d))}: {escape(fmt.number(v))}'
                    '</title></rect>')
    if dates:
        upper_pts = " ".join(f"{f.x(d):.1f},{f.y(float(u)):.1f}" for d, u in zip(dates, upper))
        lower_pts = " ".join(f"{f.x(d):.1f},{f.y(float(lo)):.1f}" for d, lo in reversed(list(zip(dates, lower))))
        body.append(f'<polygon class="band" points="{upper_pts} {lower_pts}"/>')
        pts = " ".join(f"{f.x(d):.1f},{f.y(float(m)):.1f}" for d, m in zip(dates, mean))
        body.append(f'<polyline class="forecast" points="{pts}"/>')
    desc = labels["demand_desc"]
    return _svg(body, labels["demand_title"], desc, cid)


def stock_chart(cid: str, *, today: date, past_stock: dict[date, int], projection: list[tuple[date, float]],
                stockout: date | None, deliveries: list[tuple[date, int]], reorder_point: float | None,
                labels: dict, fmt: ChartFormat | None = None) -> str:
    fmt = fmt or ChartFormat()
    start = min(past_stock) if past_stock else today
    end = projection[-1][0] if projection else today
    top = max(list(past_stock.values()) + [v for _, v in projection] + [reorder_point or 0, 1.0])
    f = _Frame(start, end, top)
    body = _axes(f, today, labels, fmt)
    if reorder_point:
        y = f.y(reorder_point)
        body.append(f'<line class="rop" x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}"/>')
        body.append(f'<text class="rop-label" x="{W - PAD_R - 4}" y="{y - 4:.1f}" text-anchor="end">'
                    f'{escape(labels["reorder_point"])} {escape(fmt.number(round(reorder_point)))}</text>')
    if past_stock:
        pts = " ".join(f"{f.x(d, 1):.1f},{f.y(v):.1f}" for d, v in sorted(past_stock.items()))
        body.append(f'<polyline class="stock" points="{pts}"/>')
    if projection:
        pts = " ".join(f"{f.x(d, 1):.1f},{f.y(v):.1f}" for d, v in projection)
        body.append(f'<polyline class="projection" points="{pts}"/>')
    for d, q in deliveries:
        if f.start <= d <= end:
            x = f.x(d, 0)
            body.append(f'<line class="delivery" x1="{x:.1f}" x2="{x:.1f}" y1="{PAD_T}" y2="{H - PAD_B}"/>')
            body.append(f'<text class="delivery-label" x="{x + 3:.1f}" y="{PAD_T + 24}">'
                        f'{escape(labels["delivery"])} +{escape(fmt.number(q))}</text>')
    if stockout is not None and stockout <= end:
        x = f.x(stockout, 0.5)
        y = f.y(0)
        body.append(f'<circle class="stockout" cx="{x:.1f}" cy="{y:.1f}" r="6"/>')
        body.append(f'<text class="stockout-label" x="{x:.1f}" y="{y - 10:.1f}" text-anchor="middle">'
                    f'{escape(labels["stockout"])} {escape(fmt.day(stockout))}</text>')
    return _svg(body, labels["stock_title"], labels["stock_desc"], cid)


def projection(today: date, start_stock: float, dates: list[date], mean, deliveries: list[tuple[date, int]]
               ) -> list[tuple[date, float]]:
    """End-of-day projected stock: opening stock minus cumulative mean demand plus deliveries
    (arriving at the start of their day); never below 0."""
    by_day: dict[date, int] = {}
    for d, q in deliveries:
        by_day[d] = by_day.get(d, 0) + q
    out, s = [], float(start_stock)
    for d, m in zip(dates, mean):
        s += by_day.get(d, 0)
        s = max(0.0, s - float(m))
        out.append((d, s))
    return out
