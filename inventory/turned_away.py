"""Citizens turned away for lack of blanks, for the queue figures (registered as the "stock" turned-away
source, ``hooks.register_turned_away_source``, by ``inventory.web.init_app``; the figures feature never imports
inventory).

``turned_away`` is counted per item and office-local day (``StockDay``, from the kiosk's "Blangko habis" and
``POST .../stock/turned-away``). It is put on the service whose quota follows that item's stock (Pencetakan
KTP-el); with no such service, on no service.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.models import ServiceConsumption, StockDay, StockItem


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
