"""Citizens turned away for lack of blanks, for the queue figures (registered as the "stock" turned-away
source, ``hooks.register_turned_away_source``, by ``inventory.web.init_app``; the figures feature never imports
inventory).

``turned_away`` is counted per item and office-local day (``StockDay``, from the kiosk's "Blangko habis" and
``POST .../stock/turned-away``). It is put on the service whose quota follows that item's stock (Pencetakan
KTP-el); with no such service, on no service.

``stock_refusal`` counts them as they happen: a citizen refused at a quota that the blanks cap
(``hooks.register_turned_away_recorder``).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.ledger import record_turned_away
from inventory.models import ServiceConsumption, StockDay, StockItem
from inventory.quota import blanks_are_why, consumptions_for, stock_quota_cap
from queue_service.domain.clock import office_day
from queue_service.models import Office, Service


def stock_turned_away(session: Session, office_ids: Sequence[int], start: date, end: date
                      ) -> dict[tuple[int, int | None], int]:
    """``{(office id, service id or None): citizens turned away for lack of blanks}`` in ``start``..``end``
    (``hooks.TurnedAwaySource``)."""
    if not office_ids:
        return {}
    rows = session.execute(
        select(StockItem.office_id, StockItem.id, StockDay.day, StockDay.turned_away)
        .join(StockDay, StockDay.item_id == StockItem.id)
        .where(StockItem.office_id.in_(office_ids), StockDay.day >= start, StockDay.day <= end,
               StockDay.turned_away > 0)).all()
    if not rows:
        return {}
    capped = {}
    for item_id, service_id in session.execute(
            select(ServiceConsumption.item_id, ServiceConsumption.service_id)
            .where(ServiceConsumption.item_id.in_({r[1] for r in rows}), ServiceConsumption.caps_quota.is_(True))
            .order_by(ServiceConsumption.service_id)):
        capped.setdefault(item_id, service_id)
    out: dict[tuple[int, int | None], int] = {}
    for office_id, item_id, _day, n in rows:
        key = (office_id, capped.get(item_id))
        out[key] = out.get(key, 0) + int(n)
    return out


def stock_refusal(session: Session, office: Office, service: Service, now: datetime, *,
                  promises: Sequence = ()) -> bool:
    """``hooks.TurnedAwayRecorder`` (order 10): a citizen refused at ``service``'s quota is counted here when the
    blanks are why — the stock cap is the service's lowest limit, as the kiosk's "Blangko habis" says
    (``quota.service_availability``) — as demand turned away on the capping item's day (the forecast sees it).
    Otherwise False: the queue figures count it as a quota refusal."""
    rules = [r for r in consumptions_for(session, service.id) if r.caps_quota]
    if not rules:
        return False
    day = office_day(now, office.timezone)
    if not blanks_are_why(stock_quota_cap(session, service, day, promises), service.daily_quota):
        return False
    item = session.get(StockItem, rules[0].item_id)
    record_turned_away(session, office=office, item_code=item.code, count=1, now=now)
    return True
