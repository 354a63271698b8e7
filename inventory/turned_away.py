"""Citizens turned away for lack of blanks, for the queue figures (registered as a "turned away" source by
``init_app``; the figures feature never imports inventory).

``turned_away`` is counted per item and office-local day (``StockDay``, from the kiosk's "Blangko habis" and
``POST .../stock/turned-away``). It is put on the service whose quota follows that item's stock (Pencetakan
KTP-el); with no such service, on no service.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.models import ServiceConsumption, StockDay, StockItem


def stock_turned_away(session: Session, office_ids: list[int], start: date, end: date
                      ) -> dict[tuple[int, date, int | None, str], int]:
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
    out: dict[tuple[int, date, int | None, str], int] = {}
    for office_id, item_id, day, n in rows:
        key = (office_id, day, capped.get(item_id), "stock")
        out[key] = out.get(key, 0) + int(n)
    return out
