"""Stock risk from the database: each item's demand history into the forecast (``inventory.risk``), the figures
stored on its balance row, its alert moved along; which items are due (a movement since, or an earlier office
day), the background job that recomputes them, and the loops the pages and the API run after a movement.
Pure of Flask except the job."""
from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inventory.alerts import alert_detail, alert_message, sync_alert
from inventory.ledger import balance_of, items_of, stock_event
from inventory.models import ExpectedDelivery, StockDay, StockItem, StockLevel, StockMovement
from inventory.risk import HISTORY_DAYS, DayFigures, Risk, assess, demand_history, office_closed_days
from inventory.webhooks import webhook_url_for
from queue_service import realtime
from queue_service.domain.clock import office_day
from queue_service.domain.events import Event
from queue_service.models import Office


def history_rows(session: Session, item: StockItem, start: date, end: date) -> list[DayFigures]:
    t = StockDay.__table__
    rows = session.execute(select(t.c.day, t.c.used, t.c.imported, t.c.turned_away, t.c.opening, t.c.min_balance,
                                  t.c.closing).where(t.c.item_id == item.id, t.c.day >= start, t.c.day <= end)
                           .order_by(t.c.day))
    return [DayFigures(*r) for r in rows]


def history_for(session: Session, item: StockItem, today: date, days: int = HISTORY_DAYS
                ) -> tuple[dict[date, float | None], set[date]]:
    """The forecast's input for ``item``: daily demand up to yesterday (censored days None) and
    the office's closed days from the history's start to a year ahead."""
    office = item.office
    start = today - timedelta(days=days)
    rows = history_rows(session, item, start, today - timedelta(days=1))
    closed = office_closed_days(office.open_days, start, today + timedelta(days=366))
    before = None
    if rows:
        before = session.scalar(select(StockDay.closing).where(StockDay.item_id == item.id,
                                                               StockDay.day < rows[0].day)
                                .order_by(StockDay.day.desc()).limit(1))
    return demand_history(rows, end=today - timedelta(days=1), closed=closed, balance_before=before), closed


def assess_item(session: Session, item: StockItem, now: datetime, *, horizon: int = 30,
                days: int = HISTORY_DAYS) -> Risk:
    office = item.office
    today = office_day(now, office.timezone)
    history, closed = history_for(session, item, today, days)
    balance = balance_of(session, item)
    used_today = session.scalar(select(StockDay.used).where(StockDay.item_id == item.id,
                                                            StockDay.day == today)) or 0
    nxt = session.scalar(select(ExpectedDelivery.expected_date).where(
        ExpectedDelivery.item_id == item.id, ExpectedDelivery.status == "pending",
        ExpectedDelivery.expected_date >= today).order_by(ExpectedDelivery.expected_date).limit(1))
    never_stocked = balance == 0 and session.scalar(
        select(StockMovement.id).where(StockMovement.item_id == item.id).limit(1)) is None
    return assess(today=today, balance=balance, used_today=used_today, history=history, closed=closed,
                  next_delivery=nxt, lead_days=item.lead_days, service_level=item.service_level, horizon=horizon,
                  tracked=not never_stocked)


def recompute_item(session: Session, item: StockItem, now: datetime, *, webhook_url: str | None = None
                   ) -> tuple[Risk, list[Event]]:
    """Forecast, store the risk figures on the balance row, and move the alert along."""
    # take the item's row lock first: one recompute at a time per item, alerts stay unique
    session.execute(update(StockLevel).where(StockLevel.item_id == item.id).values(stale=False)
                    .execution_options(synchronize_session=False))
    risk = assess_item(session, item, now)
    level = session.get(StockLevel, item.id, populate_existing=True)
    level.risk = risk.status
    level.days_of_cover = None if risk.days_of_cover is None or math.isinf(risk.days_of_cover) \
        else float(risk.days_of_cover)
    level.stockout_date = risk.stockout_date
    level.reorder_point = risk.reorder_point
    level.p_stockout = risk.p_stockout
    level.forecast_daily_mean = risk.daily_mean
    level.risk_detail = json.dumps({k: v for k, v in risk.as_dict().items() if k != "method"})[:2000]
    level.computed_at = now
    alert_level = risk.status if risk.status in ("warning", "critical") else None
    url = webhook_url or webhook_url_for(session, item.office)
    events = sync_alert(session, item, alert_level, alert_message(item, risk) if alert_level else "", now, url,
                        alert_detail(item, risk) if alert_level else None)
    events.append(stock_event("stock_risk", item.office, {"item": item.code, **risk.as_dict()}))
    return risk, events


