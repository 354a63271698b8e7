"""Stock of blank cards and printing supplies per office: items, the append-only ledger,
the per-item balance row (the lock that keeps concurrent consumption consistent), daily
aggregates for the forecast, expected deliveries, alerts and their webhook notifications.

Units: every quantity is a whole number of the item's *ledger unit*. For card blanks that is a
sheet; for ribbon and film/overlay it is "cards' worth" (a ribbon of capacity 250 received adds
250, each printed card takes 1), so fractional ribbons never appear in the ledger.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_service.models import Office, Service, Ticket
from queue_service.models.base import Base, UTCDateTime

ITEM_KINDS = ("ktp_el", "kia", "ribbon", "film", "cleaning_kit", "paper_roll")
MOVEMENT_KINDS = ("receipt", "consumption", "spoilage", "transfer_out", "transfer_in", "adjustment")
ALERT_LEVELS = ("warning", "critical")
ALERT_STATUSES = ("open", "acknowledged", "resolved")
DELIVERY_STATUSES = ("pending", "received", "cancelled")


class StockItem(Base):
    __tablename__ = "stock_item"
    __table_args__ = (
        UniqueConstraint("office_id", "code"),
        CheckConstraint("kind IN ('ktp_el', 'kia', 'ribbon', 'film', 'cleaning_kit', 'paper_roll')",
                        name="kind"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default="ktp_el")
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    #: ledger unit shown to people ("lembar", "kartu", "buah", "rol")
    unit: Mapped[str] = mapped_column(String(20), default="lembar")
    #: cards one package (ribbon, film) prints; ledger quantities are in cards for these
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: replenishment lead time used for the reorder point when no delivery is expected
    lead_days: Mapped[int] = mapped_column(Integer, default=14)
    #: service level of the reorder point (0.95 = 95 % of lead times covered)
    service_level: Mapped[float] = mapped_column(Float, default=0.95)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    office: Mapped[Office] = relationship()
    level: Mapped[StockLevel] = relationship(back_populates="item", uselist=False)

    def name(self, locale: str = "id") -> str:
        return self.name_en if locale == "en" else self.name_id


class StockLevel(Base):
    """One row per item: the running balance (the lock row) and the latest risk figures.

    Every movement updates ``balance`` with one conditional ``UPDATE ... WHERE balance + :delta >= 0``;
    the CHECK constraint is the last line of defence. Nobody edits it by hand: it always equals the
    sum of the item's movements (tests hold it)."""

    __tablename__ = "stock_level"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id", ondelete="CASCADE"), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: risk figures of the last recompute (None = not computed / not enough history)
    risk: Mapped[str] = mapped_column(String(10), default="unknown")
    days_of_cover: Mapped[float | None] = mapped_column(Float, nullable=True)
    stockout_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    reorder_point: Mapped[float | None] = mapped_column(Float, nullable=True)
    p_stockout: Mapped[float | None] = mapped_column(Float, nullable=True)
    forecast_daily_mean: Mapped[float | None] = mapped_column(Float, nullable=True)
    risk_detail: Mapped[str] = mapped_column(Text, default="")
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: a movement happened since the last full recompute (the background job picks it up)
    stale: Mapped[bool] = mapped_column(Boolean, default=True)

    item: Mapped[StockItem] = relationship(back_populates="level")


class StockMovement(Base):
    """Append-only. ``quantity`` is signed (receipts +, consumption -); ``balance_after`` is the
    item's balance right after this movement (so the ledger shows a running balance)."""

    __tablename__ = "stock_movement"
    __table_args__ = (
        CheckConstraint("kind IN ('receipt', 'consumption', 'spoilage', 'transfer_out', 'transfer_in', "
                        "'adjustment')", name="kind"),
        CheckConstraint("balance_after >= 0", name="balance_after"),
        CheckConstraint("quantity <> 0 OR kind = 'adjustment'", name="quantity"),
        Index("ix_stock_movement_item_at", "item_id", "at"),
        Index("ix_stock_movement_office_day", "office_id", "service_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: office-local day of ``at`` (daily figures and filters)
    service_day: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(80), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    #: receipts: where it came from (Ditjen Dukcapil, provinsi, ...), document number and date
    source: Mapped[str] = mapped_column(String(120), default="")
    document_no: Mapped[str] = mapped_column(String(60), default="")
    document_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), nullable=True,
                                                  index=True)
    #: both sides of a transfer share this id
    transfer_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    counterpart_office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id", ondelete="SET NULL"),
                                                              nullable=True)

    item: Mapped[StockItem] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
    counterpart: Mapped[Office | None] = relationship(foreign_keys=[counterpart_office_id])


