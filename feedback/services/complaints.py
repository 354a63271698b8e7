"""Complaints and suggestions: a citizen sends one about a visit; the office's staff assign, answer, close.

The citizen never signs in: the ticket's status page (``/t/<token>``) and the complaint's own opaque link
are the only ways back to it. Nothing here stores a NIK (masked before storing), a name or an address.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import complaints as rules
from feedback import privacy
from feedback.limits import Limit
from feedback.models import Complaint, ComplaintEvent
from feedback.services.limits import take
from feedback.services.settings import FeedbackSettings
from queue_service.domain.clock import office_day
from queue_service.domain.errors import InvalidTransition, NotFound, ValidationFailed
from queue_service.domain.events import Event
from queue_service.models import Office, Ticket, User
from queue_service.services.security import new_token, token_hash

TEXT_MAX = 2000
ANSWER_MAX = 4000
#: a citizen may write about a visit for this long after its day
SEND_WINDOW = timedelta(days=7)
ADDRESS_LIMIT = Limit(5, timedelta(hours=1))
TICKET_LIMIT = Limit(3, timedelta(days=1))

KIND = "kind"
CATEGORY = "category"
TEXT = "text"
CONTACT = "contact"
UNKNOWN_CHOICE = "unknown_choice"


class ComplaintInvalid(ValidationFailed):
    """``errors`` maps field -> code (``required``, ``too_long``, ``control_chars``, ``bad_contact``,
    ``unknown_choice``); the web layer words them."""

    def __init__(self, errors: dict[str, str], limit: int | None = None):
        super().__init__("; ".join(f"{k}: {v}" for k, v in sorted(errors.items())), errors=errors)
        self.errors, self.limit = errors, limit


@dataclass(frozen=True)
class ComplaintInput:
    kind: str
    category: str
    text: str
    nik_masked: int
    contact: privacy.Contact | None


def parse(raw: Mapping[str, object]) -> ComplaintInput:
    """Check a sent form/JSON body; every problem at once (:class:`ComplaintInvalid`)."""
    errors: dict[str, str] = {}
    limit = None
    kind = raw.get(KIND)
    if kind not in [k.value for k in rules.Kind]:
        errors[KIND] = UNKNOWN_CHOICE if kind else privacy.REQUIRED
    category = raw.get(CATEGORY)
    if category not in rules.CATEGORY_CODES:
        errors[CATEGORY] = UNKNOWN_CHOICE if category else privacy.REQUIRED
    text, masked = "", 0
    try:
        text, masked = privacy.mask_nik(privacy.clean_text(raw.get(TEXT), max_len=TEXT_MAX))
    except privacy.TextInvalid as e:
        errors[TEXT], limit = e.code, e.limit
    contact = None
    try:
        contact = privacy.parse_contact(raw.get(CONTACT))
    except privacy.TextInvalid as e:
        errors[CONTACT] = e.code
    if errors:
        raise ComplaintInvalid(errors, limit)
    return ComplaintInput(str(kind), str(category), text, masked, contact)


@dataclass(frozen=True)
class Sent:
    complaint: Complaint
    token: str           # the complaint's own link token: shown once, stored hashed
    reference: str


def reference_of(c: Complaint) -> str:
    return rules.reference(c.office.code, c.received_day, c.id)


def _staff_event(name: str, c: Complaint, **extra) -> Event:
    payload = {"id": c.id, "reference": reference_of(c), "state": c.state, "kind": c.kind,
               "category": c.category, **extra}
    return Event(name=name, office=c.office.code, payload=payload, audience=("managers",))


def send(session: Session, *, ticket: Ticket, data: ComplaintInput, now: datetime, settings: FeedbackSettings,
         limit_keys: Sequence[tuple[str, Limit]] = ()) -> tuple[Sent, list[Event]]:
    """Store a citizen's complaint or suggestion about ``ticket``'s visit. ``limit_keys`` are the hashed
    (address, ticket) keys with their limits; :class:`~feedback.services.limits.RateLimited` when over."""
    office: Office = ticket.office
    today = office_day(now, office.timezone)
    if today - ticket.service_day > SEND_WINDOW:
        raise InvalidTransition("This visit is too long ago to send a message about it here.",
                                reason="too_old")
    take(session, limit_keys, now)
    token = new_token("adu")
    c = Complaint(office_id=office.id, ticket_id=ticket.id, service_id=ticket.service_id,
                  visit_day=ticket.service_day, kind=data.kind, category=data.category, text=data.text,
                  nik_masked=data.nik_masked,
                  contact_kind=data.contact.kind if data.contact else None,
                  contact_value=data.contact.value if data.contact else None,
                  token_hash=token_hash(token), state=rules.State.NEW.value, received_at=now, received_day=today,
                  due_day=rules.due_date(today, settings.target_days))
    c.office = office
    session.add(c)
    session.flush()
    return Sent(c, token, reference_of(c)), [_staff_event("complaint_received", c)]


def by_token(session: Session, token: str | None) -> Complaint | None:
    if not token or not 16 <= len(token) <= 128:
        return None
    return session.scalar(select(Complaint).where(Complaint.token_hash == token_hash(token)))


def for_ticket(session: Session, ticket_id: int) -> list[Complaint]:
    return list(session.scalars(select(Complaint).where(Complaint.ticket_id == ticket_id)
                                .order_by(Complaint.id)))


def get(session: Session, office_id: int, complaint_id: int) -> Complaint:
    c = session.get(Complaint, complaint_id)
    if c is None or c.office_id != office_id:
        raise NotFound("No such complaint in this office.")
    return c


def _move(c: Complaint, action: str) -> None:
    try:
        c.state = rules.next_state(action, c.state).value
    except rules.InvalidComplaintTransition:
        raise InvalidTransition(f"Cannot {action} a complaint that is {c.state}.", action=action,
                                state=c.state) from None


def _log(session: Session, c: Complaint, action: str, actor: User, now: datetime, detail: str = "") -> None:
    session.add(ComplaintEvent(complaint_id=c.id, action=action, actor_id=actor.id,
                               actor=(actor.full_name or actor.username)[:80], detail=detail, at=now))


def staff_of(user: User, office_id: int) -> bool:
    return user.active and (user.role == "admin" or any(o.id == office_id for o in user.offices))


def assign(session: Session, c: Complaint, *, assignee: User, actor: User, now: datetime) -> list[Event]:
    if not staff_of(assignee, c.office_id):
        raise ValidationFailed("That person does not work at this office.", field="assignee")
    _move(c, "assign")
    c.assigned_to_id = assignee.id
    c.assigned_to = assignee
    _log(session, c, "assign", actor, now, assignee.full_name or assignee.username)
    return [_staff_event("complaint_updated", c)]


def answer(session: Session, c: Complaint, *, text: object, actor: User, now: datetime) -> list[Event]:
    """Give (or correct) the answer the citizen sees; the first answer stops the response clock."""
    try:
        body = privacy.mask_nik(privacy.clean_text(text, max_len=ANSWER_MAX))[0]
    except privacy.TextInvalid as e:
        raise ComplaintInvalid({"answer": e.code}, e.limit) from None
    _move(c, "answer")
    c.answer, c.answered_at, c.answered_by_id = body, now, actor.id
    if c.first_answered_at is None:
        c.first_answered_at = now
        c.first_answer_day = office_day(now, c.office.timezone)
    _log(session, c, "answer", actor, now, body)
    events = [_staff_event("complaint_updated", c)]
    if c.ticket_id is not None:
        ticket = session.get(Ticket, c.ticket_id)
        if ticket is not None:
            events.append(Event(name="complaint_answered", office=c.office.code, audience=(),
                                ticket_token=ticket.token,
                                payload={"reference": reference_of(c), "answer": body,
                                         "answered_at": now.isoformat()}))
    return events


def close(session: Session, c: Complaint, *, actor: User, now: datetime) -> list[Event]:
    _move(c, "close")
    c.closed_at = now
    _log(session, c, "close", actor, now)
    return [_staff_event("complaint_updated", c)]


def erase_contacts(session: Session, now: datetime, keep_days_of) -> int:
    """Erase the contact of complaints closed longer than their office's keep period ago.
    ``keep_days_of(office_id) -> int``. Returns how many were erased."""
    n = 0
    for c in session.scalars(select(Complaint).where(Complaint.closed_at.is_not(None),
                                                     Complaint.contact_value.is_not(None))):
        erase_at = rules.contact_erase_at(c.closed_at, keep_days_of(c.office_id))
        if erase_at is not None and erase_at <= now:
            c.contact_kind = c.contact_value = None
            c.contact_erased_at = now
            n += 1
    return n


def sla(c: Complaint, now: datetime) -> rules.Sla:
    """Response-time status against the due day promised at receipt."""
    target = (c.due_day - c.received_day).days
    return rules.sla(c.received_day, c.first_answer_day, office_day(now, c.office.timezone), target)
