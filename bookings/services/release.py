"""Background work on bookings that needs no citizen: release no-shows, forget phone numbers, and
queue reminders and "your turn" messages. Each function takes the job's session and ``now`` and
commits nothing (the job commits)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bookings.advice import LATER, leave_advice, near_due
from bookings.checkin import is_no_show
from bookings.models import Booking, BookingEvent, BookingMessage, RemoteTicket
from bookings.services import notify
from bookings.services.availability import office_settings
from bookings.services.booking import end
from queue_service.domain import status as st
from queue_service.domain.clock import zone
from queue_service.domain.urls import status_url
from queue_service.models import Office, Ticket
from queue_service.services.tickets import position_of

#: ticket statuses after which its citizen needs no more messages
FINAL = (st.Status.DONE, st.Status.NO_SHOW, st.Status.CANCELLED, st.Status.EXPIRED)


def release_no_shows(session: Session, now: datetime, public_base: str = "") -> int:
    """Bookings whose check-in window has closed without a check-in become no-shows (their place was
    today's: nothing to give back). Returns how many."""
    released = 0
    offices: dict[int, tuple[Office, object]] = {}
    candidates = session.scalars(select(Booking).where(Booking.status == "booked",
                                                       Booking.slot_start <= now).order_by(Booking.id)).all()
    for b in candidates:
        if b.office_id not in offices:
            offices[b.office_id] = (b.office, office_settings(session, b.office).rules())
        _, rules = offices[b.office_id]
        if is_no_show(now=now, slot_start=b.slot_start, slot_end=b.slot_end, rules=rules):
            end(b, "no_show", now)
            session.add(BookingEvent(booking_id=b.id, action="no_show", actor="system", at=now))
            notify.queue_for_booking(session, b, "released", now, public_base)
            released += 1
    return released


def forget_phones(session: Session, now: datetime) -> int:
    """Delete the phone numbers of bookings and remote tickets that have ended, once no message to
    them is still pending. Returns how many numbers were deleted."""
    pending_booking = exists().where(BookingMessage.booking_id == Booking.id, BookingMessage.delivered_at.is_(None),
                                     BookingMessage.failed_at.is_(None), BookingMessage.expires_at > now)
    done_ticket = exists().where(Ticket.id == Booking.ticket_id, Ticket.status.in_([s.value for s in FINAL]))
    rows = session.scalars(select(Booking).where(
        Booking.phone.is_not(None), ~pending_booking,
        (Booking.status.in_(["cancelled", "no_show"])) | done_ticket)).all()
    for b in rows:
        b.phone = None
        if b.ended_at is None:
            b.ended_at = now
    pending_ticket = exists().where(BookingMessage.ticket_id == RemoteTicket.ticket_id,
                                    BookingMessage.delivered_at.is_(None), BookingMessage.failed_at.is_(None),
                                    BookingMessage.expires_at > now)
    remote_done = exists().where(Ticket.id == RemoteTicket.ticket_id, Ticket.status.in_([s.value for s in FINAL]))
    remotes = session.scalars(select(RemoteTicket).where(RemoteTicket.phone.is_not(None), ~pending_ticket,
                                                         remote_done)).all()
    for r in remotes:
        r.phone = None
        r.ended_at = r.ended_at or now
    return len(rows) + len(remotes)


def queue_reminders(session: Session, now: datetime, public_base: str = "") -> int:
    """The reminder of every booking whose reminder moment (``reminder_days_before`` days before, at
    ``reminder_time`` office time) has come and whose slot has not."""
    sent = 0
    rows = session.scalars(select(Booking).where(Booking.status == "booked", Booking.phone.is_not(None),
                                                 Booking.reminder_sent_at.is_(None), Booking.slot_start > now)).all()
    for b in rows:
        settings = office_settings(session, b.office)
        day = b.day - timedelta(days=settings.reminder_days_before)
        moment = datetime.combine(day, settings.reminder_time, tzinfo=zone(b.office.timezone))
        if now >= moment:
            notify.queue_for_booking(session, b, "reminder", now, public_base)
            b.reminder_sent_at = now
            sent += 1
    return sent


def queue_turn_messages(session: Session, now: datetime, public_base: str = "", estimates=None) -> int:
    """"About N people ahead", "called" and (remote tickets) "time to leave" messages, once each.
    ``estimates(session, office, now) -> {ticket_id: estimate}`` gives wait estimates for the leave advice."""
    queued = 0
    for b, t in session.execute(select(Booking, Ticket).join(Ticket, Ticket.id == Booking.ticket_id).where(
            Booking.phone.is_not(None), Ticket.status.in_([st.Status.WAITING, st.Status.CALLED,
                                                          st.Status.SERVING]))).all():
        queued += _turn(session, t, now, public_base, b, b)
    remote_rows = session.execute(select(RemoteTicket, Ticket).join(Ticket, Ticket.id == RemoteTicket.ticket_id)
                                  .where(RemoteTicket.phone.is_not(None),
                                         Ticket.status.in_([st.Status.WAITING, st.Status.CALLED,
                                                            st.Status.SERVING]))).all()
    by_office: dict[int, dict] = {}
    for r, t in remote_rows:
        queued += _turn(session, t, now, public_base, r, None)
        if t.status == st.Status.WAITING and r.leave_sent_at is None and estimates is not None:
            if t.office_id not in by_office:
                by_office[t.office_id] = estimates(session, t.office, now) or {}
            est = by_office[t.office_id].get(t.id)
            advice = leave_advice(now=now, estimate=est, travel_minutes=r.travel_minutes)
            if advice.when not in (LATER, "unknown"):
                url = status_url(public_base, t.token)
                if notify.queue_for_ticket(session, t, "leave", now, url=url, position=position_of(session, t),
                                           minutes=(est or {}).get("minutes")):
                    queued += 1
                r.leave_sent_at = now
    return queued


def _turn(session, ticket, now, public_base, row, booking) -> int:
    url = status_url(public_base, ticket.token)
    if ticket.status in (st.Status.CALLED, st.Status.SERVING):
        if row.called_sent_at is None:
            row.called_sent_at = now
            return int(notify.queue_for_ticket(session, ticket, "called", now, url=url, booking=booking))
        return 0
    if row.near_sent_at is not None:
        return 0
    position = position_of(session, ticket)
    threshold = office_settings(session, ticket.office).near_threshold
    if near_due(position=position, threshold=threshold, already_sent=False):
        row.near_sent_at = now
        return int(notify.queue_for_ticket(session, ticket, "near", now, url=url, position=position,
                                           booking=booking))
    return 0

