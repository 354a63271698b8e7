"""Queue use cases: issue, call next, recall, start, finish, no-show, transfer, cancel, close day.

Every function takes the session and ``now`` (aware UTC) and returns ``(result, events)``.
Nothing here commits: the caller commits, then emits the events.

Reason: one subject, the ticket's life (the state machine's use cases and the statements built once for
them); counter presence is in ``presence.py``, breaks in ``breaks.py``, what screens show in ``board.py``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from queue_service.db import dialect_name
from queue_service.domain import status as st
from queue_service.domain.clock import office_day
from queue_service.domain.codes import ticket_code
from queue_service.domain.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PreviousNotStarted,
    QuotaReached,
    ServiceUnavailable,
    ValidationFailed,
)
from queue_service.domain.events import Event
from queue_service.domain.priority import parse_policy, valid_priority
from queue_service.hooks import FinishHook, QuotaCap, QuotaHold
from queue_service.models import Counter, Office, Service, Ticket, TicketEvent, TicketSequence
from queue_service.services.security import ticket_token


@dataclass(frozen=True)
class QueuePolicy:
    """Office-wide knobs (``NO_SHOW_REQUEUES``, ``TRANSFER_POSITION``). What features add to the queue (quota
    caps, finish hooks) comes from ``queue_service.hooks`` and is passed to the use cases beside it."""

    no_show_requeues: int = 1
    transfer_position: str = "issue_time"  # or "end"

    @classmethod
    def from_config(cls, config: Mapping) -> "QueuePolicy":
        return cls(no_show_requeues=int(config["NO_SHOW_REQUEUES"]), transfer_position=config["TRANSFER_POSITION"])


DEFAULT_POLICY = QueuePolicy()


# --------------------------------------------------------------------------- helpers

_EVENT_INSERT = insert(TicketEvent.__table__)
_TICKET_INSERT = insert(Ticket.__table__).returning(Ticket.__table__.c.id)


def _log(session: Session, ticket: Ticket, action: str, actor: str, now: datetime,
         counter_id: int | None = None, detail: str = "") -> None:
    """One row of the ticket's history (a plain INSERT: the ticket row already exists)."""
    session.execute(_EVENT_INSERT, {"ticket_id": ticket.id, "action": action, "actor": actor[:80],
                                    "counter_id": counter_id, "detail": detail[:200], "at": now})


def ticket_payload(ticket: Ticket, *, position: int | None = None) -> dict:
    """What a screen needs to show a ticket; never personal data (there is none to show)."""
    counter = ticket.counter
    return {
        "id": ticket.id,
        "code": ticket.code,
        "service": ticket.service.code,
        "service_name": {"id": ticket.service.name_id, "en": ticket.service.name_en},
        "status": ticket.status,
        "priority": ticket.priority_group,
        "counter": ({"id": counter.id, "number": counter.number, "name": counter.name}
                    if counter is not None and ticket.status in ("called", "serving") else None),
        "issued_at": ticket.issued_at.isoformat(),
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
        "position": position,
        # the citizen's page tells what happened: sent back after a no-show, moved to another service
        "requeues": ticket.requeues,
        "transferred": ticket.origin_service_id is not None and ticket.origin_service_id != ticket.service_id,
    }


#: a display shows calls and the board (``queue_changed``): the other ticket events are for staff screens
#: and the ticket's own room only, so that a room of 500 displays gets what it shows and nothing else
CALL_AUDIENCE = ("displays", "counters", "managers")
STAFF_AUDIENCE = ("counters", "managers")


def _event(name: str, ticket: Ticket, **extra) -> Event:
    payload = ticket_payload(ticket)
    payload.update(extra)
    audience = CALL_AUDIENCE if name in ("ticket_called", "ticket_recalled") else STAFF_AUDIENCE
    return Event(name=name, office=ticket.office.code, payload=payload, ticket_token=ticket.token,
                 audience=audience)


def queue_changed(office: Office) -> Event:
    return Event(name="queue_changed", office=office.code, payload={"office": office.code})


