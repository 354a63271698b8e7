"""Stock-out risk from daily stock figures (pure: no Flask, no SQLAlchemy).

``office_closed_days`` builds the calendar the forecast needs (weekends from the office's open
days, Indonesian public holidays from the ``holidays`` package, the office's own closures);
``demand_history`` turns daily stock rows into the forecast's history (days that ran out of stock
are censored: ``None``, unless the citizens turned away were counted); ``assess`` computes days of
cover, the stock-out date, the reorder point and the probability of running out before the next
delivery, and classifies the item as ok / warning / critical.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, timedelta

from inventory.forecast import Forecast, days_of_cover, forecast_daily, reorder_point, stockout_probability

#: how much history the forecast reads (two years keep both yearly seasons in view)
HISTORY_DAYS = 730
DEFAULT_HORIZON = 30
#: alert levels: "critical" when running out before the next delivery is at least this likely
CRITICAL_PROBABILITY = 0.5


@dataclass(frozen=True)
class DayFigures:
    """One office-local day of one item (a StockDay row)."""

    day: date
    used: int = 0
    imported: int | None = None
    turned_away: int = 0
    opening: int | None = None
    min_balance: int | None = None
    closing: int | None = None


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.Indonesia(years=year))


@lru_cache(maxsize=256)
def _closed(open_days: str, start: date, end: date) -> frozenset[date]:
    open_set = {int(c) for c in open_days if c.isdigit()}
    hol: set[date] = set()
    for year in range(start.year, end.year + 1):
        hol |= _holidays(year)
    out = set()
    d = start
    while d <= end:
        if d.isoweekday() not in open_set or d in hol:
            out.add(d)
        d += timedelta(days=1)
    return frozenset(out)


def office_closed_days(open_days: str, start: date, end: date, extra: Iterable[date] = ()) -> set[date]:
    """Dates in ``start..end`` the office is closed: weekdays not in ``open_days`` (ISO digits,
    "12345" = Monday to Friday), Indonesian public holidays (``holidays`` package), and ``extra``
    closures of the office itself."""
    out = set(_closed(open_days, start, end))
    out.update(x for x in extra if start <= x <= end)
    return out


def demand_history(rows: Iterable[DayFigures], *, end: date, closed: set[date],
                   balance_before: int | None = None) -> dict[date, float | None]:
    """Daily demand from the first row's day to ``end`` (inclusive) for ``forecast_daily``.

    Demand = used + imported + turned away. A day is censored (``None``) when it ran out of stock
    (its lowest balance, or the balance carried from earlier days, was 0) and nobody counted the
    citizens turned away. Days without a row are 0 demand if stock was on hand. Closed days are
    0 (they are passed to the forecast as closed anyway)."""
    by_day = {r.day: r for r in rows}
    if not by_day:
        return {}
    start = min(by_day)
    out: dict[date, float | None] = {}
    carried = balance_before
    d = start
    while d <= end:
        r = by_day.get(d)
        if d in closed:
            out[d] = 0.0
            if r is not None and r.closing is not None:
                carried = r.closing
            d += timedelta(days=1)
            continue
        if r is None:
            out[d] = None if carried == 0 else 0.0
        else:
            demand = r.used + (r.imported or 0) + r.turned_away
            low = r.min_balance
            if r.opening is not None:
                low = r.opening if low is None else min(low, r.opening)
            ran_out = low == 0 or (low is None and carried == 0 and not r.imported)
            out[d] = None if ran_out and r.turned_away == 0 else float(demand)
            if r.closing is not None:
                carried = r.closing
        d += timedelta(days=1)
    return out


@dataclass
class Risk:
    status: str  # "ok" | "warning" | "critical" | "unknown"
    balance: int
    start_stock: int
    days_of_cover: float | None = None
    stockout_date: date | None = None
    reorder_point: float | None = None
    p_stockout: float | None = None
    horizon_days: int | None = None
    next_delivery: date | None = None
    daily_mean: float | None = None
    service_level: float = 0.95
    lead_days: int = 14
    method: str = ""
    reasons: list[str] = field(default_factory=list)
    forecast: Forecast | None = None

    def as_dict(self) -> dict:
        cover = self.days_of_cover
        return {
            "status": self.status,
            "balance": self.balance,
            "days_of_cover": None if cover is None else (None if math.isinf(cover) else round(cover, 2)),
            "covers_horizon": bool(cover is not None and math.isinf(cover)),
            "stockout_date": self.stockout_date.isoformat() if self.stockout_date else None,
            "reorder_point": None if self.reorder_point is None else round(self.reorder_point, 1),
            "service_level": self.service_level,
            "lead_days": self.lead_days,
            "p_stockout_before_delivery": None if self.p_stockout is None else round(self.p_stockout, 3),
            "risk_window_days": self.horizon_days,
            "next_delivery": self.next_delivery.isoformat() if self.next_delivery else None,
            "forecast_daily_mean": None if self.daily_mean is None else round(self.daily_mean, 2),
            "method": self.method,
            "reasons": list(self.reasons),
        }


def assess(*, today: date, balance: int, used_today: int, history: Mapping[date, float | None],
           closed: set[date], next_delivery: date | None, lead_days: int = 14,
           service_level: float = 0.95, horizon: int = DEFAULT_HORIZON, level: float = 0.9,
           tracked: bool = True) -> Risk:
    """Risk of one item. ``history`` ends yesterday; the forecast starts today, so the stock it is
    compared with is today's opening stock (``balance + used_today``). ``tracked=False`` (an item
    that never had a movement) is never alarming."""
    start_stock = balance + used_today
    risk = Risk(status="unknown", balance=balance, start_stock=start_stock, next_delivery=next_delivery,
                service_level=service_level, lead_days=lead_days)
    window = lead_days if next_delivery is None else max(0, (next_delivery - today).days)
    need = max(horizon, window, lead_days, 1)
    known = [v for v in history.values() if v is not None]
    if not known:
        risk.reasons.append("no_history")
        if balance == 0 and tracked:
            risk.status = "critical"
            risk.reasons.append("out_of_stock")
        return risk
    hist_closed = {d for d in closed if d in history}
    fut_closed = {today + timedelta(days=i) for i in range(need) if today + timedelta(days=i) in closed}
    fc = forecast_daily(history, need, closed=hist_closed | fut_closed, level=level)
    if fc.dates[0] != today:  # history must end yesterday
        raise ValueError(f"history must end the day before {today}, it ends {fc.dates[0] - timedelta(days=1)}")
    risk.forecast = fc
    risk.method = fc.method
    risk.horizon_days = window
    open_means = [m for d, m in zip(fc.dates, fc.mean) if d not in closed]
    risk.daily_mean = float(sum(open_means) / len(open_means)) if open_means else 0.0
    cover = days_of_cover(start_stock, fc)
    risk.days_of_cover = cover
    if not math.isinf(cover):
        risk.stockout_date = today + timedelta(days=int(math.floor(cover)))
    risk.reorder_point = reorder_point(fc, lead_days, service_level)
    risk.p_stockout = stockout_probability(start_stock, fc, window) if window > 0 else 0.0

    if balance == 0:
        risk.status = "critical"
        risk.reasons.append("out_of_stock")
    elif risk.p_stockout >= CRITICAL_PROBABILITY or (risk.stockout_date is not None and window > 0
                                                       and risk.stockout_date < today + timedelta(days=window)):
        risk.status = "critical"
        risk.reasons.append("runs_out_before_delivery" if next_delivery else "runs_out_within_lead_time")
    elif balance < risk.reorder_point:
        risk.status = "warning"
        risk.reasons.append("below_reorder_point")
    else:
        risk.status = "ok"
    return risk
