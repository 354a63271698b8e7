"""Book, cancel and move: race-free places, abuse limits, the phone kept only with consent.

**The last place.** A booking transaction first bumps its service's ``booking_service`` row (a row lock
on PostgreSQL until commit; SQLite runs every write transaction as ``BEGIN IMMEDIATE``), so bookings of
one service are serialised - the blank cap spans days, a booking on Thursday changes what Friday may
take, so two bookings of different days must not decide on the same figures either. Then it takes the
place with one conditional upsert per counter row (the slot's and the day's)::

    INSERT INTO booking_counter ... VALUES (..., 1)
    ON CONFLICT (service_id, day, slot_key) DO UPDATE SET booked = booked + 1 WHERE booked < :limit
    RETURNING booked

No row back = no place: the caller rolls back (nothing was stored) and the citizen sees "penuh".
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from bookings import codes
from bookings.availability import FULL
from bookings.limits import PhoneError, address_bucket, check, limit_key, normalize_phone
from bookings.models import DAY_ROW, Booking, BookingCounter, BookingEvent, BookingLimit, BookingService
from bookings.services import notify
from bookings.services.availability import Env, availability, service_settings
from bookings.slots import slot_by_key
from queue_service.domain.clock import office_day
from queue_service.domain.errors import Conflict, DomainError, NotFound, ServiceUnavailable, ValidationFailed
from queue_service.domain.events import Event
from queue_service.models import Office, Service


class NoPlace(DomainError):
    """The slot or the day has no place left (``reason`` says why: full, no_blanks, holiday ...)."""

    code = "no_place"
    status = 409


class LimitReached(DomainError):
    code = "limit_reached"
    status = 429


def _dialect(session: Session) -> str:
    return "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"


# statements built once (building one costs more than SQLite takes to run it)
_COUNTER = BookingCounter.__table__
_LIMIT = BookingLimit.__table__


def _take_statement(insert_for):
    t = _COUNTER
    return (insert_for(t).values(service_id=bindparam("sid"), day=bindparam("day"), slot_key=bindparam("key"),
                                 booked=1)
            .on_conflict_do_update(index_elements=[t.c.service_id, t.c.day, t.c.slot_key],
                                   set_={"booked": t.c.booked + 1}, where=t.c.booked < bindparam("limit"))
            .returning(t.c.booked))


def _bump_statement(insert_for):
    t = _LIMIT
    return (insert_for(t).values(key=bindparam("key"), day=bindparam("day"), count=1)
            .on_conflict_do_update(index_elements=[t.c.key, t.c.day], set_={"count": t.c.count + 1}))


_TAKE = {"postgresql": _take_statement(pg_insert), "sqlite": _take_statement(sqlite_insert)}
_BUMP_LIMIT = {"postgresql": _bump_statement(pg_insert), "sqlite": _bump_statement(sqlite_insert)}
_GIVE_BACK = (update(_COUNTER).where(_COUNTER.c.service_id == bindparam("b_sid"),
                                     _COUNTER.c.day == bindparam("b_day"), _COUNTER.c.slot_key == bindparam("b_key"),
                                     _COUNTER.c.booked > 0)
              .values(booked=_COUNTER.c.booked - 1))
_LOCK = (update(BookingService.__table__).where(BookingService.__table__.c.service_id == bindparam("sid"))
         .values(version=BookingService.__table__.c.version + 1))
_LIMIT_COUNT = select(_LIMIT.c.count).where(_LIMIT.c.key == bindparam("key"), _LIMIT.c.day == bindparam("day"))
_PHONE_ACTIVE = select(func.count(Booking.__table__.c.id)).where(Booking.__table__.c.phone_key == bindparam("key"),
                                                                 Booking.__table__.c.status == "booked")
_CODE_TAKEN = select(Booking.__table__.c.id).where(Booking.__table__.c.code == bindparam("code"))
_EVENT = insert(BookingEvent.__table__)
_BOOKING_INSERT = insert(Booking.__table__).returning(Booking.__table__.c.id)


def _take(session: Session, service_id: int, day: date, key: str, limit: int) -> int | None:
    """One place of the (service, day, key) counter if fewer than ``limit`` are taken: the count
    after, or None."""
    if limit < 1:
        return None
    return session.execute(_TAKE[_dialect(session)], {"sid": service_id, "day": day, "key": key,
                                                      "limit": limit}).scalar_one_or_none()


def _give_back(session: Session, service_id: int, day: date, key: str) -> None:
    session.execute(_GIVE_BACK, {"b_sid": service_id, "b_day": day, "b_key": key})


def lock_service(session: Session, service_id: int) -> None:
    """Serialise the bookings of one service (see the module docstring)."""
    session.execute(_LOCK, {"sid": service_id})


def _bump_limit(session: Session, key: str, day: date) -> None:
    session.execute(_BUMP_LIMIT[_dialect(session)], {"key": key, "day": day})


def limit_count(session: Session, key: str, day: date) -> int:
    return session.scalar(_LIMIT_COUNT, {"key": key, "day": day}) or 0


def check_limits(session: Session, env: Env, *, day: date, address: str | None, phone: str | None) -> list[str]:
    """Refuse (``LimitReached``) when this address or phone has booked enough today; returns the keys
    to bump when the booking is made. ``address`` None = a staff/API booking (no address limit)."""
    keys = []
    address_today = 0
    if address is not None:
        akey = limit_key(env.secret, "address", address_bucket(address), day)
        address_today = limit_count(session, akey, day)
        keys.append(akey)
    phone_today = phone_active = None
    if phone:
        pkey = limit_key(env.secret, "phone", phone, day)
        phone_today = limit_count(session, pkey, day)
        phone_active = session.scalar(_PHONE_ACTIVE, {"key": limit_key(env.secret, "phone", phone)}) or 0
        keys.append(pkey)
    refusal = check(env.limits if address is not None else _no_address_limit(env), address_today=address_today,
                    phone_today=phone_today, phone_active=phone_active)
    if refusal is not None:
        raise LimitReached(f"Limit reached ({refusal.reason}, {refusal.limit} a day).",
                           reason=refusal.reason, limit=refusal.limit)
    return keys


def _no_address_limit(env: Env):
    from dataclasses import replace
    return replace(env.limits, per_address_per_day=100_000)


def _event(booking: Booking, name: str = "booking_changed") -> Event:
    return Event(name=name, office=booking.office.code, audience=("managers",),
                 payload={"service": booking.service.code, "day": booking.day.isoformat(), "slot": booking.slot_key,
                          "status": booking.status, "code": codes.display(booking.code)})


def _log(session: Session, booking: Booking, action: str, actor: str, now: datetime, detail: str = "") -> None:
    session.execute(_EVENT, {"booking_id": booking.id, "action": action, "actor": actor[:80], "detail": detail[:200],
                             "at": now})


def _new_code(session: Session) -> str:
    for _ in range(20):
        code = codes.new_code()
        if session.scalar(_CODE_TAKEN, {"code": code}) is None:
            return code
    raise Conflict("Could not find a free booking code; try again.")


def _place(session: Session, *, office: Office, service: Service, settings: BookingService, day: date,
           slot_key: str, now: datetime, env: Env):
    """Take a place in ``slot_key`` of ``day``: (slot, place index). Raises NoPlace with the reason."""
    found = availability(session, office=office, service=service, settings=settings, days=[day], now=now, env=env)[day]
    slot = next((s for s in found.slots if s.slot.key == slot_key), None)
    if slot is None:
        if found.reason is not None and not found.slots:
            raise NoPlace(f"{day.isoformat()} cannot be booked ({found.reason}).", reason=found.reason,
                          name=found.reason_name, day=day.isoformat())
        raise ValidationFailed(f"There is no {slot_key} slot on {day.isoformat()}.", field="slot")
    if slot.left < 1:
        raise NoPlace(f"The {slot_key} slot on {day.isoformat()} has no place left ({slot.reason or FULL}).",
                      reason=slot.reason or FULL, day=day.isoformat(), slot=slot_key)
    day_limit = found.booked + found.left
    in_slot = _take(session, service.id, day, slot_key, slot.slot.bookable)
    in_day = _take(session, service.id, day, DAY_ROW, day_limit) if in_slot is not None else None
    if in_slot is None or in_day is None:
        raise NoPlace(f"The {slot_key} slot on {day.isoformat()} has just been taken.", reason=FULL,
                      day=day.isoformat(), slot=slot_key)
    return slot.slot, in_slot - 1


def book(session: Session, *, office: Office, service: Service, day: date, slot_key: str, now: datetime, env: Env,
         phone: str | None = None, consent: bool = False, address: str | None = None, via: str = "web",
         locale: str = "id") -> tuple[Booking, list[Event]]:
    """Book one place. ``address`` is the client's address for the abuse limits (None for staff and
    API bookings); ``phone`` needs ``consent``. The caller commits (or rolls back on an error)."""
    if service.office_id != office.id:
        raise NotFound("This service does not belong to this office.")
    settings = service_settings(session, service)
    if settings is None:
        raise ServiceUnavailable(f"Service {service.code} does not take bookings.", service=service.code)
    try:
        phone = normalize_phone(phone)
    except PhoneError as exc:
        raise ValidationFailed(str(exc), field="phone") from exc
    if phone and not consent:
        raise ValidationFailed("A phone number is kept only with consent: tick the box or leave it empty.",
                               field="consent")
    lock_service(session, service.id)
    today = office_day(now, office.timezone)
    keys = check_limits(session, env, day=today, address=address, phone=phone)
    slot, place = _place(session, office=office, service=service, settings=settings, day=day, slot_key=slot_key,
                         now=now, env=env)
    values = {"office_id": office.id, "service_id": service.id, "day": day, "slot_key": slot.key,
              "slot_start": slot.start_utc, "slot_end": slot.end_utc, "place": place, "code": _new_code(session),
              "token": codes.new_token(), "status": "booked", "phone": phone,
              "phone_key": limit_key(env.secret, "phone", phone) if phone else None,
              "consent_at": now if phone else None, "locale": locale if locale in ("id", "en") else "id",
              "created_via": via[:80], "created_at": now, "checked_in_at": None, "ticket_id": None, "ended_at": None,
              "reminder_sent_at": None, "near_sent_at": None, "called_sent_at": None}
    # a plain INSERT, the row then handed to the session as stored (the unit of work would cost more than
    # the rest of the booking for this one row)
    values["id"] = session.execute(_BOOKING_INSERT, values).scalar_one()
    booking = Booking(**values)
    make_transient_to_detached(booking)
    session.add(booking)
    for key_, value in (("office", office), ("service", service), ("ticket", None)):
        set_committed_value(booking, key_, value)
    for key in keys:
        _bump_limit(session, key, today)
    _log(session, booking, "book", via, now, f"{day.isoformat()} {slot.key}")
    notify.queue_for_booking(session, booking, "confirmed", now, env.public_base)
    return booking, [_event(booking)]


def by_token(session: Session, token: str) -> Booking:
    booking = session.scalar(select(Booking).where(Booking.token == token)) if codes.TOKEN_RE.match(token or "") \
        else None
    if booking is None:
        raise NotFound("This booking does not exist.")
    return booking


def by_code(session: Session, office: Office, code: str) -> Booking:
    code = codes.normalize(code)
    booking = session.scalar(select(Booking).where(Booking.code == code, Booking.office_id == office.id)) \
        if codes.is_valid(code) else None
    if booking is None:
        raise NotFound("No booking with this code at this office.")
    return booking


def end(booking: Booking, status: str, now: datetime) -> None:
    """The booking ends (cancelled, no-show): its phone number goes once its last messages are sent
    (``release.forget_phones``)."""
    booking.status = status
    booking.ended_at = now


def cancel(session: Session, *, booking: Booking, now: datetime, env: Env, actor: str = "citizen") \
        -> tuple[Booking, list[Event]]:
    if booking.status != "booked":
        raise Conflict("Only a booking that has not been used can be cancelled.", status=booking.status)
    lock_service(session, booking.service_id)
    _give_back(session, booking.service_id, booking.day, booking.slot_key)
    _give_back(session, booking.service_id, booking.day, DAY_ROW)
    end(booking, "cancelled", now)
    _log(session, booking, "cancel", actor, now)
    notify.queue_for_booking(session, booking, "cancelled", now, env.public_base)
    return booking, [_event(booking)]


def move(session: Session, *, booking: Booking, day: date, slot_key: str, now: datetime, env: Env,
         actor: str = "citizen") -> tuple[Booking, list[Event]]:
    """Move to another slot (same service); the code and the page stay. The old place is given back
    first, in the same transaction: when the new one is refused, the rollback restores it."""
    if booking.status != "booked":
        raise Conflict("Only a booking that has not been used can be moved.", status=booking.status)
    if booking.day == day and booking.slot_key == slot_key:
        raise ValidationFailed("The booking is already in that slot.", field="slot")
    service, office = booking.service, booking.office
    settings = service_settings(session, service)
    if settings is None:
        raise ServiceUnavailable(f"Service {service.code} does not take bookings now.", service=service.code)
    lock_service(session, service.id)
    _give_back(session, service.id, booking.day, booking.slot_key)
    _give_back(session, service.id, booking.day, DAY_ROW)
    slot, place = _place(session, office=office, service=service, settings=settings, day=day, slot_key=slot_key,
                         now=now, env=env)
    before = f"{booking.day.isoformat()} {booking.slot_key}"
    booking.day, booking.slot_key, booking.place = day, slot.key, place
    booking.slot_start, booking.slot_end = slot.start_utc, slot.end_utc
    booking.reminder_sent_at = None
    _log(session, booking, "move", actor, now, f"{before} -> {day.isoformat()} {slot.key}")
    notify.queue_for_booking(session, booking, "moved", now, env.public_base)
    return booking, [_event(booking)]


def slot_of(session: Session, booking: Booking):
    """The booking's slot as generated now (None when settings changed and it no longer exists)."""
    settings = session.get(BookingService, booking.service_id)
    if settings is None:
        return None
    from bookings.slots import generate_slots
    office = booking.office
    slots = generate_slots(booking.day, tz_name=office.timezone, opens_at=office.opens_at,
                           closes_at=office.closes_at, settings=settings.slot_settings())
    return slot_by_key(slots, booking.slot_key)
