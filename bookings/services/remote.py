"""Same-day remote queueing: a ticket taken from a phone joins the queue like any other; the office caps
how many a service takes a day, and the status page says when to leave home."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bookings.availability import remote_refusal
from bookings.limits import PhoneError, normalize_phone
from bookings.models import REMOTE_ROW, BookingService, RemoteTicket
from bookings.services.availability import Env, remote_count
from bookings.services.booking import NoPlace, _bump_limit, _take, check_limits, lock_service
from queue_service.domain.calendar import DayStatus
from queue_service.domain.clock import local_time, office_day
from queue_service.domain.errors import NotFound, ServiceUnavailable, ValidationFailed
from queue_service.models import Office, Service, Ticket
from queue_service.hooks import QuotaCap, QuotaHold
from queue_service.services import tickets as svc
from queue_service.services.calendar import office_calendar

MAX_TRAVEL_MINUTES = 240


def office_open_now(office: Office, now: datetime, today: DayStatus) -> bool:
    local = local_time(now, office.timezone).time().replace(tzinfo=None)
    return today.open and office.opens_at <= local < office.closes_at


def closes_at(office: Office, now: datetime) -> datetime:
    local = local_time(now, office.timezone)
    return local.replace(hour=office.closes_at.hour, minute=office.closes_at.minute, second=0, microsecond=0)


def refusal(session: Session, office: Office, service: Service, now: datetime) -> str | None:
    """Why a remote ticket cannot be taken now (None: it can)."""
    settings = session.get(BookingService, service.id)
    today = office_calendar(session, office).status(office_day(now, office.timezone))
    return remote_refusal(enabled=bool(settings and settings.remote_enabled and service.active),
                          office_open_now=office_open_now(office, now, today),
                          cap=settings.remote_daily_cap if settings else None,
                          taken=remote_count(session, service.id, office_day(now, office.timezone)),
                          now=now, closes_at=closes_at(office, now))


def take(session: Session, *, office: Office, service: Service, now: datetime, env: Env,
         quota_caps: Sequence[QuotaCap] = (), quota_holds: Sequence[QuotaHold] = (),
         travel_minutes: int | None = None, phone: str | None = None, consent: bool = False,
         address: str | None = None) -> tuple[Ticket, list]:
    """Issue a same-day ticket from a phone (the caller commits, or rolls back on an error)."""
    if service.office_id != office.id:
        raise NotFound("This service does not belong to this office.")
    try:
        phone = normalize_phone(phone)
    except PhoneError as exc:
        raise ValidationFailed(str(exc), field="phone") from exc
    if phone and not consent:
        raise ValidationFailed("A phone number is kept only with consent: tick the box or leave it empty.",
                               field="consent")
    travel = env.default_travel_minutes if travel_minutes is None else int(travel_minutes)
    if not 0 <= travel <= MAX_TRAVEL_MINUTES:
        raise ValidationFailed(f"Travel time must be 0-{MAX_TRAVEL_MINUTES} minutes.", field="travel_minutes")
    lock_service(session, service.id)
    why = refusal(session, office, service, now)
    if why is not None:
        raise ServiceUnavailable(f"Remote tickets for {service.code} are not available now ({why}).",
                                 reason=why, service=service.code)
    day = office_day(now, office.timezone)
    keys = check_limits(session, env, day=day, address=address, phone=phone)
    settings = session.get(BookingService, service.id)
    if _take(session, service.id, day, REMOTE_ROW, settings.remote_daily_cap or 10**9) is None:
        raise NoPlace("Today's remote tickets are all taken.", reason="remote_cap")
    ticket, events = svc.issue_ticket(session, office=office, service=service, now=now, actor="remote",
                                      quota_caps=quota_caps, quota_holds=quota_holds)
    session.add(RemoteTicket(ticket_id=ticket.id, office_id=office.id, service_id=service.id, day=day,
                             travel_minutes=travel, phone=phone, consent_at=now if phone else None, created_at=now))
    for key in keys:
        _bump_limit(session, key, day)
    return ticket, events