def effective_quota(session: Session, service: Service, day: date, caps: Iterable[QuotaCap] = (), *,
                    holds: Iterable[QuotaHold] = (), now: datetime | None = None) -> int | None:
    """The lowest of the service's own daily quota and every cap (e.g. blanks in stock), less the places
    ``holds`` keep back for citizens who come another way (bookings not checked in yet)."""
    limits = [service.daily_quota] if service.daily_quota is not None else []
    for cap in caps:
        value = cap(session, service, day)
        if value is not None:
            limits.append(max(0, int(value)))
    if not limits:
        return None
    held = sum(max(0, int(hold(session, service, day, now))) for hold in holds) if now is not None else 0
    return max(0, min(limits) - held)


def issued_today(session: Session, service: Service, day: date) -> int:
    """Tickets issued today for ``service`` (what its quota counts)."""
    return session.scalar(
        select(TicketSequence.issued).where(
            TicketSequence.office_id == service.office_id,
            TicketSequence.series == service.prefix,
            TicketSequence.service_day == day)) or 0


def _position_statement(kind: str):
    """People ahead, counted by one prepared statement per policy case (built once: building a statement
    costs more than SQLite takes to run it)."""
    t = Ticket.__table__.c
    earlier = (t.queued_at < bindparam("queued_at")) | (
        (t.queued_at == bindparam("queued_at")) & (t.id < bindparam("id")))
    cond = {"fifo": earlier,
            "strict_priority": t.priority_group.is_not(None) & earlier,
            "strict_regular": t.priority_group.is_not(None) | earlier}[kind]
    return select(func.count(t.id)).where(
        t.office_id == bindparam("office_id"), t.service_id == bindparam("service_id"),
        t.service_day == bindparam("day"), t.status == st.Status.WAITING, t.id != bindparam("id"), cond)


_POSITION = {kind: _position_statement(kind) for kind in ("fifo", "strict_priority", "strict_regular")}


def position_of(session: Session, ticket: Ticket) -> int | None:
    """People ahead of a waiting ticket in its service's order (None once it is no longer waiting)."""
    if ticket.status != st.Status.WAITING:
        return None
    session.flush()  # the count reads the database: pending changes first
    policy = parse_policy(ticket.service.priority_policy)
    if policy.kind == "strict":
        kind = "strict_priority" if ticket.priority_group else "strict_regular"
    else:
        kind = "fifo"
    return session.scalar(_POSITION[kind], {
        "office_id": ticket.office_id, "service_id": ticket.service_id, "day": ticket.service_day,
        "queued_at": ticket.queued_at, "id": ticket.id}) or 0


# --------------------------------------------------------------------------- issue

def _bump_statement(insert_for):
    seq = TicketSequence.__table__
    return (insert_for(seq)
            .values(office_id=bindparam("office_id"), series=bindparam("series"), service_day=bindparam("day"),
                    last_number=bindparam("step"), issued=1, regular_streak=0)
            .on_conflict_do_update(index_elements=[seq.c.office_id, seq.c.series, seq.c.service_day],
                                   set_={"last_number": seq.c.last_number + bindparam("step"),
                                         "issued": seq.c.issued + 1})
            .returning(seq.c.issued, seq.c.last_number))


_BUMP = {"postgresql": _bump_statement(pg_insert), "sqlite": _bump_statement(sqlite_insert)}


def _bump(session: Session, office_id: int, series: str, day: date, *, numbered: bool) -> tuple[int, int]:
    """One atomic upsert on the (office, series, day) row: returns (issued, last_number)."""
    issued, last = session.execute(_BUMP[dialect_name(session)], {"office_id": office_id, "series": series, "day": day,
                                          "step": 1 if numbered else 0}).one()
    return issued, last


