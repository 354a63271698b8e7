"""Durable print jobs and the last known state of each kiosk's printer.

A ticket is committed first; its print job is a separate row, so a printer that fails never
delays or undoes a ticket, and nothing is lost: every job ends ``sent`` or stays visible to
staff as ``failed``/``held`` with a reprint action.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_service.models import Base, Device, Ticket, UTCDateTime

#: queued   waiting for a worker (or the kiosk's print agent)
#: printing claimed by one worker/agent (a lease: re-queued if it never reports back)
#: sent     the printer took the bytes
#: failed   the last attempt failed; retried at ``next_attempt_at`` (None = gave up, staff may reprint)
#: held     the printer reports no paper: waits for staff to change the roll and reprint
JOB_STATUSES = ("queued", "printing", "sent", "failed", "held")
PRINTER_STATUSES = ("unknown", "online", "offline", "paper_out", "near_end", "error")


class PrintJob(Base):
    __tablename__ = "print_job"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'printing', 'sent', 'failed', 'held')", name="status"),
        Index("ix_print_job_due", "status", "next_attempt_at"),
        Index("ix_print_job_device", "device_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"))
    #: the printer the job goes to (the kiosk's printer when the job was queued or reprinted)
    printer_uri: Mapped[str] = mapped_column(String(200))
    printer_profile: Mapped[str | None] = mapped_column(String(40), nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: what went wrong last (a sentence staff can act on) and its kind: offline|paper_out|error
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    error_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: what is printed (JSON of the TicketPrint fields), fixed when the job is queued
    payload: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: who holds the claim ("worker:<pid>" or "agent:<device>")
    claimed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    ticket: Mapped[Ticket] = relationship()
    device: Mapped[Device] = relationship()


class PrinterState(Base):
    """Last known state of a kiosk's printer (from the last print attempt or status query)."""

    __tablename__ = "printer_state"

    device_id: Mapped[int] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="unknown")
    detail: Mapped[str] = mapped_column(String(300), default="")
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: when the status last changed (alerts are sent on changes only)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    device: Mapped[Device] = relationship()