def recompute_office(session: Session, office: Office, now: datetime, *, webhook_url: str | None = None
                     ) -> tuple[dict[str, Risk], list[Event]]:
    out, events = {}, []
    for item in items_of(session, office):
        risk, ev = recompute_item(session, item, now, webhook_url=webhook_url)
        out[item.code] = risk
        events.extend(ev)
    return out, events


def due_for_recompute(session: Session, now: datetime) -> list[int]:
    """Item ids whose figures are stale (a movement since) or from an earlier office day."""
    rows = session.execute(select(StockLevel.item_id, StockLevel.stale, StockLevel.computed_at, Office.timezone)
                           .join(Office, Office.id == StockLevel.office_id)).all()
    due = []
    for item_id, stale, computed_at, tz in rows:
        if stale or computed_at is None or office_day(computed_at, tz) < office_day(now, tz):
            due.append(item_id)
    return due


def stock_summary(session: Session, office: Office) -> list[dict]:
    """Balances per item with the stored risk figures (what the API and overview show)."""
    out = []
    for item in items_of(session, office):
        lv = session.get(StockLevel, item.id, populate_existing=True)
        detail = json.loads(lv.risk_detail) if lv.risk_detail else {}
        out.append({
            "item": item.code, "kind": item.kind, "name": {"id": item.name_id, "en": item.name_en},
            "unit": item.unit, "capacity": item.capacity, "balance": lv.balance,
            "packages": (round(lv.balance / item.capacity, 2) if item.capacity else None),
            "risk": lv.risk, "days_of_cover": None if lv.days_of_cover is None else round(lv.days_of_cover, 2),
            "stockout_date": lv.stockout_date.isoformat() if lv.stockout_date else None,
            "reorder_point": None if lv.reorder_point is None else round(lv.reorder_point, 1),
            "service_level": item.service_level, "lead_days": item.lead_days,
            "p_stockout_before_delivery": None if lv.p_stockout is None else round(lv.p_stockout, 3),
            "next_delivery": detail.get("next_delivery"),
            "forecast_daily_mean": None if lv.forecast_daily_mean is None else round(lv.forecast_daily_mean, 2),
            "computed_at": lv.computed_at.isoformat() if lv.computed_at else None,
            "stale": lv.stale,
        })
    return out


def recompute_items(session: Session, item_ids: Iterable[int], now: datetime, *, default_url: str | None = None
                    ) -> list[Event]:
    """After a movement (form, API): recompute the items it touched in the same transaction; the events to
    push after the commit (the risk figures themselves are not pushed: the page shows them)."""
    events: list[Event] = []
    for item_id in sorted(set(item_ids)):
        item = session.get(StockItem, item_id)
        _risk, ev = recompute_item(session, item, now, webhook_url=webhook_url_for(session, item.office, default_url))
        events.extend(e for e in ev if e.name != "stock_risk")
    return events


def refresh_office(session: Session, office: Office, now: datetime, *, default_url: str | None = None
                   ) -> tuple[dict[str, Risk], list[Event]]:
    """Fresh risk for every item of ``office`` (the dashboard): items with a movement since (or figures from an
    earlier day) are recomputed and stored, the rest only assessed. The events to push after the commit."""
    due = set(due_for_recompute(session, now))
    out: dict[str, Risk] = {}
    events: list[Event] = []
    for item in items_of(session, office):
        if item.id in due:
            risk, ev = recompute_item(session, item, now, webhook_url=webhook_url_for(session, office, default_url))
            events.extend(e for e in ev if e.name != "stock_risk")
        else:
            risk = assess_item(session, item, now)
        out[item.code] = risk
    return out, events


def recompute_due(session: Session, now: datetime, *, default_url: str | None = None, limit: int = 200) -> list:
    """Recompute stale items (movement since the last run) and those last computed on an earlier
    office day (the daily recompute). Each item in its own short transaction; returns events."""
    events = []
    for item_id in due_for_recompute(session, now)[:limit]:
        item = session.get(StockItem, item_id)
        if item is None or session.get(StockLevel, item_id) is None:
            continue
        _risk, ev = recompute_item(session, item, now, webhook_url=webhook_url_for(session, item.office, default_url))
        session.commit()
        realtime.emit(ev)
        events.extend(ev)
    return events


def risk_job(app: Flask, now: datetime) -> None:
    """The ``stock-risk`` background job."""
    from queue_service.extensions import db

    recompute_due(db.session, now, default_url=app.config.get("STOCK_WEBHOOK_URL"))