def issue_ticket(session: Session, *, office: Office, service: Service, now: datetime,
                 priority: str | None = None, device_id: int | None = None, actor: str = "kiosk",
                 quota_caps: Sequence[QuotaCap] = (), quota_holds: Sequence[QuotaHold] = (),
                 held: bool = False) -> tuple[Ticket, list[Event]]:
    """Number and store a new ticket. The number comes from one upsert on the day's sequence row
    in the same transaction, so numbers are unique and gapless under any concurrency. The quota is the
    service's own and ``quota_caps``'; ``quota_holds`` keep places back unless the ticket is ``held`` (it
    comes for one of those places)."""
    if service.office_id != office.id:
        raise NotFound("This service does not belong to this office.")
    if not service.active:
        raise ServiceUnavailable(f"Service {service.code} is not taking tickets now.", service=service.code)
    if not valid_priority(priority):
        raise ValidationFailed(f"Unknown priority group {priority!r}.", field="priority")
    day = office_day(now, office.timezone)

    # the service's own row counts every ticket of the service (the quota) and numbers the
    # regular ones; priority tickets may be numbered in the office's priority series instead
    priority_series = office.priority_prefix if priority and office.priority_prefix else None
    own_numbers = priority_series is None
    issued, number = _bump(session, office.id, service.prefix, day, numbered=own_numbers)
    quota = effective_quota(session, service, day, quota_caps, holds=() if held else quota_holds, now=now)
    if quota is not None and issued > quota:
        # the caller rolls back, so the bumped counters are not used: numbering stays gapless
        raise QuotaReached(f"Today's quota for {service.code} ({quota}) has been reached.",
                           service=service.code, quota=quota)
    if priority_series is not None:
        _, number = _bump(session, office.id, priority_series, day, numbered=True)
    series = priority_series or service.prefix

    values = {"office_id": office.id, "service_id": service.id, "origin_service_id": service.id, "series": series,
              "service_day": day, "number": number, "code": ticket_code(series, number), "status": st.Status.WAITING,
              "priority_group": priority, "token": ticket_token(), "issued_at": now, "queued_at": now,
              "called_at": None, "started_at": None, "finished_at": None, "counter_id": None, "requeues": 0,
              "device_id": device_id}
    # a plain INSERT, then the row handed to the session as already stored (every column known): the
    # unit of work would spend more than the rest of the issue on bookkeeping for this one new row
    values["id"] = session.execute(_TICKET_INSERT, values).scalar_one()
    ticket = Ticket(**values)
    make_transient_to_detached(ticket)
    session.add(ticket)
    for key, value in (("office", office), ("service", service), ("origin_service", service), ("counter", None)):
        set_committed_value(ticket, key, value)
    _log(session, ticket, "issue", actor, now, detail=priority or "")
    position = position_of(session, ticket)
    event = _event("ticket_issued", ticket, position=position)
    return ticket, [event, queue_changed(office)]


# --------------------------------------------------------------------------- call next

_CURRENT = (select(Ticket).where(Ticket.counter_id == bindparam("counter_id"),
                                 Ticket.status.in_([st.Status.CALLED, st.Status.SERVING]))
            .order_by(Ticket.called_at.desc()).limit(1))


def current_ticket(session: Session, counter: Counter) -> Ticket | None:
    return session.scalar(_CURRENT, {"counter_id": counter.id})


_STREAKS = select(TicketSequence.series, TicketSequence.regular_streak).where(
    TicketSequence.office_id == bindparam("office_id"), TicketSequence.service_day == bindparam("day"),
    TicketSequence.series.in_(bindparam("series", expanding=True)))


def _call_statement(dialect: str, ranked: bool):
    """``UPDATE ticket SET called ... WHERE id = (the first waiting ticket of these services) AND still
    waiting RETURNING ticket``; ``ranked``: priority tickets of the ``prefer`` services first."""
    t = Ticket.__table__.c
    pick = select(t.id).where(t.office_id == bindparam("p_office_id"), t.service_day == bindparam("p_day"),
                              t.status == st.Status.WAITING, t.id != bindparam("p_exclude"),
                              t.service_id.in_(bindparam("p_service_ids", expanding=True)))
    order = [t.queued_at, t.id]
    if ranked:
        preferred = t.priority_group.is_not(None) & t.service_id.in_(bindparam("p_prefer", expanding=True))
        order.insert(0, case((preferred, 0), else_=1))
    pick = pick.order_by(*order).limit(1)
    if dialect == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    return (update(Ticket)
            .where(Ticket.id == pick.scalar_subquery(), Ticket.status == st.Status.WAITING)
            .values(status=st.Status.CALLED, counter_id=bindparam("p_counter_id"), called_at=bindparam("p_now"))
            .returning(Ticket)
            .execution_options(synchronize_session=False))


