"""The stock JSON API under ``/api/v1/offices/<code>/...``: balances with risk, movements (the forms' rules),
the forecast, alerts, a service's availability (the kiosk's "Blangko habis") and citizens turned away."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select

from inventory.alerts import acknowledge_alert, alert_payload
from inventory.context import refresh, stock_office, webhook_default
from inventory.ledger import (
    DEFAULT_ITEM,
    ENTERABLE,
    MovementInput,
    balance_of,
    item_by_code,
    movement_json,
    record_movement,
    record_turned_away,
)
from inventory.models import StockAlert, StockMovement
from inventory.quota import service_availability
from inventory.receipts import DuplicateReceipt
from inventory.recompute import assess_item, recompute_items, stock_summary
from queue_service import hooks
from queue_service.clock import now
from queue_service.domain.clock import office_day
from queue_service.extensions import db
from queue_service.models import Service
from queue_service.web.access import principal, require
from queue_service.web.helpers import commit_and_emit, field, json_body

bp = Blueprint("stock_api", __name__, url_prefix="/api/v1")

MANAGER = ("manager",)
STAFF = ("clerk", "manager")




@bp.get("/offices/<office_code>/stock")
@require(roles=STAFF)
def api_stock(office_code: str):
    office = stock_office(office_code)
    refresh(office)
    return jsonify({"office": office.code, "day": office_day(now(), office.timezone).isoformat(),
                    "items": stock_summary(db.session, office)})


def _date_field(data: dict, name: str) -> date | None:
    value = field(data, name, str, required=False, nullable=True, max_length=10)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400, description=f"Field '{name}' must be a date YYYY-MM-DD.")


@bp.post("/offices/<office_code>/stock/movements")
@require(roles=MANAGER)
def api_movement(office_code: str):
    office = stock_office(office_code)
    data = json_body()
    kind = field(data, "kind", str, max_length=20)
    if kind not in (*ENTERABLE, "transfer_in"):
        abort(400, description=f"Field 'kind' must be one of: {', '.join((*ENTERABLE, 'transfer_in'))}.")
    entry = MovementInput(
        kind=kind, item=field(data, "item", str, required=False, default=DEFAULT_ITEM, max_length=32),
        quantity=field(data, "quantity", int, required=False, nullable=True),
        packs=field(data, "packs", int, required=False, nullable=True),
        counted=field(data, "counted", int, required=False, nullable=True),
        reason=field(data, "reason", str, required=False, default="", max_length=200),
        source=field(data, "source", str, required=False, default="", max_length=120),
        document_no=field(data, "document_no", str, required=False, default="", max_length=60),
        document_date=_date_field(data, "document_date"),
        to_office=field(data, "to_office", str, required=False, default="", max_length=16),
        from_office=field(data, "from_office", str, required=False, default="", max_length=16),
        ticket_id=field(data, "ticket_id", int, required=False, nullable=True, minimum=1),
        delivery_id=field(data, "delivery_id", int, required=False, nullable=True, minimum=1))
    t = now()
    try:
        movements, events = record_movement(db.session, office=office, data=entry, now=t,
                                                actor=principal().actor, may_take_from=principal().can_access)
    except DuplicateReceipt as exc:
        if not exc.same:
            raise  # 409 with the message: the person must look
        # the same document entered again (a retried script): the first booking's answer, nothing added
        db.session.rollback()
        first = db.session.get(StockMovement, exc.details["movement_id"])
        return jsonify({"movements": [movement_json(first)], "duplicate": True,
                        "balance": balance_of(db.session, first.item)}), 200
    events.extend(recompute_items(db.session, [m.item_id for m in movements], t, default_url=webhook_default()))
    db.session.flush()
    mine = next(m for m in movements if m.office_id == office.id)
    body = {"movements": [movement_json(m) for m in movements], "balance": mine.balance_after}
    commit_and_emit(events)
    return jsonify(body), 201


@bp.get("/offices/<office_code>/stock/forecast")
@require(roles=STAFF)
def api_forecast(office_code: str):
    office = stock_office(office_code)
    code = request.args.get("item", DEFAULT_ITEM)
    raw = request.args.get("horizon", "30")
    if not raw.isdigit() or not 1 <= int(raw) <= 365:
        abort(400, description="Parameter 'horizon' must be a whole number from 1 to 365.")
    horizon = int(raw)
    item = item_by_code(db.session, office, code)
    t = now()
    risk = assess_item(db.session, item, t, horizon=horizon)
    fc = risk.forecast
    body = {"office": office.code, "item": item.code, "horizon": horizon, "risk": risk.as_dict(),
            "forecast": None}
    if fc is not None:
        n = horizon
        body["forecast"] = {
            "method": fc.method, "level": fc.level,
            "days": [{"date": d.isoformat(), "mean": round(float(m), 3), "lower": round(float(lo), 3),
                      "upper": round(float(u), 3), "closed": d in fc.closed}
                     for d, m, lo, u in zip(fc.dates[:n], fc.mean[:n], fc.lower[:n], fc.upper[:n])],
            "total": {"mean": round(float(fc.mean[:n].sum()), 2),
                      "p05": round(fc.lead_time_quantile(0.05, days=n), 2),
                      "p95": round(fc.lead_time_quantile(0.95, days=n), 2)},
        }
    return jsonify(body)


@bp.get("/offices/<office_code>/alerts")
@require(roles=STAFF)
def api_alerts(office_code: str):
    office = stock_office(office_code)
    status = request.args.get("status", "active")
    q = select(StockAlert).where(StockAlert.office_id == office.id)
    if status == "active":
        q = q.where(StockAlert.status != "resolved")
    elif status in ("open", "acknowledged", "resolved"):
        q = q.where(StockAlert.status == status)
    elif status != "all":
        abort(400, description="Parameter 'status' must be active, open, acknowledged, resolved or all.")
    rows = db.session.scalars(q.order_by(StockAlert.id.desc()).limit(500))
    return jsonify({"office": office.code, "alerts": [alert_payload(a) for a in rows]})


@bp.post("/offices/<office_code>/alerts/<int(max=2147483647):alert_id>/acknowledge")
@require(roles=MANAGER)
def api_acknowledge(office_code: str, alert_id: int):
    office = stock_office(office_code)
    alert = db.session.get(StockAlert, alert_id)
    if alert is None or alert.office_id != office.id:
        abort(404, description=f"Alert {alert_id} does not exist in office {office.code}.")
    events = acknowledge_alert(db.session, alert=alert, now=now(), actor=principal().actor)
    payload = alert_payload(alert)
    commit_and_emit(events)
    return jsonify(payload)


@bp.get("/offices/<office_code>/services/<service_code>/availability")
@require(roles=STAFF, devices=("kiosk",))
def api_availability(office_code: str, service_code: str):
    office = stock_office(office_code)
    service = db.session.scalar(select(Service).where(Service.office_id == office.id,
                                                      Service.code == service_code))
    if service is None:
        abort(404, description=f"Service {service_code!r} does not exist in office {office.code}.")
    return jsonify(service_availability(db.session, service, office_day(now(), office.timezone),
                                        hooks.current().quota_caps))


@bp.post("/offices/<office_code>/stock/turned-away")
@require(roles=STAFF, devices=("kiosk",))
def api_turned_away(office_code: str):
    office = stock_office(office_code)
    data = json_body(required=False)
    code = field(data, "item", str, required=False, default=DEFAULT_ITEM, max_length=32)
    count = field(data, "count", int, required=False, default=1, minimum=1, maximum=1000)
    record_turned_away(db.session, office=office, item_code=code, count=count, now=now())
    db.session.commit()
    return "", 204
