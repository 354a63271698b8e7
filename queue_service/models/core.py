"""Offices, services, counters, staff, devices, tickets and their audit trail."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_service.models.base import Base, UTCDateTime

counter_services = Table(
    "counter_service",
    Base.metadata,
    Column("counter_id", ForeignKey("counter.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
)

user_offices = Table(
    "user_office",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), primary_key=True),
)


class Office(Base):
    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    opens_at: Mapped[time] = mapped_column(Time, default=time(8, 0))
    closes_at: Mapped[time] = mapped_column(Time, default=time(15, 0))
    #: ISO weekdays the office is open (1 = Monday), e.g. "12345"
    open_days: Mapped[str] = mapped_column(String(7), default="12345")
    #: scrolling information text on the display screens
    info_text: Mapped[str] = mapped_column(Text, default="")
    #: footer printed on tickets
    ticket_footer: Mapped[str] = mapped_column(String(200), default="")
    #: letter of the office-wide priority series (e.g. "P": P-007); None = priority tickets keep
    #: their service's letter
    priority_prefix: Mapped[str | None] = mapped_column(String(2), nullable=True)
    #: last office-local day that close-day ran for (rollover bookkeeping)
    last_closed_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: displays speak calls with the browser's own Indonesian (id-ID) voice where the browser has one, instead
    #: of joining the recorded clips (Debian's Chromium has no voice at all: the clips are used there anyway)
    prefer_browser_voice: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    services: Mapped[list[Service]] = relationship(back_populates="office", order_by="Service.id")
    counters: Mapped[list[Counter]] = relationship(back_populates="office", order_by="Counter.number")

    def __repr__(self) -> str:
        return f"<Office {self.code}>"


class Service(Base):
    __tablename__ = "service"
    __table_args__ = (
        UniqueConstraint("office_id", "code"),
        UniqueConstraint("office_id", "prefix"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    prefix: Mapped[str] = mapped_column(String(2))
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    daily_quota: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    priority_policy: Mapped[str] = mapped_column(String(32), default="strict")
    #: another service of the same office offered when this one cannot take tickets (e.g. SUKET)
    fallback_service_id: Mapped[int | None] = mapped_column(
        ForeignKey("service.id", ondelete="SET NULL"), nullable=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    office: Mapped[Office] = relationship(back_populates="services")
    counters: Mapped[list[Counter]] = relationship(secondary=counter_services, back_populates="services")
    fallback: Mapped[Service | None] = relationship(remote_side="Service.id")

    def name(self, locale: str = "id") -> str:
        return self.name_en if locale == "en" else self.name_id


class Counter(Base):
    __tablename__ = "counter"
    __table_args__ = (UniqueConstraint("office_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: set while a clerk has the counter open (console page, call-next), for wait estimates
    open_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: the console's last sign of life (heartbeat, call-next); an open counter silent for longer than
    #: COUNTER_AWAY_SECONDS is closed by the ``counter-away`` job (the clerk shut the browser without
    #: "Tutup loket")
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: the clerk is on a break until then ("Istirahat sampai 13:00"): wait estimates count the counter back
    #: from then, and the ``counter-away`` job leaves it open meanwhile. Ended by "Kembali", a call, or closing
    break_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    office: Mapped[Office] = relationship(back_populates="counters")
    services: Mapped[list[Service]] = relationship(secondary=counter_services, back_populates="counters",
                                                   order_by="Service.id")


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("role IN ('admin', 'manager', 'clerk')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="clerk")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5), nullable=True)
    #: part of every session cookie's user id ("<id>:<version>"): bumped at logout, password change and
    #: deactivation, which ends every session of the user, copied cookies included
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    offices: Mapped[list[Office]] = relationship(secondary=user_offices)

    # Flask-Login protocol, without importing Flask-Login here
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What a session stores (Flask-Login): the id with the session version, so that bumping the version
        ends every session of this user (``web.auth.load_user`` refuses an older one)."""
        return f"{self.id}:{self.session_version or 0}"

    def end_sessions(self) -> None:
        """Every session of this user stops working at the next request (logout, new password, deactivation)."""
        self.session_version = (self.session_version or 0) + 1


