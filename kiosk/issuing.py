"""Kiosk rules around issuing a ticket: double-press protection, per-device throttle, opening
hours, and what each service button shows. No Flask here: session + ``now`` in, results out.

Double press: the same kiosk pressing the same service with the same priority group within
``window_seconds`` gets the ticket it already has. It holds under concurrency because the kiosk's
device row is locked first (``UPDATE device ...`` takes a row lock on PostgreSQL until the
transaction ends; SQLite runs every transaction as ``BEGIN IMMEDIATE``), so a second request of
the same kiosk waits and then sees the first one's committed ticket.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kiosk.hours import Opening, office_opening
from queue_service.services.calendar import today_status
from queue_service.domain import status as st
from queue_service.domain.clock import office_day
from queue_service.domain.errors import DomainError, ServiceUnavailable
from queue_service.hooks import QuotaCap, QuotaHold
from queue_service.models import Device, Office, Service, Ticket
from queue_service.services import tickets as svc

log = logging.getLogger(__name__)


class Throttled(DomainError):
    """Too many tickets from one kiosk in a minute (a prankster draining the numbers)."""

    code = "too_many_requests"
    status = 429


@dataclass
class KioskIssue:
    ticket: Ticket
    events: list
    duplicate: bool


def lock_device(session: Session, device: Device, now: datetime) -> None:
    session.execute(update(Device).where(Device.id == device.id).values(last_seen_at=now)
                    .execution_options(synchronize_session=False))


def recent_duplicate(session: Session, *, device: Device, service: Service, priority: str | None,
                     now: datetime, window_seconds: float) -> Ticket | None:
    if window_seconds <= 0:
        return None
    since = now - timedelta(seconds=window_seconds)
    same_priority = Ticket.priority_group.is_(None) if priority is None else Ticket.priority_group == priority
    return session.scalar(select(Ticket).where(
        Ticket.device_id == device.id, Ticket.origin_service_id == service.id, same_priority,
        Ticket.issued_at >= since, Ticket.issued_at <= now).order_by(Ticket.id.desc()).limit(1))


def tickets_last_minute(session: Session, device: Device, now: datetime) -> int:
    return session.scalar(select(func.count(Ticket.id)).where(
        Ticket.device_id == device.id, Ticket.issued_at > now - timedelta(seconds=60),
        Ticket.issued_at <= now)) or 0


def issue_for_kiosk(session: Session, *, device: Device, office: Office, service: Service,
                    priority: str | None, now: datetime, window_seconds: float, per_minute: int,
                    quota_caps: Sequence[QuotaCap] = (), quota_holds: Sequence[QuotaHold] = ()) -> KioskIssue:
    """Issue (or return the just-issued) ticket for a kiosk press. The caller commits."""
    lock_device(session, device, now)
    existing = recent_duplicate(session, device=device, service=service, priority=priority, now=now,
                                window_seconds=window_seconds)
    if existing is not None:
        return KioskIssue(existing, [], True)
    if per_minute > 0 and tickets_last_minute(session, device, now) >= per_minute:
        raise Throttled(f"This kiosk has issued {per_minute} tickets in the last minute; "
                        "please wait a moment or ask a staff member.", limit=per_minute)
    opening = office_opening(office, now, today_status(session, office, now))
    if not opening.is_open:
        why = f" ({opening.name})" if opening.name else ""
        raise ServiceUnavailable(f"The office is closed now{why}; tickets are issued during opening hours.",
                                 reason="office_closed", service=service.code, closed=opening.reason)
    ticket, events = svc.issue_ticket(session, office=office, service=service, now=now, priority=priority,
                                      device_id=device.id, actor=f"device:{device.name}", quota_caps=quota_caps,
                                      quota_holds=quota_holds)
    return KioskIssue(ticket, events, False)


# --------------------------------------------------------------------------- what the buttons show

def _waiting_counts(session: Session, office: Office, day) -> dict[int, int]:
    return dict(session.execute(
        select(Ticket.service_id, func.count(Ticket.id)).where(
            Ticket.office_id == office.id, Ticket.service_day == day,
            Ticket.status == st.Status.WAITING).group_by(Ticket.service_id)).all())


def service_states(session: Session, office: Office, now: datetime, caps: Sequence[QuotaCap] = (), *,
                   holds: Sequence[QuotaHold] = (), locale: str = "id") -> tuple[Opening, list[dict]]:
    """Each service's button: waiting count, what is left of today's quota, and its state:
    ``open`` | ``closed`` (service inactive) | ``quota`` (quota reached) | ``office_closed``;
    ``fallback`` is the service offered instead (e.g. Suket when the blanks ran out), if it can
    take tickets."""
    day = office_day(now, office.timezone)
    opening = office_opening(office, now, today_status(session, office, now, locale))
    waiting = _waiting_counts(session, office, day)
    services = sorted(office.services, key=lambda s: (s.sort_order, s.id))
    raw = {}
    for s in services:
        quota = svc.effective_quota(session, s, day, caps, holds=holds, now=now)
        issued = svc.issued_today(session, s, day)
        left = None if quota is None else max(0, quota - issued)
        if not opening.is_open:
            state = "office_closed"
        elif not s.active:
            state = "closed"
        elif left is not None and left <= 0:
            state = "quota"
        else:
            state = "open"
        raw[s.id] = {"code": s.code, "prefix": s.prefix, "name": {"id": s.name_id, "en": s.name_en},
                     "waiting": waiting.get(s.id, 0), "quota": quota, "left": left, "state": state,
                     "fallback_id": s.fallback_service_id}
    out = []
    for s in services:
        item = dict(raw[s.id])
        fb = raw.get(item.pop("fallback_id"))
        item["fallback"] = ({"code": fb["code"], "name": fb["name"]}
                            if fb is not None and fb["state"] == "open" and item["state"] in ("quota", "closed")
                            else None)
        out.append(item)
    return opening, out
