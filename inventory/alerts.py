"""Stock alerts: one alert per item at a time, opened, escalated, de-escalated or resolved as its risk moves
(:func:`sync_alert`), acknowledged by a manager, stored with its figures so each reader gets the sentence in
their own language; every change is pushed to the managers' screens and queued for the office's webhook
(``inventory.webhooks``). :func:`quick_alert` is the cheap check after a counter's consumption."""
from __future__ import annotations

import json
import math
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.ledger import stock_event
from inventory.models import AlertNotification, StockAlert, StockItem, StockLevel
from inventory.risk import Risk
from inventory.webhooks import webhook_url_for
from queue_service.domain.errors import Conflict
from queue_service.domain.events import Event


ALERT_TEXT = {
    "out_of_stock": ("{item}: stok habis.", "{item}: out of stock."),
    "runs_out_before_delivery": (
        "{item}: {p:.0%} kemungkinan habis sebelum kiriman {delivery} tiba (sisa {balance}, cukup {cover} hari).",
        "{item}: {p:.0%} chance to run out before the delivery of {delivery} (stock {balance}, {cover} days "
        "of cover)."),
    "runs_out_within_lead_time": (
        "{item}: diperkirakan habis dalam {lead} hari dan belum ada kiriman yang ditunggu (sisa {balance}).",
        "{item}: projected to run out within {lead} days with no delivery expected (stock {balance})."),
    "below_reorder_point": ("{item}: sisa {balance} di bawah titik pesan ulang {rop}.",
                            "{item}: stock {balance} below the reorder point {rop}."),
}


def alert_detail(item: StockItem, risk: Risk) -> dict:
    """The alert's reason and figures (stored with it: a page writes the sentence in its own language)."""
    reason = next((r for r in risk.reasons if r in ALERT_TEXT), "below_reorder_point")
    cover = None if risk.days_of_cover is None or math.isinf(risk.days_of_cover) else round(risk.days_of_cover, 2)
    return {"reason": reason, "p": round(risk.p_stockout or 0.0, 4),
            "delivery": risk.next_delivery.isoformat() if risk.next_delivery else None, "balance": risk.balance,
            "cover": cover, "lead": item.lead_days,
            "rop": None if risk.reorder_point is None else round(risk.reorder_point)}


def alert_message(item: StockItem, risk: Risk) -> str:
    """The alert in Indonesian (webhooks, the API's ``message``)."""
    d = alert_detail(item, risk)
    return ALERT_TEXT[d["reason"]][0].format(
        item=item.name_id, p=d["p"], delivery=d["delivery"] or "—", balance=d["balance"],
        cover="—" if d["cover"] is None else f"{d['cover']:.1f}".replace(".", ","), lead=d["lead"],
        rop="—" if d["rop"] is None else d["rop"])


def active_alert(session: Session, item: StockItem) -> StockAlert | None:
    return session.scalar(select(StockAlert).where(StockAlert.item_id == item.id,
                                                   StockAlert.status != "resolved")
                          .order_by(StockAlert.id.desc()).limit(1))


def alert_payload(alert: StockAlert) -> dict:
    return {
        "id": alert.id, "office": alert.office.code, "item": alert.item.code,
        "item_name": {"id": alert.item.name_id, "en": alert.item.name_en}, "level": alert.level,
        "status": alert.status, "message": alert.message,
        "detail": json.loads(alert.detail) if alert.detail else None, "opened_at": alert.opened_at.isoformat(),
        "updated_at": alert.updated_at.isoformat(),
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "acknowledged_by": alert.acknowledged_by or None,
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
    }


def _notify(session: Session, alert: StockAlert, change: str, now: datetime, url: str | None) -> list[Event]:
    session.flush()
    payload = {"event": f"stock_alert_{change}", **alert_payload(alert)}
    if url:
        session.add(AlertNotification(alert_id=alert.id, url=url[:500], payload=json.dumps(payload),
                                      attempts=0, next_attempt_at=now))
    return [stock_event("stock_alert", alert.office, {"change": change, **alert_payload(alert)})]


def sync_alert(session: Session, item: StockItem, level: str | None, message: str, now: datetime,
               webhook_url: str | None = None, detail: dict | None = None) -> list[Event]:
    """Bring the item's alert in line with ``level`` (None = fine): open, escalate (re-opens an
    acknowledged alert), de-escalate, or resolve. Returns the events to push. ``detail`` is
    :func:`alert_detail` (the figures behind ``message``)."""
    alert = active_alert(session, item)
    detail_text = json.dumps(detail, sort_keys=True) if detail else ""
    if level is None:
        if alert is None:
            return []
        alert.status, alert.resolved_at, alert.updated_at = "resolved", now, now
        return _notify(session, alert, "resolved", now, webhook_url)
    if alert is None:
        alert = StockAlert(office_id=item.office_id, item_id=item.id, level=level, status="open",
                           message=message[:300], detail=detail_text, opened_at=now, updated_at=now)
        alert.item, alert.office = item, item.office
        session.add(alert)
        return _notify(session, alert, "opened", now, webhook_url)
    if alert.level == level:
        if alert.message != message[:300] or alert.detail != detail_text:
            alert.message, alert.detail = message[:300], detail_text
            alert.updated_at = now
        return []
    escalated = level == "critical"
    alert.level, alert.message, alert.detail, alert.updated_at = level, message[:300], detail_text, now
    if escalated and alert.status == "acknowledged":
        alert.status, alert.acknowledged_at, alert.acknowledged_by = "open", None, ""
    return _notify(session, alert, "escalated" if escalated else "deescalated", now, webhook_url)


def acknowledge_alert(session: Session, *, alert: StockAlert, now: datetime, actor: str) -> list[Event]:
    if alert.status != "open":
        raise Conflict(f"Alert {alert.id} is {alert.status}; only an open alert can be acknowledged.",
                       msgid="Peringatan ini sudah %(status)s.", params={"status": alert.status})
    alert.status, alert.acknowledged_at, alert.acknowledged_by, alert.updated_at = "acknowledged", now, actor[:80], now
    return [stock_event("stock_alert", alert.office, {"change": "acknowledged", **alert_payload(alert)})]


def quick_alert(session: Session, item: StockItem, balance: int, now: datetime, *,
                default_url: str | None = None) -> list[Event]:
    """Cheap check after a counter's consumption (no forecast): out of stock is critical at once,
    falling below the last known reorder point opens a warning; the full recompute follows in
    the background within seconds."""
    level_row = session.get(StockLevel, item.id)
    rop = level_row.reorder_point if level_row is not None else None
    url = webhook_url_for(session, item.office, default_url)
    if balance == 0:
        out = Risk("critical", 0, 0, reasons=["out_of_stock"])
        return sync_alert(session, item, "critical", alert_message(item, out), now, url, alert_detail(item, out))
    current = active_alert(session, item)
    if rop is not None and balance < rop and current is None:
        low = Risk("warning", balance, balance, reorder_point=rop, reasons=["below_reorder_point"])
        return sync_alert(session, item, "warning", alert_message(item, low), now, url, alert_detail(item, low))
    return []
