"""Survey answers: when a ticket may answer, storing one answer per ticket, and the counter tablet."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.models import SurveyClaim, SurveyResponse, SurveyTablet
from feedback.survey import Submission, survey_open
from queue_service.domain.errors import Conflict, NotFound
from queue_service.models import Counter, Ticket
from queue_service.services.security import new_token, token_hash

#: how long after finishing a ticket may still answer (status page)
DEFAULT_WINDOW = timedelta(days=7)
#: how long the counter tablet keeps offering the survey of the ticket just finished
TABLET_OFFER = timedelta(minutes=10)

OPEN, ANSWERED, NOT_YET, NOT_SERVED, EXPIRED = "open", "answered", "not_yet", "not_served", "expired"


class AlreadyAnswered(Conflict):
    code = "already_answered"


class SurveyNotOpen(Conflict):
    code = "survey_not_open"


def answered(session: Session, ticket_id: int) -> bool:
    return bool(session.scalar(select(exists().where(SurveyClaim.ticket_id == ticket_id))))


def state(session: Session, ticket: Ticket, now: datetime, window: timedelta = DEFAULT_WINDOW) -> str:
    """``open`` (may answer now), ``answered``, ``not_yet`` (still in the queue), ``not_served``
    (no-show, cancelled, expired ticket) or ``expired`` (finished longer than ``window`` ago)."""
    if ticket.status in ("waiting", "called", "serving"):
        return NOT_YET
    if ticket.status != "done":
        return NOT_SERVED
    if answered(session, ticket.id):
        return ANSWERED
    return OPEN if survey_open(ticket.status, ticket.finished_at, now, window) else EXPIRED


def submit(session: Session, ticket: Ticket, submission: Submission, now: datetime, *,
           channel: str = "status", window: timedelta = DEFAULT_WINDOW) -> str:
    """Store one questionnaire for ``ticket``; returns the response's random id.

    :class:`AlreadyAnswered` when the ticket has answered — also when another request answered a moment
    ago (the claim's primary key refuses the second insert; the savepoint keeps the caller's transaction
    usable). :class:`SurveyNotOpen` for a ticket not finished, not served or past the window."""
    s = state(session, ticket, now, window)
    if s == ANSWERED:
        raise AlreadyAnswered("This ticket has already answered the survey.")
    if s != OPEN:
        raise SurveyNotOpen("The survey is not open for this ticket.", state=s)
    try:
        with session.begin_nested():
            session.execute(insert(SurveyClaim).values(ticket_id=ticket.id))
    except IntegrityError:
        raise AlreadyAnswered("This ticket has already answered the survey.") from None
    response_id = secrets.token_hex(16)
    session.execute(insert(SurveyResponse).values(
        id=response_id, office_id=ticket.office_id, service_id=ticket.service_id,
        service_day=ticket.service_day, channel=channel,
        **{code.lower(): score for code, score in submission.scores.items()},
        **submission.profile))
    return response_id


# -- the counter tablet --------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewTablet:
    tablet: SurveyTablet
    token: str   # shown once (in the pairing link); only its hash is stored


def create_tablet(session: Session, counter: Counter, name: str, now: datetime) -> NewTablet:
    token = new_token("svt")
    tablet = SurveyTablet(office_id=counter.office_id, counter_id=counter.id, name=name.strip()[:60] or
                          f"Tablet loket {counter.number}", token_hash=token_hash(token), created_at=now)
    session.add(tablet)
    session.flush()
    return NewTablet(tablet, token)


def revoke_tablet(session: Session, tablet: SurveyTablet, now: datetime) -> None:
    if tablet.revoked_at is None:
        tablet.revoked_at = now


def tablet_by_token(session: Session, token: str | None) -> SurveyTablet | None:
    if not token or not 16 <= len(token) <= 128:
        return None
    tablet = session.scalar(select(SurveyTablet).where(SurveyTablet.token_hash == token_hash(token)))
    if tablet is None or tablet.revoked_at is not None:
        return None
    return tablet


def tablet_ticket(session: Session, tablet: SurveyTablet, now: datetime,
                  offer: timedelta = TABLET_OFFER) -> Ticket | None:
    """The ticket whose survey the tablet shows now: the last one finished at its counter within ``offer``,
    not answered and not skipped on this tablet; ``None`` = show the waiting screen."""
    ticket = session.scalar(
        select(Ticket).where(Ticket.counter_id == tablet.counter_id, Ticket.status == "done",
                             Ticket.finished_at >= now - offer, Ticket.finished_at <= now)
        .order_by(Ticket.finished_at.desc(), Ticket.id.desc()).limit(1))
    if ticket is None or ticket.id == tablet.skipped_ticket_id or answered(session, ticket.id):
        return None
    return ticket


def skip_on_tablet(session: Session, tablet: SurveyTablet, ticket_id: int) -> None:
    tablet.skipped_ticket_id = ticket_id


def ticket_for_tablet(session: Session, tablet: SurveyTablet, ticket_id: int, now: datetime,
                      offer: timedelta = TABLET_OFFER) -> Ticket:
    """The ticket a tablet submits for: one finished at the tablet's own counter within ``offer``, not yet
    answered. Not only the latest one: a citizen still answering when the clerk finishes the next ticket
    keeps their form. Anything else is :class:`NotFound` (a tablet cannot answer for other counters)."""
    ticket = session.get(Ticket, ticket_id) if isinstance(ticket_id, int) else None
    if (ticket is None or ticket.counter_id != tablet.counter_id or ticket.status != "done"
            or ticket.finished_at is None or not now - offer <= ticket.finished_at <= now):
        raise NotFound("This survey is no longer offered on this tablet.")
    return ticket
