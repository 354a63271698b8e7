"""Delivery documents booked once: a receipt's document number (case and spaces folded) is booked once per
(office, item), so the same delivery entered twice is recorded once, and a different one under the same
number is refused for a person to look at (``inventory.ledger.record_movement`` asks here)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inventory.models import StockItem, StockMovement, StockReceiptDocument
from queue_service.domain.errors import Conflict
from queue_service.models import Office


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



def _same_receipt(mv: StockMovement, *, quantity: int, source: str, document_date: date | None) -> bool:
    return (mv.quantity == quantity and " ".join(mv.source.split()).casefold() == " ".join(source.split()).casefold()
            and (document_date is None or mv.document_date == document_date))


def booked_already(session: Session, office: Office, item: StockItem, key: str, **entry) -> None:
    booked = session.scalar(select(StockReceiptDocument).where(
        StockReceiptDocument.office_id == office.id, StockReceiptDocument.item_id == item.id,
        StockReceiptDocument.document_key == key))
    if booked is not None:
        raise DuplicateReceipt(booked.movement, same=_same_receipt(booked.movement, **entry))


def book_document(session: Session, office: Office, item: StockItem, key: str, mv: StockMovement, **entry) -> None:
    """Record the document as booked; when another transaction booked it meanwhile (two submissions at the
    same moment on PostgreSQL), the unique key refuses this one and the caller rolls everything back."""
    session.flush()
    try:
        with session.begin_nested():
            session.add(StockReceiptDocument(office_id=office.id, item_id=item.id, document_key=key,
                                             movement_id=mv.id))
    except IntegrityError:
        booked_already(session, office, item, key, **entry)
        raise

