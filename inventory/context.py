"""The office a stock page or API call is about: the caller may act for it (403/404), and its standard items
exist (created the first time an office's stock is looked at); its fresh risk for the dashboard."""
from __future__ import annotations

from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from inventory.ledger import DEFAULT_ITEMS, ensure_items, items_of
from inventory.models import StockItem
from inventory.recompute import assess_item, refresh_office
from inventory.risk import Risk
from queue_service.clock import now
from queue_service.db import SAFE_METHODS, is_lock_error, write_apart
from queue_service.extensions import db
from queue_service.models import Office
from queue_service.web.access import accessible_office
from queue_service.web.helpers import commit_and_emit


def stock_office(code: str) -> Office:
    """The office with ``code`` that the caller may act for, with its standard items."""
    office = accessible_office(code)
    _ensure_items(office)
    return office


def _ensure_items(office: Office) -> None:
    """A safe request reads in a deferred transaction on SQLite, so it creates the items in a short write
    transaction of its own, then ends its read transaction to see them."""
    if request.method not in SAFE_METHODS:
        return  # created in the request's own write transaction (ledger.items_of)
    have = set(db.session.scalars(select(StockItem.code).where(StockItem.office_id == office.id)))
    if all(item[0] in have for item in DEFAULT_ITEMS):
        return
    office_id = office.id
    try:
        write_apart(db.engine, lambda session: ensure_items(session, session.get(Office, office_id)))
    except OperationalError as exc:
        if not is_lock_error(exc):
            raise
    db.session.commit()  # a new read transaction sees the items


def webhook_default() -> str | None:
    return current_app.config.get("STOCK_WEBHOOK_URL")


def refresh(office: Office) -> dict[str, Risk]:
    """Fresh risk for every item (``recompute.refresh_office``), alerts pushed after the commit."""
    t = now()
    _ensure_items(office)
    try:
        out, events = refresh_office(db.session, office, t, default_url=webhook_default())
        commit_and_emit(events)
    except OperationalError as exc:
        # a GET reads in a deferred transaction on SQLite: storing the figures fails when another request
        # writes at the same moment. Serve what is stored (assessed afresh); the stock-risk job recomputes.
        if not is_lock_error(exc):
            raise
        db.session.rollback()
        out = {item.code: assess_item(db.session, item, t) for item in items_of(db.session, office)}
    return out
