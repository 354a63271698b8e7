"""Tables of the bookings feature (on the core's metadata, in the core's migrations).

* ``booking_service`` - a service's booking settings (slots, capacity, walk-in share, remote queueing);
  its row is also what a booking transaction locks first, so bookings of one service are serialised
  (the blank cap spans days: a booking on Thursday changes what Friday may take);
* ``booking_office`` - an office's check-in rules, reminders and webhook;
* ``booking`` - one booking: code (people) and token (its page, the QR), slot, state, optional phone
  kept only until the booking ends; ``booking_event`` its history;
* ``booking_counter`` - booked places per (service, day, slot) and per (service, day) (slot ``*``),
  remote tickets per (service, day) (slot ``remote``): bumped by one conditional upsert;
* ``booking_limit`` - abuse counters under HMAC keys; ``booking_message`` - webhook messages to send;
* ``remote_ticket`` - a same-day ticket taken from a phone (the ticket itself is a core ticket).
"""
from __future__ import annotations

from datetime import date, datetime, time

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
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bookings.checkin import CheckinRules
from bookings.slots import SlotSettings, parse_breaks, parse_overrides
from queue_service.models.base import Base, UTCDateTime
from queue_service.models.core import Office, Service, Ticket

STATUSES = ("booked", "checked_in", "late", "cancelled", "no_show")
#: a booking in one of these holds its place
ACTIVE = ("booked",)
DAY_ROW = "*"
REMOTE_ROW = "remote"


class BookingService(Base):
    __tablename__ = "booking_service"
    __table_args__ = (
        CheckConstraint("slot_minutes BETWEEN 5 AND 480", name="slot_minutes"),
        CheckConstraint("capacity >= 0", name="capacity"),
        CheckConstraint("walkin_share >= 0 AND walkin_share <= 1", name="walkin_share"),
    )

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=60)
    capacity: Mapped[int] = mapped_column(Integer, default=20)
    walkin_share: Mapped[float] = mapped_column(Float, default=0.3)
    #: "08:00=20, 12:00=8"
    overrides: Mapped[str] = mapped_column(String(500), default="")
    bookable_from: Mapped[time | None] = mapped_column(Time, nullable=True)
    bookable_until: Mapped[time | None] = mapped_column(Time, nullable=True)
    #: "12:00-13:00; 5 11:30-13:00"
    breaks: Mapped[str] = mapped_column(String(200), default="")
    daily_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)
    min_days_ahead: Mapped[int] = mapped_column(Integer, default=0)
    max_days_ahead: Mapped[int] = mapped_column(Integer, default=14)
    cutoff_minutes: Mapped[int] = mapped_column(Integer, default=30)
    remote_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    remote_daily_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: bumped by every booking transaction of the service: the row lock that serialises them
    version: Mapped[int] = mapped_column(Integer, default=0)

    service: Mapped[Service] = relationship()

    def slot_settings(self) -> SlotSettings:
        return SlotSettings(slot_minutes=self.slot_minutes, capacity=self.capacity,
                            walkin_share=float(self.walkin_share), overrides=parse_overrides(self.overrides or ""),
                            bookable_from=self.bookable_from, bookable_until=self.bookable_until,
                            breaks=parse_breaks(self.breaks or ""), daily_cap=self.daily_cap,
                            min_days_ahead=self.min_days_ahead, max_days_ahead=self.max_days_ahead,
                            cutoff_minutes=self.cutoff_minutes)


class BookingOffice(Base):
    __tablename__ = "booking_office"
    __table_args__ = (
        CheckConstraint("late_from IN ('start', 'end')", name="late_from"),
        CheckConstraint("late_policy IN ('walk_in', 'rebook')", name="late_policy"),
    )

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), primary_key=True)
    early_minutes: Mapped[int] = mapped_column(Integer, default=30)
    late_minutes: Mapped[int] = mapped_column(Integer, default=15)
    late_from: Mapped[str] = mapped_column(String(5), default="start")
    late_policy: Mapped[str] = mapped_column(String(8), default="walk_in")
    queue_rule: Mapped[str] = mapped_column(String(20), default="slot")
    spread: Mapped[bool] = mapped_column(Boolean, default=True)
    #: "about N people ahead" is sent once when the position falls to this
    near_threshold: Mapped[int] = mapped_column(Integer, default=5)
    #: the reminder goes out this many days before, at this office-local time
    reminder_days_before: Mapped[int] = mapped_column(Integer, default=1)
    reminder_time: Mapped[time] = mapped_column(Time, default=time(18, 0))
    webhook_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: HMAC key of the webhook signature (it must be readable to sign: not a hash)
    webhook_secret: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: texts replacing the defaults, one row per kind
    texts: Mapped[list[BookingText]] = relationship(cascade="all, delete-orphan")

    office: Mapped[Office] = relationship()

    def rules(self) -> CheckinRules:
        return CheckinRules(early_minutes=self.early_minutes, late_minutes=self.late_minutes,
                            late_from=self.late_from, late_policy=self.late_policy,
                            queue_rule=self.queue_rule, spread=self.spread)


class BookingText(Base):
    __tablename__ = "booking_text"
    __table_args__ = (UniqueConstraint("office_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("booking_office.office_id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)


class Booking(Base):
    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("status IN ('booked', 'checked_in', 'late', 'cancelled', 'no_show')", name="status"),
        Index("ix_booking_day", "office_id", "day", "status"),
        Index("ix_booking_service_day", "service_id", "day", "slot_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    #: "09:00", the slot's start in office time
    slot_key: Mapped[str] = mapped_column(String(5))
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime)
    slot_end: Mapped[datetime] = mapped_column(UTCDateTime)
    #: 0-based place in the slot (for the spread appointment)
    place: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="booked")
    #: E.164, only with consent, deleted when the booking ends
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    phone_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    locale: Mapped[str] = mapped_column(String(5), default="id")
    #: "web" or "api:<user>"
    created_via: Mapped[str] = mapped_column(String(80), default="web")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    near_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    called_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    office: Mapped[Office] = relationship()
    service: Mapped[Service] = relationship()
    ticket: Mapped[Ticket | None] = relationship()


class BookingEvent(Base):
    __tablename__ = "booking_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(80), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class BookingCounter(Base):
    """Places taken per (service, day, slot key); slot ``*`` is the whole day, ``remote`` the day's
    remote tickets."""

    __tablename__ = "booking_counter"
    __table_args__ = (CheckConstraint("booked >= 0", name="booked"),)

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    slot_key: Mapped[str] = mapped_column(String(8), primary_key=True)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class BookingLimit(Base):
    """Bookings and remote tickets per HMAC key (address bucket or phone) and office-local day."""

    __tablename__ = "booking_limit"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class BookingMessage(Base):
    """A message for the office's webhook; the phone is read from its booking or remote ticket when
    it is sent (so a deleted number stops it)."""

    __tablename__ = "booking_message"
    __table_args__ = (Index("ix_booking_message_due", "delivered_at", "failed_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), nullable=True)
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(300), default="")


class RemoteTicket(Base):
    __tablename__ = "remote_ticket"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    travel_minutes: Mapped[int] = mapped_column(Integer, default=30)
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    leave_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    near_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    called_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    ticket: Mapped[Ticket] = relationship()