_CALL = {(d, r): _call_statement(d, r) for d in ("postgresql", "sqlite") for r in (False, True)}
# a call is a sign of life, and ends the counter's break if it was on one
_COUNTER_TOUCH = (update(Counter.__table__).where(Counter.__table__.c.id == bindparam("p_id"))
                  .values(open_since=bindparam("p_open_since"), last_seen_at=bindparam("p_now"), break_until=None))
_seq = TicketSequence.__table__.c
_STREAK_WHERE = ((_seq.office_id == bindparam("p_office_id")) & (_seq.series == bindparam("p_series"))
                 & (_seq.service_day == bindparam("p_day")))
_STREAK_RESET = update(TicketSequence.__table__).where(_STREAK_WHERE).values(regular_streak=0)
_STREAK_STEP = update(TicketSequence.__table__).where(_STREAK_WHERE).values(regular_streak=_seq.regular_streak + 1)


#: what "call next" may do with the counter's current ticket (``previous``)
PREVIOUS_ACTIONS = ("no_show", "finish")


def call_next(session: Session, *, counter: Counter, now: datetime, actor: str = "",
              policy: QueuePolicy = DEFAULT_POLICY, finish_hooks: Sequence[FinishHook] = (),
              previous: str | None = None, previous_id: int | None = None) -> tuple[Ticket | None, list[Event]]:
    """Call the next waiting ticket for ``counter``, race-free.

    One ``UPDATE ... WHERE id = (SELECT ... LIMIT 1 [FOR UPDATE SKIP LOCKED]) AND status = 'waiting'
    RETURNING ticket.*``: two counters pressing at the same instant always get different tickets.

    The counter's current ticket, if any, is dealt with first:

    * **serving** (the clerk started it): finished, as "Selesai" would (finish hooks run with the default
      figures, e.g. one card for a printing service) — a citizen was served, and "next" is how a busy clerk
      closes a service; ``previous="finish"`` says so explicitly.
    * **called, never started**: the citizen was not served, so it is never finished (and never takes
      stock). Without ``previous`` the call is refused with :class:`PreviousNotStarted` (409);
      ``previous="no_show"`` marks it absent with the requeue rule (:func:`no_show`), and the ticket
      requeued that way is not the one called next.

    ``previous_id`` (optional) is the ticket the clerk saw: when the counter's current ticket is another one
    (another tab called meanwhile), nothing happens and :class:`Conflict` (409) says so.
    """
    office = counter.office
    if not counter.active:
        raise InvalidTransition(f"Counter {counter.number} is closed.")
    if previous is not None and previous not in PREVIOUS_ACTIONS:
        raise ValidationFailed(f"Field 'previous' must be null or one of: {', '.join(PREVIOUS_ACTIONS)}.",
                               field="previous")
    # serialise calls of the same counter (two browser tabs): lock its row
    session.execute(_COUNTER_TOUCH, {"p_id": counter.id, "p_open_since": counter.open_since or now, "p_now": now})
    events: list[Event] = []
    previous_ticket = current_ticket(session, counter)
    exclude = 0
    if previous_id is not None and (previous_ticket is None or previous_ticket.id != previous_id):
        now_code = previous_ticket.code if previous_ticket is not None else "none"
        raise Conflict(f"The counter's current ticket has changed (now {now_code}); nothing was done. "
                       "Look at the console again and repeat.", current=now_code)
    if previous_ticket is not None:
        if previous_ticket.status == st.Status.CALLED and previous != "no_show":
            raise PreviousNotStarted(
                f"Ticket {previous_ticket.code} was called but not started, so it was not served: "
                'send {"previous": "no_show"} to mark it absent (it returns to the queue as the no-show rule '
                "says) and call the next, or start it first.",
                ticket=previous_ticket.code, ticket_id=previous_ticket.id, status=str(previous_ticket.status))
        if previous == "no_show":
            # a serving ticket is refused here (no-show only from "called"): the clerk meant another state
            _, more = no_show(session, ticket=previous_ticket, now=now, actor=actor, policy=policy)
            exclude = previous_ticket.id
        else:
            _, more = finish(session, ticket=previous_ticket, now=now, actor=actor,
                             detail="auto: next ticket called", finish_hooks=finish_hooks)
        events.extend(more)

    services = counter.services
    if not services:
        return None, events
    day = office_day(now, office.timezone)
    streaks = dict(session.execute(_STREAKS, {"office_id": office.id, "day": day,
                                              "series": [s.prefix for s in services]}).all())
    prefer = [s.id for s in services
              if parse_policy(s.priority_policy).prefers_priority(streaks.get(s.prefix, 0))]
    # the ticket comes back from the UPDATE itself (RETURNING its columns), refreshed in the session
    ticket = session.scalar(_CALL[dialect_name(session), bool(prefer)], {
        "p_office_id": office.id, "p_day": day, "p_service_ids": [s.id for s in services], "p_prefer": prefer,
        "p_counter_id": counter.id, "p_now": now, "p_exclude": exclude},
        execution_options={"populate_existing": True})
    if ticket is None:
        if previous_ticket is not None:
            events.append(queue_changed(office))
        return None, events
    session.execute(_STREAK_RESET if ticket.priority_group else _STREAK_STEP,
                    {"p_office_id": office.id, "p_series": ticket.service.prefix, "p_day": day})
    _log(session, ticket, "call", actor, now, counter_id=counter.id)
    events.append(_event("ticket_called", ticket))
    events.append(queue_changed(office))
    return ticket, events


