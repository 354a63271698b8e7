"""The office's own calendar entries (closures, extra service days); weekdays and national holidays
come from ``queue_service.domain.calendar``."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from queue_service.models.base import Base, UTCDateTime


class OfficeCalendarEntry(Base):
    """One office-local day: ``open=False`` closes it (``note`` says why: shown to citizens),
    ``open=True`` opens a day the weekdays or holidays would close."""

    __tablename__ = "office_calendar_entry"
    __table_args__ = (UniqueConstraint("office_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    open: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(80), default="")
