"""Tables of the feedback feature: survey answers, complaints, counter tablets, send limits.

Privacy by construction (see DESIGN.md): ``SurveyClaim`` says *that* a ticket answered (its primary key is
the ticket: one answer per ticket, held by the database even under concurrent submits);
``SurveyResponse`` holds *what* was answered, with a random id, the office, service and office-local day
only — no ticket, no timestamp, no counter, no address — so nobody can pair an answer with a visit.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.complaints import CATEGORY_CODES, Kind, State
from feedback.questionnaire import PROFILE, UNSUR_CODES
from queue_service.models import Counter, Office, Service, User
from queue_service.models.base import Base, UTCDateTime


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _profile_checks() -> tuple[CheckConstraint, ...]:
    return tuple(CheckConstraint(f"{f.key} IS NULL OR {_in(f.key, f.values())}", name=f.key) for f in PROFILE)


SURVEY_CHANNELS = ("status", "tablet")


class SurveyClaim(Base):
    """One row per ticket that answered the survey; nothing else, on purpose."""

    __tablename__ = "survey_claim"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)


class SurveyResponse(Base):
    __tablename__ = "survey_response"
    __table_args__ = (
        *(CheckConstraint(f"{c.lower()} BETWEEN 1 AND 4", name=c.lower()) for c in UNSUR_CODES),
        CheckConstraint(_in("channel", SURVEY_CHANNELS), name="channel"),
        *_profile_checks(),
        Index("ix_survey_response_office_day", "office_id", "service_day"),
    )

    #: random 128-bit hex: keeps the order of answers from pairing them with the claims (tickets)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"), nullable=True)
    #: office-local day of the visit
    service_day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(10), default="status")
    u1: Mapped[int] = mapped_column(SmallInteger)
    u2: Mapped[int] = mapped_column(SmallInteger)
    u3: Mapped[int] = mapped_column(SmallInteger)
    u4: Mapped[int] = mapped_column(SmallInteger)
    u5: Mapped[int] = mapped_column(SmallInteger)
    u6: Mapped[int] = mapped_column(SmallInteger)
    u7: Mapped[int] = mapped_column(SmallInteger)
    u8: Mapped[int] = mapped_column(SmallInteger)
    u9: Mapped[int] = mapped_column(SmallInteger)
    gender: Mapped[str | None] = mapped_column(String(1), nullable=True)
    age: Mapped[str | None] = mapped_column(String(6), nullable=True)
    education: Mapped[str | None] = mapped_column(String(4), nullable=True)
    occupation: Mapped[str | None] = mapped_column(String(10), nullable=True)

    office: Mapped[Office] = relationship()
    service: Mapped[Service | None] = relationship()

    def scores(self) -> dict[str, int]:
        return {c: getattr(self, c.lower()) for c in UNSUR_CODES}


class Complaint(Base):
    __tablename__ = "complaint"
    __table_args__ = (
        CheckConstraint(_in("kind", [k.value for k in Kind]), name="kind"),
        CheckConstraint(_in("category", CATEGORY_CODES), name="category"),
        CheckConstraint(_in("state", [s.value for s in State]), name="state"),
        CheckConstraint("contact_kind IS NULL OR contact_kind IN ('phone', 'email')", name="contact_kind"),
        Index("ix_complaint_office_received", "office_id", "received_day"),
        Index("ix_complaint_office_state", "office_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    #: the visit it is about (the status page shows the answer there)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), nullable=True,
                                                  index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"), nullable=True)
    visit_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    kind: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    #: how many NIK-like numbers were masked in the text before storing
    nik_masked: Mapped[int] = mapped_column(Integer, default=0)
    contact_kind: Mapped[str | None] = mapped_column(String(5), nullable=True)
    contact_value: Mapped[str | None] = mapped_column(String(254), nullable=True)
    contact_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: SHA-256 of the complaint's own opaque link token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(12), default=State.NEW.value)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_day: Mapped[date] = mapped_column(Date)
    #: the promise made at receipt (office target then): later target changes do not move it
    due_day: Mapped[date] = mapped_column(Date)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)
    first_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_answer_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: the answer the citizen sees (the latest one)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    office: Mapped[Office] = relationship()
    service: Mapped[Service | None] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    events: Mapped[list[ComplaintEvent]] = relationship(back_populates="complaint",
                                                        order_by="ComplaintEvent.id",
                                                        cascade="all, delete-orphan")


class ComplaintEvent(Base):
    """Append-only trail of what staff did with a complaint."""

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    actor: Mapped[str] = mapped_column(String(80), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    complaint: Mapped[Complaint] = relationship(back_populates="events")


class FeedbackSend(Base):
    """A recent send by a (hashed) sender address or ticket, for the rate limits; pruned after the window."""

    __tablename__ = "feedback_send"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SurveyTablet(Base):
    """A tablet beside one counter, facing the citizen: it shows the survey for the ticket just finished
    there. Paired once with a link holding its token (stored as SHA-256), like a kiosk."""

    __tablename__ = "survey_tablet"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: the ticket whose survey the citizen declined on this tablet ("Lewati"): not offered again here
    skipped_ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    office: Mapped[Office] = relationship()
    counter: Mapped[Counter] = relationship()