class ApiToken(Base):
    """A staff member's personal API token (stored as a SHA-256 hash)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class Device(Base):
    """A kiosk or a display screen, authenticated by a token stored as a SHA-256 hash."""

    __tablename__ = "device"
    __table_args__ = (CheckConstraint("kind IN ('kiosk', 'display')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: display filter: comma-separated service codes / counter numbers ("" = all)
    filter_services: Mapped[str] = mapped_column(String(200), default="")
    filter_counters: Mapped[str] = mapped_column(String(200), default="")
    #: printer target URI for a kiosk (see printers/)
    printer_uri: Mapped[str | None] = mapped_column(String(200), nullable=True)
    printer_profile: Mapped[str | None] = mapped_column(String(40), nullable=True)

    office: Mapped[Office] = relationship()


class TicketSequence(Base):
    """Numbering of one series (a service's letter, or the office's priority letter) on one
    office-local day; bumped by one upsert in the ticket's own transaction."""

    __tablename__ = "ticket_sequence"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), primary_key=True)
    series: Mapped[str] = mapped_column(String(2), primary_key=True)
    service_day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: last number handed out in this series
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    #: tickets issued today for the service whose letter this is (regular and priority): the quota count
    issued: Mapped[int] = mapped_column(Integer, default=0)
    #: regular tickets called in a row (for the interleave priority policy)
    regular_streak: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("office_id", "series", "service_day", "number"),
        Index("ix_ticket_queue", "office_id", "service_day", "status", "service_id", "queued_at"),
        Index("ix_ticket_counter", "counter_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    #: the service the ticket waits for now (changes on transfer)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    #: the service it was issued for (never changes)
    origin_service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    #: the numbering series (letter) of its code; the number is unique per office, series and day
    series: Mapped[str] = mapped_column(String(2))
    service_day: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    priority_group: Mapped[str | None] = mapped_column(String(20), nullable=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: queue order key (= issued_at, moved on requeue or transfer-to-end)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id", ondelete="SET NULL"), nullable=True)
    requeues: Mapped[int] = mapped_column(Integer, default=0)
    #: kiosk that issued it (None = staff / API)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id", ondelete="SET NULL"), nullable=True)

    office: Mapped[Office] = relationship()
    service: Mapped[Service] = relationship(foreign_keys=[service_id])
    origin_service: Mapped[Service] = relationship(foreign_keys=[origin_service_id])
    counter: Mapped[Counter | None] = relationship()


class TicketEvent(Base):
    """Append-only audit trail of everything done to a ticket."""

    __tablename__ = "ticket_event"
    __table_args__ = (
        # the wait estimates' history: recent no-shows (call -> no_show occupations), each counter's last act
        Index("ix_ticket_event_action_at", "action", "at"),
        Index("ix_ticket_event_counter_at", "counter_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(80), default="")
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id", ondelete="SET NULL"), nullable=True)
    detail: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class WaitEstimate(Base):
    """A wait estimate shown to a citizen (kiosk screen and printed ticket, status page): the replay's own
    figures and the range shown, in minutes. Once the ticket is called, its first call after ``shown_at``
    gives the actual wait: the record the ranges are calibrated on, and the managers' accuracy page."""

    __tablename__ = "wait_estimate"
    __table_args__ = (
        CheckConstraint("source IN ('issue', 'status', 'push')", name="source"),
        Index("ix_wait_estimate_office_shown", "office_id", "shown_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    #: the service the ticket waited for when the estimate was shown
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: issue (kiosk screen + printed ticket), status (the status page), push (a live update of it)
    source: Mapped[str] = mapped_column(String(8))
    #: people ahead in the service's order
    position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: the replay's own figures (minutes): what the calibration learns from
    model_mean: Mapped[float] = mapped_column(Float)
    model_p10: Mapped[float] = mapped_column(Float)
    model_p50: Mapped[float] = mapped_column(Float)
    model_p90: Mapped[float] = mapped_column(Float)
    #: what the citizen saw: "sekitar <minutes> menit (<low>-<high> menit)"
    minutes: Mapped[int] = mapped_column(Integer)
    low: Mapped[int] = mapped_column(Integer)
    high: Mapped[int] = mapped_column(Integer)


class Setting(Base):
    """Small key/value settings per office (office_id NULL = global)."""

    __tablename__ = "setting"
    __table_args__ = (UniqueConstraint("office_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), nullable=True)
    key: Mapped[str] = mapped_column(String(60))
    value: Mapped[str] = mapped_column(Text, default="")


class JobLease(Base):
    """Who runs a background job now: with several processes, only the lease holder does."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """A failed sign-in, kept for the throttle window. In the database so that every process of a
    deployment counts the same attempts (``web.auth.LoginThrottle``)."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of "<address>\n<username>": the throttle key, not the user name itself
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class FormNonce(Base):
    """A one-time number handed out with a form that records something (stock receipts, transfers...): the
    same form submitted twice (a double click, a reload after a slow answer) is stored once."""

    __tablename__ = "form_nonce"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
