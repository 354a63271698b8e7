"""The inventory feature's answer to "how many bookings may this service take on these days": printing
bookings follow the blanks the forecast expects on hand (``inventory.booking_cap``).

Registered as a bookable-capacity cap provider from ``inventory.web.init_app``; the bookings feature asks
every provider and never imports this module. A service is capped when one of its consumption rules caps
its quota (``ServiceConsumption.caps_quota``) on a card-blank item (KTP-el, KIA) - the same rule that caps
the kiosk's quota today.

The forecast (the same ``assess``/``forecast_daily`` as the dashboard) is kept per process for each item,
office day and stock state (``StockLevel.updated_at``), so a booking costs a few array operations, and
every movement or delivery gives the next booking fresh figures ("recomputed as stock moves").
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.booking_cap import (
    DEFAULT_QUANTILE,
    NO_BLANKS,
    Delivery,
    bookable_blanks,
    displaceable,
    walkin_before,
)
from inventory.forecast import Forecast, forecast_daily
from inventory.models import ExpectedDelivery, ServiceConsumption, StockDay, StockItem, StockLevel
from inventory.recompute import history_for
from queue_service.domain.clock import office_day
from queue_service.models import Service

BLANK_KINDS = ("ktp_el", "kia")
_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 64
_LOCK = threading.Lock()


def _forecast(session: Session, item: StockItem, today: date, horizon: int) -> Forecast | None:
    """The item's demand forecast from today for ``horizon`` days (None without any known demand)."""
    stamp = session.scalar(select(StockLevel.updated_at).where(StockLevel.item_id == item.id))
    key = (item.id, today, stamp, horizon)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    history, closed = history_for(session, item, today)
    known = [v for v in history.values() if v is not None]
    fc = None
    if known:
        hist_closed = {d for d in closed if d in history}
        future = {today + timedelta(days=i) for i in range(horizon)} & closed
        fc = forecast_daily(history, horizon, closed=hist_closed | future)
        if fc.dates[0] != today:  # history must end yesterday; a gap means no forecast for today
            fc = None
    with _LOCK:
        _CACHE[key] = fc
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return fc


def blank_caps(session: Session, service: Service, days: Sequence[date], held: Mapping[date, int], now: datetime,
               *, quantile: float = DEFAULT_QUANTILE) -> dict:
    """``{day: (left, reason, detail)}`` for a blank-consuming service (``{}`` for any other): plain
    values, the bookings feature's cap contract. ``held``: bookings not served yet per day, today to the
    end of the booking horizon."""
    rules = [r for r in session.scalars(select(ServiceConsumption).where(ServiceConsumption.service_id == service.id))
             if r.caps_quota and r.item.kind in BLANK_KINDS and r.item.active]
    if not rules or not days:
        return {}
    office = service.office
    today = office_day(now, office.timezone)
    last = max([*days, *held]) if held else max(days)
    horizon = (last - today).days + 2
    out: dict[date, tuple] = {}
    for rule in rules:
        item = rule.item
        balance = session.scalar(select(StockLevel.balance).where(StockLevel.item_id == item.id)) or 0
        used_today = session.scalar(select(StockDay.used).where(StockDay.item_id == item.id,
                                                                StockDay.day == today)) or 0
        deliveries = [Delivery(d.expected_date, d.quantity) for d in session.scalars(
            select(ExpectedDelivery).where(ExpectedDelivery.item_id == item.id, ExpectedDelivery.status == "pending",
                                           ExpectedDelivery.expected_date >= today))]
        fc = _forecast(session, item, today, horizon)
        wanted = sorted({*days, *held, today})
        if fc is None:  # no demand history at all: plan for no walk-ins (stock, deliveries and bookings only)
            walk, room = {d: 0.0 for d in wanted}, {}
        else:
            paths = np.asarray(fc.paths)
            walk = walkin_before(fc.dates, paths, today=today, booked=held, per_card=rule.per_card,
                                 quantile=quantile, used_today=used_today, until=[d for d in wanted if d >= today])
            room = displaceable(fc.dates, paths, booked=held, per_card=rule.per_card, quantile=quantile,
                                used_today=used_today)
        caps = bookable_blanks([d for d in days if d >= today], today=today, balance=balance, reserve=rule.reserve,
                               per_card=rule.per_card, deliveries=deliveries, walkin_before=walk, booked=held,
                               room=room)
        for d, c in caps.items():
            if d not in out or c.left < out[d][0]:
                out[d] = (c.left, NO_BLANKS, {"item": item.code, **c.as_dict()})
    return out