# --------------------------------------------------------------------------- one ticket

def get_ticket_for_update(session: Session, ticket_id: int) -> Ticket:
    ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id} does not exist.")
    return ticket


def recall(session: Session, *, ticket: Ticket, now: datetime, actor: str = "") -> tuple[Ticket, list[Event]]:
    st.check("recall", ticket.status)
    _log(session, ticket, "recall", actor, now, counter_id=ticket.counter_id)
    return ticket, [_event("ticket_recalled", ticket)]


def start(session: Session, *, ticket: Ticket, now: datetime, actor: str = "") -> tuple[Ticket, list[Event]]:
    st.check("start", ticket.status)
    ticket.status = st.Status.SERVING
    ticket.started_at = now
    _log(session, ticket, "start", actor, now, counter_id=ticket.counter_id)
    return ticket, [_event("ticket_updated", ticket)]


def finish(session: Session, *, ticket: Ticket, now: datetime, actor: str = "", detail: str = "",
           data: dict | None = None, finish_hooks: Sequence[FinishHook] = ()) -> tuple[Ticket, list[Event]]:
    """Finish a ticket. ``data`` carries what the clerk entered (e.g. cards printed) for the
    finish hooks, which run in the same transaction (stock consumption)."""
    st.check("finish", ticket.status)
    ticket.status = st.Status.DONE
    ticket.finished_at = now
    if ticket.started_at is None:
        ticket.started_at = ticket.called_at or now
    events = [_event("ticket_finished", ticket)]
    _log(session, ticket, "finish", actor, now, counter_id=ticket.counter_id, detail=detail)
    for hook in finish_hooks:
        events.extend(hook(session, ticket, now, dict(data or {})) or [])
    events.append(queue_changed(ticket.office))
    return ticket, events


def no_show(session: Session, *, ticket: Ticket, now: datetime, actor: str = "",
            policy: QueuePolicy = DEFAULT_POLICY) -> tuple[Ticket, list[Event]]:
    """Not there when called: back in the queue ``no_show_requeues`` times, then no-show."""
    st.check("no_show", ticket.status)
    counter_id = ticket.counter_id
    if ticket.requeues < policy.no_show_requeues:
        ticket.requeues += 1
        ticket.status = st.Status.WAITING
        ticket.queued_at = now
        ticket.counter_id = None
        ticket.called_at = None
        detail = f"requeued ({ticket.requeues}/{policy.no_show_requeues})"
    else:
        ticket.status = st.Status.NO_SHOW
        ticket.finished_at = now
        detail = "no-show"
    _log(session, ticket, "no_show", actor, now, counter_id=counter_id, detail=detail)
    return ticket, [_event("ticket_updated", ticket, position=position_of(session, ticket)),
                    queue_changed(ticket.office)]


