"""Stock use cases (pure of Flask): take a session and ``now``, return results and events, never
commit.

Consistency: every movement changes the item's balance with ONE conditional statement
``UPDATE stock_level SET balance = balance + :delta WHERE item_id = :id AND balance + :delta >= 0
RETURNING balance`` in the movement's transaction. On PostgreSQL the row lock makes concurrent
counters queue on that row and re-check the condition on the newest balance; on SQLite the
transaction already holds the write lock (BEGIN IMMEDIATE). A CHECK (balance >= 0) backs it up.
The ledger row stores ``balance_after``, so balance = sum of movements can always be verified.
"""
from __future__ import annotations

import json
import logging
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from inventory.models import (
    AlertNotification,
    ExpectedDelivery,
    ServiceConsumption,
    StockAlert,
    StockDay,
    StockItem,
    StockLevel,
    StockMovement,
    StockReceiptDocument,
)
from inventory.risk import HISTORY_DAYS, DayFigures, Risk, assess, demand_history, office_closed_days
from queue_service.domain.clock import office_day
from queue_service.domain.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from queue_service.domain.events import Event
from queue_service.domain.text import has_control_characters
from queue_service.models import Office, Service, Setting, Ticket

log = logging.getLogger(__name__)

MAX_QUANTITY = 1_000_000
MANAGERS = ("managers",)
WEBHOOK_SETTING = "stock_webhook_url"

#: code, kind, Indonesian name, English name, unit, capacity (cards per package), sort order
DEFAULT_ITEMS = (
    ("KTP_EL", "ktp_el", "Blangko KTP-el", "e-KTP blank", "lembar", None),
    ("KIA", "kia", "Blangko KIA", "KIA (child ID) blank", "lembar", None),
    ("RIBBON", "ribbon", "Pita printer (ribbon YMCKO)", "Printer ribbon (YMCKO)", "kartu", 250),
    ("FILM", "film", "Film/overlay", "Film/overlay", "kartu", 500),
    ("CLEANING", "cleaning_kit", "Kit pembersih printer", "Printer cleaning kit", "buah", None),
    ("PAPER", "paper_roll", "Kertas termal (rol)", "Thermal paper roll", "rol", None),
)
DEFAULT_ITEM = "KTP_EL"


class InsufficientStock(DomainError):
    """Taking more than the balance: refused, nothing recorded."""

    code = "insufficient_stock"
    status = 409


class DuplicateReceipt(Conflict):
    """This delivery document (office, item, document number) is already booked: nothing recorded again.
    ``movement`` is the receipt that booked it; ``same`` says whether this entry repeats it exactly (a form
    sent twice, a script retried: answer with the first result) or differs (a typing mistake, or two
    deliveries under one number: the person must look)."""

    code = "duplicate_receipt"
    status = 409

    def __init__(self, movement: StockMovement, *, same: bool):
        day = movement.document_date.isoformat() if movement.document_date else movement.service_day.isoformat()
        super().__init__(
            f"Document {movement.document_no!r} was already booked for {movement.item.code} on "
            f"{movement.service_day.isoformat()} ({movement.quantity} received, document date {day}); "
            "nothing was recorded again.",
            field="document_no", msgid="Dokumen %(document)s sudah dicatat pada %(day)s (%(quantity)s diterima); "
                                       "tidak dicatat dua kali.",
            params={"document": movement.document_no, "day": movement.service_day.isoformat(),
                    "quantity": movement.quantity}, movement_id=movement.id)
        self.movement, self.same = movement, same


def document_key(document_no: str) -> str:
    """A delivery document number with case and spaces folded ("BAST / 12" and "bast /  12" are one)."""
    return " ".join(document_no.split()).casefold()[:60]


# --------------------------------------------------------------------------- helpers


