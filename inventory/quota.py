"""Stock and the queue: what finishing a ticket takes off the ledger (the core's finish hook), the daily quota
that follows the blanks in stock (the core's quota cap), and what the kiosk says when a service is out of
stock. Pure of Flask; the rules are the manager's ``ServiceConsumption`` settings, read on every ticket."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from inventory.alerts import quick_alert
from inventory.ledger import InsufficientStock, changed_event, invalid, move
from inventory.booking_cap import Delivery, promised_from_stock
from inventory.models import ExpectedDelivery, ServiceConsumption, StockLevel
from queue_service.domain.events import Event
from queue_service.models import Service, Ticket
from queue_service.services.tickets import effective_quota, issued_today

log = logging.getLogger(__name__)


_CONSUMPTIONS = (select(ServiceConsumption).where(ServiceConsumption.service_id == bindparam("service_id"))
                 .order_by(ServiceConsumption.id))  # built once: asked on every ticket issued (the quota cap)


def consumptions_for(session: Session, service_id: int) -> list[ServiceConsumption]:
    return list(session.scalars(_CONSUMPTIONS, {"service_id": service_id}))


def finish_hook(session: Session, ticket: Ticket, now: datetime, data: dict, *,
                default_url: str | None = None) -> list[Event]:
    """Take what finishing ``ticket`` used off the ledger (in the finishing transaction).

    ``data`` is what the clerk entered: ``cards`` printed (default 1) and ``spoiled`` with a
    ``spoiled_reason``. When the clerk entered figures and the card blanks are short, the finish is
    refused with :class:`InsufficientStock` (nothing recorded). Without figures (e.g. the previous
    ticket finished automatically by "call next"), and for supplies (ribbon, film), a shortage never
    blocks the counter: it is logged and left to the next stock count (stock opname)."""
    rules = consumptions_for(session, ticket.service_id)
    if not rules:
        return []
    explicit = "cards" in data or "spoiled" in data
    cards = int(data.get("cards", 1))
    spoiled = int(data.get("spoiled", 0) or 0)
    reason = (data.get("spoiled_reason") or "").strip()
    if spoiled and not reason:
        raise invalid("Give a reason for the spoiled cards.", "spoiled_reason",
                       "Tuliskan alasan kartu rusak.")
    office = ticket.office
    events: list[Event] = []
    for rule in rules:
        item = rule.item
        plan = []
        if item.kind in ("ktp_el", "kia"):
            plan = [("consumption", cards * rule.per_card, ""), ("spoilage", spoiled * rule.per_card, reason)]
        else:  # ribbon, film...: every card printed (spoiled ones too) uses them
            plan = [("consumption", (cards + spoiled) * rule.per_card, "")]
        for kind, qty, why in plan:
            if qty <= 0:
                continue
            if explicit and item.kind in ("ktp_el", "kia"):
                mv = move(session, office=office, item=item, kind=kind, quantity=-qty, now=now,
                           actor=f"ticket:{ticket.code}", reason=why, ticket_id=ticket.id)
            else:
                try:  # the refused UPDATE changed nothing, so there is nothing to undo
                    mv = move(session, office=office, item=item, kind=kind, quantity=-qty, now=now,
                               actor=f"ticket:{ticket.code}", reason=why, ticket_id=ticket.id)
                except InsufficientStock:
                    log.warning("office %s: ticket %s finished without its %s recorded (not enough stock)",
                                office.code, ticket.code, item.code)
                    continue
            events.append(changed_event(office, item, mv))
            events.extend(quick_alert(session, item, mv.balance_after, now, default_url=default_url))
    return events


# --------------------------------------------------------------------------- quota follows stock


def stock_quota_cap(session: Session, service: Service, day: date, promises: Iterable = ()) -> int | None:
    """``hooks.quota_caps`` member: today's tickets for ``service`` may not exceed the tickets it
    already finished today plus the cards its capping item can still print above the reserve, less the
    blanks promised to later days' bookings (``promises``: ``hooks.stock_promises``) that deliveries
    expected before them do not cover (``booking_cap.promised_from_stock``)."""
    rules = [r for r in consumptions_for(session, service.id) if r.caps_quota]
    if not rules:
        return None
    finished = session.scalar(select(func.count(Ticket.id)).where(
        Ticket.origin_service_id == service.id, Ticket.service_day == day, Ticket.status == "done")) or 0
    booked: dict[date, int] = {}
    for promise in promises:
        for d, n in promise(session, service, day).items():
            booked[d] = booked.get(d, 0) + int(n)
    caps = []
    for rule in rules:
        balance = session.scalar(select(StockLevel.balance).where(StockLevel.item_id == rule.item_id)) or 0
        promised = 0
        if booked:
            deliveries = [Delivery(d.expected_date, d.quantity) for d in session.scalars(
                select(ExpectedDelivery).where(ExpectedDelivery.item_id == rule.item_id,
                                               ExpectedDelivery.status == "pending",
                                               ExpectedDelivery.expected_date >= day))]
            promised = promised_from_stock(today=day, booked=booked, deliveries=deliveries, per_card=rule.per_card)
        caps.append(finished + max(0, balance - rule.reserve - promised) // rule.per_card)
    return min(caps)


def blanks_are_why(stock_cap: int | None, own_quota: int | None) -> bool:
    """Whether a full service is full because of the blanks: the stock cap is its lowest limit (what the kiosk
    calls "Blangko habis", and where a refusal counts as lost demand)."""
    return stock_cap is not None and (own_quota is None or stock_cap < own_quota)


def service_availability(session: Session, service: Service, day: date, caps: Iterable = ()) -> dict:
    """What the kiosk shows for a service today: whether it takes tickets, and if stock is why it
    does not, "Blangko habis" and the fallback service (Suket) to offer instead."""
    quota = effective_quota(session, service, day, caps)
    issued = issued_today(session, service, day)
    stock_cap = stock_quota_cap(session, service, day)
    remaining = None if quota is None else max(0, quota - issued)
    available = bool(service.active) and (remaining is None or remaining > 0)
    reason = None
    if not service.active:
        reason = "inactive"
    elif not available:
        own = service.daily_quota
        reason = "out_of_stock" if blanks_are_why(stock_cap, own) else "quota_reached"
    fallback = None
    if not available and service.fallback is not None and service.fallback.active:
        fb = service.fallback
        fallback = {"code": fb.code, "prefix": fb.prefix, "name": {"id": fb.name_id, "en": fb.name_en}}
    messages = {
        "out_of_stock": {"id": "Blangko habis hari ini", "en": "Out of blank cards today"},
        "quota_reached": {"id": "Kuota hari ini sudah habis", "en": "Today's quota has been reached"},
        "inactive": {"id": "Layanan tidak tersedia", "en": "Service not available"},
    }
    return {
        "service": service.code, "available": available, "quota": quota, "issued": issued,
        "remaining": remaining, "stock_cap": stock_cap, "reason": reason,
        "message": messages.get(reason), "fallback": fallback,
    }
