"""The stock ledger: items, movements (receipts, consumption, spoilage, transfers between offices, stock counts),
citizens turned away for lack of stock, expected deliveries, and reading the ledger back.

Pure of Flask: take a session and ``now``, return results and events, never commit.

Consistency: every movement changes the item's balance with ONE conditional statement
``UPDATE stock_level SET balance = balance + :delta WHERE item_id = :id AND balance + :delta >= 0
RETURNING balance`` in the movement's transaction. On PostgreSQL the row lock makes concurrent
counters queue on that row and re-check the condition on the newest balance; on SQLite the
transaction already holds the write lock (BEGIN IMMEDIATE). A CHECK (balance >= 0) backs it up.
The ledger row stores ``balance_after``, so balance = sum of movements can always be verified.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from inventory.models import (
    ExpectedDelivery,
    StockDay,
    StockItem,
    StockLevel,
    StockMovement,
)
from inventory.receipts import book_document, booked_already, document_key
from queue_service.db import insert_for
from queue_service.domain.clock import office_day
from queue_service.domain.errors import DomainError, Forbidden, NotFound, ValidationFailed
from queue_service.domain.events import Event
from queue_service.domain.text import has_control_characters
from queue_service.models import Office, Ticket

MAX_QUANTITY = 1_000_000
MANAGERS = ("managers",)
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


# --------------------------------------------------------------------------- helpers


def invalid(message: str, field: str, msgid: str, **params) -> ValidationFailed:
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


def quantity_of(value, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"'{field}' must be a whole number.", field, "Isi dengan bilangan bulat.")
    if value <= 0:
        raise invalid(f"'{field}' must be more than 0.", field, "Jumlah harus lebih dari 0.")
    if value > MAX_QUANTITY:
        raise invalid(f"'{field}' must be at most {MAX_QUANTITY}.", field,
                       "Jumlah paling banyak %(max)s.", max=MAX_QUANTITY)
    return value


def text_of(value, field: str, max_length: int, *, required: bool = False, label: str = "") -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        raise invalid(f"'{field}' must be text.", field, "Isian tidak valid.")
    if required and not value:
        raise invalid(f"'{field}' is required.", field, "Wajib diisi.")
    if len(value) > max_length:
        raise invalid(f"'{field}' is longer than {max_length} characters.", field,
                       "Paling banyak %(max)s karakter.", max=max_length)
    if has_control_characters(value):
        raise invalid(f"'{field}' may not contain control characters.", field,
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
    insert = insert_for(session)
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


def move(session: Session, *, office: Office, item: StockItem, kind: str, quantity: int, now: datetime,
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


def changed_event(office: Office, item: StockItem, mv: StockMovement) -> Event:
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
        raise invalid(f"'kind' must be one of: {', '.join(ENTERABLE)}, transfer_in.", "kind",
                       "Jenis mutasi tidak dikenal.")
    item = item_by_code(session, office, data.item)
    if data.kind == "adjustment":
        return stock_count(session, office=office, item=item, counted=data.counted, reason=data.reason, now=now,
                           actor=actor)
    quantity = data.quantity
    if data.packs is not None and quantity is None:
        packs = quantity_of(data.packs, "packs")
        quantity = packs * (item.capacity or 1)
    if quantity is None:
        raise invalid("'quantity' is required.", "quantity", "Wajib diisi.")
    quantity = quantity_of(quantity)
    reason = text_of(data.reason, "reason", 200, required=data.kind == "spoilage")
    if data.kind == "transfer_in":
        code = text_of(data.from_office, "from_office", 16, required=True)
        source = session.scalar(select(Office).where(Office.code == code))
        if source is None:
            raise invalid(f"Office {code!r} does not exist.", "from_office", "Kantor asal tidak ditemukan.")
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
        return transfer(session, source=office, target_code=text_of(data.to_office, "to_office", 16, required=True),
                        item_code=item.code, quantity=quantity, now=now, actor=actor, reason=reason)
    if data.kind == "receipt":
        source = text_of(data.source, "source", 120, required=True)
        document_no = text_of(data.document_no, "document_no", 60)
        delivery = None
        if data.delivery_id is not None:
            delivery = session.get(ExpectedDelivery, data.delivery_id)
            if delivery is None or delivery.office_id != office.id or delivery.item_id != item.id:
                raise invalid("That expected delivery does not exist for this item.", "delivery_id",
                               "Kiriman yang ditunggu tidak ditemukan untuk barang ini.")
            if delivery.status != "pending":
                raise invalid("That expected delivery is not pending any more.", "delivery_id",
                               "Kiriman itu sudah tidak ditunggu lagi.")
        document_date = data.document_date or office_day(now, office.timezone)
        key = document_key(document_no)
        if key:
            booked_already(session, office, item, key, quantity=quantity, source=source,
                            document_date=data.document_date)
        mv = move(session, office=office, item=item, kind="receipt", quantity=quantity, now=now, actor=actor,
                   reason=reason, source=source, document_no=document_no, document_date=document_date)
        if key:
            book_document(session, office, item, key, mv, quantity=quantity, source=source,
                           document_date=data.document_date)
        if delivery is not None:
            delivery.status = "received"
        return [mv], [changed_event(office, item, mv)]
    ticket_id = None
    if data.ticket_id is not None:
        ticket = session.get(Ticket, data.ticket_id)
        if ticket is None or ticket.office_id != office.id:
            raise invalid("That ticket does not exist in this office.", "ticket_id",
                           "Tiket tidak ditemukan di kantor ini.")
        ticket_id = ticket.id
    mv = move(session, office=office, item=item, kind=data.kind, quantity=-quantity, now=now, actor=actor,
               reason=reason, ticket_id=ticket_id)
    return [mv], [changed_event(office, item, mv)]



def stock_count(session: Session, *, office: Office, item: StockItem, counted, reason: str, now: datetime,
                actor: str = "") -> tuple[list[StockMovement], list[Event]]:
    """Stock opname: record the difference between the physical count and the balance."""
    if counted is None:
        raise invalid("'counted' is required for an adjustment.", "counted", "Wajib diisi.")
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0 or counted > MAX_QUANTITY:
        raise invalid(f"'counted' must be a whole number from 0 to {MAX_QUANTITY}.", "counted",
                       "Isi hasil hitung fisik dengan bilangan bulat 0 atau lebih.")
    reason = text_of(reason, "reason", 200, required=True)
    # lock the row first so the difference is computed on the balance it is applied to
    session.execute(update(StockLevel).where(StockLevel.item_id == item.id)
                    .values(stale=True).execution_options(synchronize_session=False))
    current = balance_of(session, item)
    mv = move(session, office=office, item=item, kind="adjustment", quantity=counted - current, now=now,
               actor=actor, reason=f"{reason}"[:200])
    return [mv], [changed_event(office, item, mv)]


def transfer(session: Session, *, source: Office, target_code: str, item_code: str, quantity: int, now: datetime,
             actor: str = "", reason: str = "") -> tuple[list[StockMovement], list[Event]]:
    """Move stock to another office: both ledgers change in this one transaction, or neither."""
    target = session.scalar(select(Office).where(Office.code == target_code))
    if target is None:
        raise invalid(f"Office {target_code!r} does not exist.", "to_office", "Kantor tujuan tidak ditemukan.")
    if target.id == source.id:
        raise invalid("A transfer needs another office.", "to_office", "Pilih kantor lain sebagai tujuan.")
    quantity = quantity_of(quantity)
    out_item = item_by_code(session, source, item_code)
    in_item = item_by_code(session, target, item_code)
    # lock both balance rows in a fixed order (by id) so two opposite transfers cannot deadlock
    for it in sorted((out_item, in_item), key=lambda i: i.id):
        session.execute(update(StockLevel).where(StockLevel.item_id == it.id).values(stale=True)
                        .execution_options(synchronize_session=False))
    tid = uuid.uuid4().hex
    out = move(session, office=source, item=out_item, kind="transfer_out", quantity=-quantity, now=now,
                actor=actor, reason=reason, transfer_id=tid, counterpart_office_id=target.id)
    inn = move(session, office=target, item=in_item, kind="transfer_in", quantity=quantity, now=now, actor=actor,
                reason=reason, source=source.name, transfer_id=tid, counterpart_office_id=source.id)
    return [out, inn], [changed_event(source, out_item, out), changed_event(target, in_item, inn)]


def record_turned_away(session: Session, *, office: Office, item_code: str = DEFAULT_ITEM, count: int = 1,
                       now: datetime) -> None:
    """Count citizens sent away for lack of stock (e.g. offered Suket instead): they are demand."""
    item = item_by_code(session, office, item_code)
    count = quantity_of(count, "count")
    insert = insert_for(session)
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
    quantity = quantity_of(quantity)
    if not isinstance(expected_date, date):
        raise invalid("'expected_date' must be a date (YYYY-MM-DD).", "expected_date", "Isi tanggal yang valid.")
    if expected_date < office_day(now, office.timezone):
        raise invalid("'expected_date' is in the past.", "expected_date",
                       "Tanggal perkiraan tiba tidak boleh di masa lalu.")
    row = ExpectedDelivery(office_id=office.id, item_id=item.id, quantity=quantity, expected_date=expected_date,
                           source=text_of(source, "source", 120), note=text_of(note, "note", 200), status="pending",
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


# --------------------------------------------------------------------------- reading


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