@event.listens_for(StockMovement, "before_update")
def _no_update(mapper, connection, target):  # pragma: no cover - a programming error
    raise RuntimeError("stock movements are append-only: record a correcting movement instead")


@event.listens_for(StockMovement, "before_delete")
def _no_delete(mapper, connection, target):  # pragma: no cover - a programming error
    raise RuntimeError("stock movements are append-only: record a correcting movement instead")


class StockReceiptDocument(Base):
    """A delivery document booked as a receipt: one per (office, item, document number), so the same BAST
    entered twice (two clerks, a form sent twice, a script retried) adds the stock once. ``document_key``
    is the number with case and spaces folded."""

    __tablename__ = "stock_receipt_document"
    __table_args__ = (UniqueConstraint("office_id", "item_id", "document_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id", ondelete="CASCADE"))
    document_key: Mapped[str] = mapped_column(String(60))
    movement_id: Mapped[int] = mapped_column(ForeignKey("stock_movement.id", ondelete="CASCADE"))

    movement: Mapped[StockMovement] = relationship()


class StockDay(Base):
    """Per item and office-local day: what the forecast needs, kept up to date by every movement
    (and filled from CSV by ``adminduk stock import-history``).

    ``used`` = consumption + spoilage from the ledger; ``imported`` = consumed from an import;
    ``turned_away`` = citizens sent away for lack of stock (demand that consumed nothing);
    ``min_balance`` = the lowest balance reached that day (0 = the day ran out: censored demand)."""

    __tablename__ = "stock_day"

    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int | None] = mapped_column(Integer, nullable=True)
    turned_away: Mapped[int] = mapped_column(Integer, default=0)
    opening: Mapped[int | None] = mapped_column(Integer, nullable=True)
    min_balance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    closing: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ServiceConsumption(Base):
    """What finishing one ticket of a service consumes, per card printed; optionally the
    service's daily quota follows this item's stock (``caps_quota``: stock minus ``reserve``)."""

    __tablename__ = "service_consumption"
    __table_args__ = (
        UniqueConstraint("service_id", "item_id"),
        CheckConstraint("per_card > 0", name="per_card"),
        CheckConstraint("reserve >= 0", name="reserve"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id", ondelete="CASCADE"))
    #: ledger units per card printed (spoiled cards use them too: blanks as spoilage, ribbon as use)
    per_card: Mapped[int] = mapped_column(Integer, default=1)
    #: the service's daily quota is capped by this item's stock minus ``reserve``
    caps_quota: Mapped[bool] = mapped_column(Boolean, default=False)
    reserve: Mapped[int] = mapped_column(Integer, default=0)

    service: Mapped[Service] = relationship()
    item: Mapped[StockItem] = relationship()


class ExpectedDelivery(Base):
    __tablename__ = "expected_delivery"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("status IN ('pending', 'received', 'cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    expected_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(80), default="")

    item: Mapped[StockItem] = relationship()


class StockAlert(Base):
    """open -> acknowledged -> resolved. At most one unresolved alert per item (kept by the
    recompute, which runs under the item's level-row lock)."""

    __tablename__ = "stock_alert"
    __table_args__ = (
        CheckConstraint("level IN ('warning', 'critical')", name="level"),
        CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", name="status"),
        Index("ix_stock_alert_office_status", "office_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(14), default="open")
    message: Mapped[str] = mapped_column(String(300), default="")
    #: JSON {"reason", "balance", "p", "delivery", "cover", "lead", "rop"}: what ``message`` says (in Indonesian,
    #: for webhooks and the API), kept as figures so that a page writes it in its own language and format
    detail: Mapped[str] = mapped_column(Text, default="", server_default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[str] = mapped_column(String(80), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    item: Mapped[StockItem] = relationship()
    office: Mapped[Office] = relationship()


class AlertNotification(Base):
    """An alert change waiting to be POSTed to the office's webhook (retried by a background job)."""

    __tablename__ = "stock_alert_notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("stock_alert.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(300), default="")