def _insert_for(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _invalid(message: str, field: str, msgid: str, **params) -> ValidationFailed:
    return ValidationFailed(message, field=field, msgid=msgid, params=params)


def stock_event(name: str, office: Office | str, payload: dict) -> Event:
    code = office if isinstance(office, str) else office.code
    return Event(name=name, office=code, payload=payload, audience=MANAGERS)


def ensure_items(session: Session, office: Office) -> dict[str, StockItem]:
    """The office's items by code, creating the standard six (with their balance rows) if missing."""
    items = {i.code: i for i in session.scalars(select(StockItem).where(StockItem.office_id == office.id))}
    added = False
    for order, (code, kind, nid, nen, unit, capacity) in enumerate(DEFAULT_ITEMS):
        if code in items:
            continue
        item = StockItem(office_id=office.id, code=code, kind=kind, name_id=nid, name_en=nen, unit=unit,
                         capacity=capacity, lead_days=14, service_level=0.95, sort_order=order, active=True)
        session.add(item)
        items[code] = item
        added = True
    if added:
        session.flush()
        have = set(session.scalars(select(StockLevel.item_id).where(StockLevel.office_id == office.id)))
        for item in items.values():
            if item.id not in have:
                session.add(StockLevel(item_id=item.id, office_id=office.id, balance=0, stale=True))
        session.flush()
    return items


def items_of(session: Session, office: Office) -> list[StockItem]:
    ensure_items(session, office)
    return list(session.scalars(select(StockItem).where(StockItem.office_id == office.id, StockItem.active)
                                .order_by(StockItem.sort_order, StockItem.id)))


def item_by_code(session: Session, office: Office, code: str) -> StockItem:
    ensure_items(session, office)
    item = session.scalar(select(StockItem).where(StockItem.office_id == office.id, StockItem.code == code))
    if item is None:
        raise NotFound(f"Office {office.code} has no stock item {code!r}.", field="item")
    return item


def balance_of(session: Session, item: StockItem) -> int:
    return session.scalar(select(StockLevel.balance).where(StockLevel.item_id == item.id)
                          .execution_options(populate_existing=True)) or 0


def ledger_sum(session: Session, item: StockItem) -> int:
    """The balance derived from the ledger (what ``stock_level.balance`` must always equal)."""
    return int(session.scalar(select(func.coalesce(func.sum(StockMovement.quantity), 0))
                              .where(StockMovement.item_id == item.id)))


def _quantity(value, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(f"'{field}' must be a whole number.", field, "Isi dengan bilangan bulat.")
    if value <= 0:
        raise _invalid(f"'{field}' must be more than 0.", field, "Jumlah harus lebih dari 0.")
    if value > MAX_QUANTITY:
        raise _invalid(f"'{field}' must be at most {MAX_QUANTITY}.", field,
                       "Jumlah paling banyak %(max)s.", max=MAX_QUANTITY)
    return value


def _text(value, field: str, max_length: int, *, required: bool = False, label: str = "") -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        raise _invalid(f"'{field}' must be text.", field, "Isian tidak valid.")
    if required and not value:
        raise _invalid(f"'{field}' is required.", field, "Wajib diisi.")
    if len(value) > max_length:
        raise _invalid(f"'{field}' is longer than {max_length} characters.", field,
                       "Paling banyak %(max)s karakter.", max=max_length)
    if has_control_characters(value):
        raise _invalid(f"'{field}' may not contain control characters.", field,
                       "Tidak boleh berisi karakter kontrol (baris baru, tab, ESC dan sejenisnya).")
    return value


# --------------------------------------------------------------------------- the one balance change


def _apply(session: Session, item: StockItem, delta: int, now: datetime, *, what: str = "") -> int:
    """Change the balance atomically; refuse (nothing changed) if it would go below zero."""
    level = StockLevel.__table__
    new = session.execute(
        update(level).where(level.c.item_id == item.id, level.c.balance + delta >= 0)
        .values(balance=level.c.balance + delta, updated_at=now, stale=True)
        .returning(level.c.balance)).scalar_one_or_none()
    if new is None:
        have = session.scalar(select(level.c.balance).where(level.c.item_id == item.id))
        if have is None:
            raise NotFound(f"Stock item {item.code} has no balance row.")
        raise InsufficientStock(
            f"Not enough {item.name_en} in stock: {have} {item.unit} left, {-delta} needed{what}. "
            "Nothing was recorded.",
            item=item.code, balance=int(have), needed=int(-delta), field="quantity")
    return int(new)


def _touch_day(session: Session, item: StockItem, day: date, *, used: int, balance_after: int,
               quantity: int) -> None:
    insert = _insert_for(session)
    t = StockDay.__table__
    stmt = insert(t).values(item_id=item.id, day=day, used=used, turned_away=0,
                            opening=balance_after - quantity, min_balance=balance_after, closing=balance_after)
    stmt = stmt.on_conflict_do_update(index_elements=[t.c.item_id, t.c.day], set_={
        "used": t.c.used + used,
        "min_balance": case((t.c.min_balance.is_(None), balance_after),
                            (t.c.min_balance > balance_after, balance_after), else_=t.c.min_balance),
        "opening": func.coalesce(t.c.opening, balance_after - quantity),
        "closing": balance_after,
    })
    session.execute(stmt)


def _move(session: Session, *, office: Office, item: StockItem, kind: str, quantity: int, now: datetime,
          actor: str = "", reason: str = "", source: str = "", document_no: str = "",
          document_date: date | None = None, ticket_id: int | None = None, transfer_id: str | None = None,
          counterpart_office_id: int | None = None) -> StockMovement:
    if item.office_id != office.id:
        raise NotFound("This stock item does not belong to this office.")
    balance = _apply(session, item, quantity, now)
    day = office_day(now, office.timezone)
    mv = StockMovement(office_id=office.id, item_id=item.id, kind=kind, quantity=quantity, balance_after=balance,
                       at=now, service_day=day, actor=actor[:80], reason=reason[:200], source=source[:120],
                       document_no=document_no[:60], document_date=document_date, ticket_id=ticket_id,
                       transfer_id=transfer_id, counterpart_office_id=counterpart_office_id)
    session.add(mv)
    used = -quantity if kind in ("consumption", "spoilage") else 0
    _touch_day(session, item, day, used=used, balance_after=balance, quantity=quantity)
    return mv


def _changed(office: Office, item: StockItem, mv: StockMovement) -> Event:
    return stock_event("stock_changed", office, {
        "office": office.code, "item": item.code, "balance": mv.balance_after, "kind": mv.kind,
        "quantity": mv.quantity, "at": mv.at.isoformat()})


# --------------------------------------------------------------------------- movements


@dataclass
class MovementInput:
    """One movement as a person or a script enters it (validated by :func:`record_movement`).

    ``quantity`` is always positive as entered (the kind gives the sign), except for
    ``adjustment``, which takes ``counted`` (the physical count) instead."""

    kind: str
    item: str = DEFAULT_ITEM
    quantity: int | None = None
    packs: int | None = None
    counted: int | None = None
    reason: str = ""
    source: str = ""
    document_no: str = ""
    document_date: date | None = None
    to_office: str = ""
    from_office: str = ""
    ticket_id: int | None = None
    delivery_id: int | None = None


ENTERABLE = ("receipt", "consumption", "spoilage", "transfer_out", "adjustment")


def record_movement(session: Session, *, office: Office, data: MovementInput, now: datetime,
                    actor: str = "", may_take_from=None) -> tuple[list[StockMovement], list[Event]]:
    """Validate and record one movement (a transfer records two: both offices, one transaction).

    ``may_take_from(office)`` says whether the person entering it has rights over another office's stock:
    a ``transfer_in`` takes stock out of the office it comes from, so it is refused (:class:`Forbidden`)
    unless they do (an admin, or a manager of both offices); otherwise the sending office records it as its
    ``transfer_out``. A receipt whose document number is already booked for the item raises
    :class:`DuplicateReceipt` (nothing recorded twice)."""
    if data.kind not in (*ENTERABLE, "transfer_in"):
        raise _invalid(f"'kind' must be one of: {', '.join(ENTERABLE)}, transfer_in.", "kind",
                       "Jenis mutasi tidak dikenal.")
    item = item_by_code(session, office, data.item)
    if data.kind == "adjustment":
        return stock_count(session, office=office, item=item, counted=data.counted, reason=data.reason, now=now,
                           actor=actor)
    quantity = data.quantity
    if data.packs is not None and quantity is None:
        packs = _quantity(data.packs, "packs")
        quantity = packs * (item.capacity or 1)
    if quantity is None:
        raise _invalid("'quantity' is required.", "quantity", "Wajib diisi.")
    quantity = _quantity(quantity)
    reason = _text(data.reason, "reason", 200, required=data.kind == "spoilage")
    if data.kind == "transfer_in":
        code = _text(data.from_office, "from_office", 16, required=True)
        source = session.scalar(select(Office).where(Office.code == code))
        if source is None:
            raise _invalid(f"Office {code!r} does not exist.", "from_office", "Kantor asal tidak ditemukan.")
        if may_take_from is None or not may_take_from(source):
            # only someone with rights over the sending office moves its stock: that office records the
            # transfer (transfer_out), and this office's side appears in the same transaction
            raise Forbidden(
                f"Stock leaves office {source.code} only by a transfer that {source.code} makes (transfer_out "
                f"to {office.code}); it then appears in {office.code}'s ledger at once. Nothing was recorded.",
                field="from_office", msgid="Stok kantor %(source)s hanya bisa dipindahkan oleh kantor %(source)s "
                                           "sendiri (transfer keluar ke %(target)s); transfer itu langsung "
                                           "tercatat di kantor ini. Tidak ada yang dicatat.",
                params={"source": source.code, "target": office.code})
        return transfer(session, source=source, target_code=office.code, item_code=item.code, quantity=quantity,
                        now=now, actor=actor, reason=reason)
    if data.kind == "transfer_out":
        return transfer(session, source=office, target_code=_text(data.to_office, "to_office", 16, required=True),
                        item_code=item.code, quantity=quantity, now=now, actor=actor, reason=reason)
    if data.kind == "receipt":
        source = _text(data.source, "source", 120, required=True)
        document_no = _text(data.document_no, "document_no", 60)
        delivery = None
        if data.delivery_id is not None:
            delivery = session.get(ExpectedDelivery, data.delivery_id)
            if delivery is None or delivery.office_id != office.id or delivery.item_id != item.id:
                raise _invalid("That expected delivery does not exist for this item.", "delivery_id",
                               "Kiriman yang ditunggu tidak ditemukan untuk barang ini.")
            if delivery.status != "pending":
                raise _invalid("That expected delivery is not pending any more.", "delivery_id",
                               "Kiriman itu sudah tidak ditunggu lagi.")
        document_date = data.document_date or office_day(now, office.timezone)
        key = document_key(document_no)
        if key:
            _booked_already(session, office, item, key, quantity=quantity, source=source,
                            document_date=data.document_date)
        mv = _move(session, office=office, item=item, kind="receipt", quantity=quantity, now=now, actor=actor,
                   reason=reason, source=source, document_no=document_no, document_date=document_date)
        if key:
            _book_document(session, office, item, key, mv, quantity=quantity, source=source,
                           document_date=data.document_date)
        if delivery is not None:
            delivery.status = "received"
        return [mv], [_changed(office, item, mv)]
    ticket_id = None
    if data.ticket_id is not None:
        ticket = session.get(Ticket, data.ticket_id)
        if ticket is None or ticket.office_id != office.id:
            raise _invalid("That ticket does not exist in this office.", "ticket_id",
                           "Tiket tidak ditemukan di kantor ini.")
        ticket_id = ticket.id
    mv = _move(session, office=office, item=item, kind=data.kind, quantity=-quantity, now=now, actor=actor,
               reason=reason, ticket_id=ticket_id)
    return [mv], [_changed(office, item, mv)]


def _same_receipt(mv: StockMovement, *, quantity: int, source: str, document_date: date | None) -> bool:
    return (mv.quantity == quantity and " ".join(mv.source.split()).casefold() == " ".join(source.split()).casefold()
            and (document_date is None or mv.document_date == document_date))


def _booked_already(session: Session, office: Office, item: StockItem, key: str, **entry) -> None:
    booked = session.scalar(select(StockReceiptDocument).where(
        StockReceiptDocument.office_id == office.id, StockReceiptDocument.item_id == item.id,
        StockReceiptDocument.document_key == key))
    if booked is not None:
        raise DuplicateReceipt(booked.movement, same=_same_receipt(booked.movement, **entry))


def _book_document(session: Session, office: Office, item: StockItem, key: str, mv: StockMovement, **entry) -> None:
    """Record the document as booked; when another transaction booked it meanwhile (two submissions at the
    same moment on PostgreSQL), the unique key refuses this one and the caller rolls everything back."""
    session.flush()
    try:
        with session.begin_nested():
            session.add(StockReceiptDocument(office_id=office.id, item_id=item.id, document_key=key,
                                             movement_id=mv.id))
    except IntegrityError:
        _booked_already(session, office, item, key, **entry)
        raise


def stock_count(session: Session, *, office: Office, item: StockItem, counted, reason: str, now: datetime,
                actor: str = "") -> tuple[list[StockMovement], list[Event]]:
    """Stock opname: record the difference between the physical count and the balance."""
    if counted is None:
        raise _invalid("'counted' is required for an adjustment.", "counted", "Wajib diisi.")
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0 or counted > MAX_QUANTITY:
        raise _invalid(f"'counted' must be a whole number from 0 to {MAX_QUANTITY}.", "counted",
                       "Isi hasil hitung fisik dengan bilangan bulat 0 atau lebih.")
    reason = _text(reason, "reason", 200, required=True)
    # lock the row first so the difference is computed on the balance it is applied to
    session.execute(update(StockLevel).where(StockLevel.item_id == item.id)
                    .values(stale=True).execution_options(synchronize_session=False))
    current = balance_of(session, item)
    mv = _move(session, office=office, item=item, kind="adjustment", quantity=counted - current, now=now,
               actor=actor, reason=f"{reason}"[:200])
    return [mv], [_changed(office, item, mv)]


def transfer(session: Session, *, source: Office, target_code: str, item_code: str, quantity: int, now: datetime,
             actor: str = "", reason: str = "") -> tuple[list[StockMovement], list[Event]]:
    """Move stock to another office: both ledgers change in this one transaction, or neither."""
    target = session.scalar(select(Office).where(Office.code == target_code))
    if target is None:
        raise _invalid(f"Office {target_code!r} does not exist.", "to_office", "Kantor tujuan tidak ditemukan.")
    if target.id == source.id:
        raise _invalid("A transfer needs another office.", "to_office", "Pilih kantor lain sebagai tujuan.")
    quantity = _quantity(quantity)
    out_item = item_by_code(session, source, item_code)
    in_item = item_by_code(session, target, item_code)
    # lock both balance rows in a fixed order (by id) so two opposite transfers cannot deadlock
    for it in sorted((out_item, in_item), key=lambda i: i.id):
        session.execute(update(StockLevel).where(StockLevel.item_id == it.id).values(stale=True)
                        .execution_options(synchronize_session=False))
    tid = uuid.uuid4().hex
    out = _move(session, office=source, item=out_item, kind="transfer_out", quantity=-quantity, now=now,
                actor=actor, reason=reason, transfer_id=tid, counterpart_office_id=target.id)
    inn = _move(session, office=target, item=in_item, kind="transfer_in", quantity=quantity, now=now, actor=actor,
                reason=reason, source=source.name, transfer_id=tid, counterpart_office_id=source.id)
    return [out, inn], [_changed(source, out_item, out), _changed(target, in_item, inn)]


def record_turned_away(session: Session, *, office: Office, item_code: str = DEFAULT_ITEM, count: int = 1,
                       now: datetime) -> None:
    """Count citizens sent away for lack of stock (e.g. offered Suket instead): they are demand."""
    item = item_by_code(session, office, item_code)
    count = _quantity(count, "count")
    insert = _insert_for(session)
    t = StockDay.__table__
    day = office_day(now, office.timezone)
    session.execute(insert(t).values(item_id=item.id, day=day, used=0, turned_away=count)
                    .on_conflict_do_update(index_elements=[t.c.item_id, t.c.day],
                                           set_={"turned_away": t.c.turned_away + count}))
    session.execute(update(StockLevel).where(StockLevel.item_id == item.id).values(stale=True)
                    .execution_options(synchronize_session=False))


# --------------------------------------------------------------------------- expected deliveries


def add_expected_delivery(session: Session, *, office: Office, item_code: str, quantity, expected_date,
                          now: datetime, source: str = "", note: str = "", actor: str = "") -> ExpectedDelivery:
    item = item_by_code(session, office, item_code)
    quantity = _quantity(quantity)
    if not isinstance(expected_date, date):
        raise _invalid("'expected_date' must be a date (YYYY-MM-DD).", "expected_date", "Isi tanggal yang valid.")
    if expected_date < office_day(now, office.timezone):
        raise _invalid("'expected_date' is in the past.", "expected_date",
                       "Tanggal perkiraan tiba tidak boleh di masa lalu.")
    row = ExpectedDelivery(office_id=office.id, item_id=item.id, quantity=quantity, expected_date=expected_date,
                           source=_text(source, "source", 120), note=_text(note, "note", 200), status="pending",
                           created_at=now, created_by=actor[:80])
    session.add(row)
    session.execute(update(StockLevel).where(StockLevel.item_id == item.id).values(stale=True)
                    .execution_options(synchronize_session=False))
    session.flush()
    return row


def pending_deliveries(session: Session, office: Office, item: StockItem | None = None) -> list[ExpectedDelivery]:
    q = select(ExpectedDelivery).where(ExpectedDelivery.office_id == office.id,
                                       ExpectedDelivery.status == "pending")
    if item is not None:
        q = q.where(ExpectedDelivery.item_id == item.id)
    return list(session.scalars(q.order_by(ExpectedDelivery.expected_date, ExpectedDelivery.id)))


# --------------------------------------------------------------------------- the counter's finish hook


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
        raise _invalid("Give a reason for the spoiled cards.", "spoiled_reason",
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
                mv = _move(session, office=office, item=item, kind=kind, quantity=-qty, now=now,
                           actor=f"ticket:{ticket.code}", reason=why, ticket_id=ticket.id)
            else:
                try:  # the refused UPDATE changed nothing, so there is nothing to undo
                    mv = _move(session, office=office, item=item, kind=kind, quantity=-qty, now=now,
                               actor=f"ticket:{ticket.code}", reason=why, ticket_id=ticket.id)
                except InsufficientStock:
                    log.warning("office %s: ticket %s finished without its %s recorded (not enough stock)",
                                office.code, ticket.code, item.code)
                    continue
            events.append(_changed(office, item, mv))
            events.extend(quick_alert(session, item, mv.balance_after, now, default_url=default_url))
    return events


# --------------------------------------------------------------------------- quota follows stock


def stock_quota_cap(session: Session, service: Service, day: date) -> int | None:
    """``policy.quota_caps`` member: today's tickets for ``service`` may not exceed the tickets it
    already finished today plus the cards its capping item can still print above the reserve."""
    rules = [r for r in consumptions_for(session, service.id) if r.caps_quota]
    if not rules:
        return None
    finished = session.scalar(select(func.count(Ticket.id)).where(
        Ticket.origin_service_id == service.id, Ticket.service_day == day, Ticket.status == "done")) or 0
    caps = []
    for rule in rules:
        balance = session.scalar(select(StockLevel.balance).where(StockLevel.item_id == rule.item_id)) or 0
        caps.append(finished + max(0, balance - rule.reserve) // rule.per_card)
    return min(caps)


def service_availability(session: Session, service: Service, day: date, caps: Iterable = ()) -> dict:
    """What the kiosk shows for a service today: whether it takes tickets, and if stock is why it
    does not, "Blangko habis" and the fallback service (Suket) to offer instead."""
    from queue_service.services.tickets import effective_quota, issued_today

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
        reason = "out_of_stock" if stock_cap is not None and (own is None or stock_cap < own) else "quota_reached"
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


# --------------------------------------------------------------------------- risk and alerts


def webhook_url_for(session: Session, office: Office, default: str | None = None) -> str | None:
    value = session.scalar(select(Setting.value).where(Setting.office_id == office.id,
                                                       Setting.key == WEBHOOK_SETTING))
    return (value or "").strip() or default or None


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


def _alert_message(item: StockItem, risk: Risk) -> str:
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
        return sync_alert(session, item, "critical", _alert_message(item, out), now, url, alert_detail(item, out))
    current = active_alert(session, item)
    if rop is not None and balance < rop and current is None:
        low = Risk("warning", balance, balance, reorder_point=rop, reasons=["below_reorder_point"])
        return sync_alert(session, item, "warning", _alert_message(item, low), now, url, alert_detail(item, low))
    return []


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
    events = sync_alert(session, item, alert_level, _alert_message(item, risk) if alert_level else "", now, url,
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


# --------------------------------------------------------------------------- reading


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


def ledger_query(office: Office, *, item: StockItem | None = None, kind: str | None = None,
                 start: date | None = None, end: date | None = None):
    q = select(StockMovement).where(StockMovement.office_id == office.id)
    if item is not None:
        q = q.where(StockMovement.item_id == item.id)
    if kind:
        q = q.where(StockMovement.kind == kind)
    if start:
        q = q.where(StockMovement.service_day >= start)
    if end:
        q = q.where(StockMovement.service_day <= end)
    return q.order_by(StockMovement.at.desc(), StockMovement.id.desc())


def movement_json(mv: StockMovement) -> dict:
    return {
        "id": mv.id, "item": mv.item.code, "kind": mv.kind, "quantity": mv.quantity,
        "balance_after": mv.balance_after, "at": mv.at.isoformat(), "day": mv.service_day.isoformat(),
        "actor": mv.actor, "reason": mv.reason, "source": mv.source, "document_no": mv.document_no,
        "document_date": mv.document_date.isoformat() if mv.document_date else None,
        "ticket": mv.ticket.code if mv.ticket is not None else None,
        "transfer_id": mv.transfer_id,
        "counterpart_office": mv.counterpart.code if mv.counterpart is not None else None,
    }


# --------------------------------------------------------------------------- CSV history import


@dataclass
class HistoryRow:
    line: int
    day: date
    office: str
    item: str
    consumed: int
    on_hand: int | None


def parse_history_csv(lines: Sequence[str]) -> tuple[list[HistoryRow], list[str]]:
    """Parse ``date,office,item,consumed[,on_hand]`` (header required). Returns rows and errors
    ("line N: ...")."""
    import csv

    reader = csv.reader(lines)
    errors: list[str] = []
    rows: list[HistoryRow] = []
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], ["line 1: the file is empty (expected a header: date,office,item,consumed[,on_hand])"]
    need = ["date", "office", "item", "consumed"]
    missing = [n for n in need if n not in header]
    if missing:
        return [], [f"line 1: missing column(s) {', '.join(missing)} (expected date,office,item,consumed[,on_hand])"]
    idx = {n: header.index(n) for n in header}
    seen: set[tuple[str, str, date]] = set()
    for lineno, rec in enumerate(reader, start=2):
        if not rec or all(not c.strip() for c in rec):
            continue
        if len(rec) < len(header):
            errors.append(f"line {lineno}: expected {len(header)} columns, got {len(rec)}")
            continue
        get = lambda n: rec[idx[n]].strip() if n in idx else ""  # noqa: E731
        try:
            day = date.fromisoformat(get("date"))
        except ValueError:
            errors.append(f"line {lineno}: date {get('date')!r} is not YYYY-MM-DD")
            continue
        try:
            consumed = int(get("consumed"))
            if consumed < 0 or consumed > MAX_QUANTITY:
                raise ValueError
        except ValueError:
            errors.append(f"line {lineno}: consumed {get('consumed')!r} is not a whole number >= 0")
            continue
        on_hand = None
        if get("on_hand"):
            try:
                on_hand = int(get("on_hand"))
                if on_hand < 0 or on_hand > MAX_QUANTITY:
                    raise ValueError
            except ValueError:
                errors.append(f"line {lineno}: on_hand {get('on_hand')!r} is not a whole number >= 0")
                continue
        key = (get("office"), get("item"), day)
        if key in seen:
            errors.append(f"line {lineno}: {key[0]} {key[1]} {day} appears twice")
            continue
        seen.add(key)
        rows.append(HistoryRow(lineno, day, get("office"), get("item"), consumed, on_hand))
    return rows, errors


def import_history(session: Session, rows: Iterable[HistoryRow], now: datetime, progress=None) -> list[str]:
    """Store imported daily history (for the forecast; balances are not touched). Returns errors
    by line; the caller commits only when there are none."""
    errors: list[str] = []
    offices: dict[str, Office | None] = {}
    items: dict[tuple[str, str], StockItem | None] = {}
    insert = _insert_for(session)
    t = StockDay.__table__
    touched: set[int] = set()
    for row in rows:
        if progress is not None:
            progress(1)
        if row.office not in offices:
            offices[row.office] = session.scalar(select(Office).where(Office.code == row.office))
        office = offices[row.office]
        if office is None:
            errors.append(f"line {row.line}: office {row.office!r} does not exist")
            continue
        key = (row.office, row.item)
        if key not in items:
            ensure_items(session, office)
            items[key] = session.scalar(select(StockItem).where(StockItem.office_id == office.id,
                                                                StockItem.code == row.item))
        item = items[key]
        if item is None:
            errors.append(f"line {row.line}: office {row.office} has no item {row.item!r} "
                          f"(items: {', '.join(c for c, *_ in DEFAULT_ITEMS)})")
            continue
        if row.day >= office_day(now, office.timezone):
            errors.append(f"line {row.line}: {row.day} is not in the past")
            continue
        values = {"imported": row.consumed}
        if row.on_hand is not None:
            values.update(closing=row.on_hand, min_balance=row.on_hand)
        session.execute(insert(t).values(item_id=item.id, day=row.day, used=0, turned_away=0, **values)
                        .on_conflict_do_update(index_elements=[t.c.item_id, t.c.day], set_=values))
        touched.add(item.id)
    if touched:
        session.execute(update(StockLevel).where(StockLevel.item_id.in_(touched)).values(stale=True)
                        .execution_options(synchronize_session=False))
    return errors
