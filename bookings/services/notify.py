"""Messages to citizens through the office's webhook: queued in the booking's transaction, sent by a
background job with retries (``deliver_due``), never while a request waits.

A message is queued only when the office has a webhook and the citizen gave a phone number (with
consent). Its text is rendered when queued (the office's text or the default); the phone number is
read when it is sent, so deleting the number (the booking ended) stops what is still pending.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bookings import messages as msg
from bookings.checkin import window
from bookings.codes import display
from bookings.models import Booking, BookingMessage, BookingOffice, BookingText, RemoteTicket
from queue_service.models import Office, Service, Ticket

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
BATCH = 20


def booking_url(public_base: str, booking: Booking) -> str:
    return f"{public_base.rstrip('/')}/b/{booking.token}"


def office_text(session: Session, office_id: int, kind: str) -> str | None:
    return session.scalar(select(BookingText.text).where(BookingText.office_id == office_id,
                                                         BookingText.kind == kind))


def _webhook(session: Session, office_id: int) -> BookingOffice | None:
    row = session.get(BookingOffice, office_id)
    return row if row is not None and row.webhook_url and row.webhook_secret else None


def booking_values(booking: Booking, office: Office, service: Service, settings: BookingOffice,
                   public_base: str) -> dict:
    w = window(booking.slot_start, booking.slot_end, settings.rules())
    locale = booking.locale or "id"
    return msg.booking_values(code=display(booking.code), service=service.name(locale), office=office.name,
                              slot_start=booking.slot_start, slot_end=booking.slot_end, checkin_opens=w.opens,
                              checkin_closes=w.closes, url=booking_url(public_base, booking),
                              tz_name=office.timezone, locale=locale)


def queue_for_booking(session: Session, booking: Booking, kind: str, now: datetime, public_base: str) -> bool:
    """Queue ``kind`` for ``booking`` if it has a phone and its office a webhook. True when queued."""
    if not booking.phone:
        return False
    settings = _webhook(session, booking.office_id)
    if settings is None:
        return False
    office, service = booking.office, booking.service
    text = msg.render(kind, booking_values(booking, office, service, settings, public_base),
                      office_text(session, office.id, kind))
    data = {"booking": display(booking.code), "service": service.code, "date": booking.day.isoformat(),
            "slot": booking.slot_key, "status": booking.status, "url": booking_url(public_base, booking)}
    _add(session, office.id, kind, text, data, now, booking_id=booking.id,
         expires=msg.expires_at(kind, queued_at=now, slot_start=booking.slot_start))
    return True


def queue_for_ticket(session: Session, ticket: Ticket, kind: str, now: datetime, *, url: str,
                     position: int | None = None, minutes: int | None = None,
                     booking: Booking | None = None) -> bool:
    """Queue a ticket message (near, called, leave) for a booked or remote ticket with a phone."""
    settings = _webhook(session, ticket.office_id)
    remote = session.get(RemoteTicket, ticket.id) if booking is None else None
    phone = booking.phone if booking is not None else (remote.phone if remote is not None else None)
    if settings is None or not phone:
        return False
    locale = booking.locale if booking is not None else "id"
    counter = ticket.counter
    values = {"nomor": ticket.code, "layanan": ticket.service.name(locale), "kantor": ticket.office.name,
              "orang": position, "menit": minutes, "loket": counter.number if counter else None, "tautan": url}
    text = msg.render(kind, values, office_text(session, ticket.office_id, kind))
    data = {"ticket": ticket.code, "service": ticket.service.code, "status": ticket.status, "url": url,
            "counter": counter.number if counter else None, "people_ahead": position}
    _add(session, ticket.office_id, kind, text, data, now, booking_id=booking.id if booking else None,
         ticket_id=ticket.id, expires=msg.expires_at(kind, queued_at=now))
    return True


def _add(session, office_id, kind, text, data, now, *, expires, booking_id=None, ticket_id=None):
    session.add(BookingMessage(office_id=office_id, booking_id=booking_id, ticket_id=ticket_id, kind=kind, text=text,
                               data=json.dumps(data, ensure_ascii=False), created_at=now, attempts=0,
                               next_attempt_at=now, expires_at=expires))


def _recipient(session: Session, note: BookingMessage) -> str | None:
    if note.booking_id is not None:
        b = session.get(Booking, note.booking_id)
        return b.phone if b is not None else None
    if note.ticket_id is not None:
        r = session.get(RemoteTicket, note.ticket_id)
        return r.phone if r is not None else None
    return None


def post(url: str, body: bytes, headers: dict, timeout: float = TIMEOUT_SECONDS) -> None:
    """POST the signed body; raises on a network error or a non-2xx answer."""
    if not url.startswith(("http://", "https://")):
        raise ValueError("webhook URL must start with http:// or https://")
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the office's configured URL
        if not 200 <= resp.status < 300:
            raise urllib.error.HTTPError(url, resp.status, "webhook refused", resp.headers, None)


def deliver_due(session: Session, now: datetime, *, limit: int = BATCH, sender=post) -> dict:
    """Try every message that is due once, committing after each (the job's own session): no
    transaction, and no SQLite write lock, is held during the HTTP call."""
    ids = list(session.scalars(select(BookingMessage.id).where(
        BookingMessage.delivered_at.is_(None), BookingMessage.failed_at.is_(None),
        BookingMessage.next_attempt_at <= now).order_by(BookingMessage.id).limit(limit)))
    sent = failed = dropped = 0
    for mid in ids:
        note = session.get(BookingMessage, mid)
        settings = _webhook(session, note.office_id)
        to = _recipient(session, note)
        if settings is None or not to or now > note.expires_at:
            note.failed_at = now
            note.last_error = ("expired" if to and settings else "no recipient or webhook any more")
            session.commit()
            dropped += 1
            continue
        office = session.get(Office, note.office_id)
        body = msg.body_bytes(msg.payload(kind=note.kind, delivery_id=str(note.id), office=office.code, to=to,
                                          text=note.text, data=json.loads(note.data or "{}")))
        headers = msg.headers(secret=settings.webhook_secret, kind=note.kind, delivery_id=str(note.id),
                              body=body, now=now)
        url = settings.webhook_url
        session.commit()
        error = ""
        try:
            sender(url, body, headers)
        except Exception as exc:  # network errors, HTTP errors, bad URLs: all retried
            error = f"{type(exc).__name__}: {exc}"[:300]
        note = session.get(BookingMessage, mid)
        note.attempts += 1
        if not error:
            note.delivered_at = now
            sent += 1
        else:
            note.last_error = error
            nxt = msg.next_attempt(attempts=note.attempts, now=now, expires=note.expires_at)
            if nxt is None:
                note.failed_at = now
                log.warning("booking message %s to office %s webhook gave up after %d attempts: %s",
                            note.id, office.code, note.attempts, error)
            else:
                note.next_attempt_at = nxt
            failed += 1
        session.commit()
    return {"sent": sent, "failed": failed, "dropped": dropped}