def transfer(session: Session, *, ticket: Ticket, target: Service, now: datetime, actor: str = "",
             policy: QueuePolicy = DEFAULT_POLICY) -> tuple[Ticket, list[Event]]:
    """Move a ticket to another service of the same office; it keeps its code."""
    st.check("transfer", ticket.status)
    if target.office_id != ticket.office_id:
        raise NotFound("That service does not belong to this ticket's office.")
    if target.id == ticket.service_id:
        raise InvalidTransition("The ticket is already in that service.")
    if not target.active:  # as issuing there is refused: nobody would ever call it
        raise ServiceUnavailable(f"Service {target.code} is not taking tickets now; choose another service.",
                                 service=target.code)
    counter_id = ticket.counter_id
    source = ticket.service.code
    ticket.service_id = target.id
    ticket.service = target
    ticket.status = st.Status.WAITING
    ticket.counter_id = None
    ticket.called_at = None
    ticket.started_at = None
    ticket.queued_at = now if policy.transfer_position == "end" else ticket.issued_at
    _log(session, ticket, "transfer", actor, now, counter_id=counter_id, detail=f"{source} -> {target.code}")
    return ticket, [_event("ticket_updated", ticket, position=position_of(session, ticket)),
                    queue_changed(ticket.office)]


def cancel(session: Session, *, ticket: Ticket, now: datetime, actor: str = "") -> tuple[Ticket, list[Event]]:
    st.check("cancel", ticket.status)
    ticket.status = st.Status.CANCELLED
    ticket.finished_at = now
    _log(session, ticket, "cancel", actor, now, counter_id=ticket.counter_id)
    return ticket, [_event("ticket_updated", ticket), queue_changed(ticket.office)]


# --------------------------------------------------------------------------- day rollover

def close_day(session: Session, *, office: Office, now: datetime, include_today: bool = False,
              actor: str = "system") -> tuple[int, list[Event]]:
    """Mark open tickets of earlier office-local days as expired, and with ``include_today`` today's
    tickets still waiting. Tickets are never deleted. Returns how many were closed.

    Today's called and serving tickets stay with their clerk: a citizen at the counter when the office
    closes the queue is still served, the clerk's finish still works (and takes the printed card off the
    stock). They expire at the next day's rollover if nobody finished them."""
    today = office_day(now, office.timezone)
    earlier = (Ticket.service_day < today) & Ticket.status.in_([s.value for s in st.OPEN])
    cond = earlier
    if include_today:
        cond = earlier | ((Ticket.service_day == today) & (Ticket.status == st.Status.WAITING.value))
    ids = session.scalars(select(Ticket.id).where(Ticket.office_id == office.id, cond)).all()
    if ids:
        session.execute(update(Ticket).where(Ticket.id.in_(ids))
                        .values(status=st.Status.EXPIRED, finished_at=now)
                        .execution_options(synchronize_session=False))
        session.add_all([TicketEvent(ticket_id=i, action="expire", actor=actor, at=now) for i in ids])
    office.last_closed_day = today  # the rollover for today has run
    return len(ids), ([queue_changed(office)] if ids else [])


# --------------------------------------------------------------------------- queries

def usual_transfers(session: Session, office: Office, now: datetime, days: int = 60) -> dict[str, str]:
    """Source service code -> the service its tickets were most often transferred to at this office in the
    last ``days`` (e.g. REKAM -> CETAK): the counter console starts its transfer list there."""
    from datetime import timedelta
    rows = session.execute(select(TicketEvent.detail, func.count(TicketEvent.id)).join(
        Ticket, Ticket.id == TicketEvent.ticket_id).where(
        Ticket.office_id == office.id, TicketEvent.action == "transfer",
        TicketEvent.at >= now - timedelta(days=days)).group_by(TicketEvent.detail)).all()
    best: dict[str, tuple[int, str]] = {}
    for detail, n in rows:
        source, sep, target = (detail or "").partition(" -> ")
        if sep and source and target and n > best.get(source, (0, ""))[0]:
            best[source] = (n, target)
    return {source: target for source, (_, target) in best.items()}
