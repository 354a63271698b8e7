"""Wait-time estimates from the database: build the ETA model's ``QueueSnapshot`` and run it.

``estimate_ticket(session, ticket, now)`` is what the kiosk screen, the printed ticket and the status page
show; ``estimate_office(session, office, now)`` gives every waiting ticket of the office its estimate in one
run (the status pages' live updates).

What goes into the snapshot (see ``queue_service.domain.eta`` for the model):

* counters: every active counter with the services it serves. A counter is *open* when a clerk has it open
  (``Counter.open_since``, set by the counter console and by ``call_next``); when no counter of the office
  has a clerk recorded (consoles not in use, e.g. calls made through the API only), every active counter is
  taken as open. A counter with a called or serving ticket is busy since that ticket's ``called_at``;
* waiting tickets of today (office-local day), with priority and requeues;
* service-time history per service: counter occupation times (``called_at`` -> ``finished_at``) of tickets
  finished in the last ``HISTORY_DAYS`` days, the latest ``HISTORY_PER_SERVICE`` of each service; the
  occupation of final no-shows separately;
* the services' priority policies and today's regular-call streaks, the priority tickets issued in the last
  hour (they can overtake under the ``strict`` policy), and the office's closing time (no arrivals after).

Pure of Flask: takes a session and ``now``.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_service.domain import status as st
from queue_service.domain.clock import as_utc, office_day, zone
from queue_service.domain.eta import CounterState, QueueSnapshot, WaitingTicket, estimate
from queue_service.models import Counter, Office, Service, Ticket, TicketSequence

HISTORY_DAYS = 14
HISTORY_PER_SERVICE = 80
RUNS = 200
#: occupation times longer than this are not service times (a ticket left open over lunch, ...)
MAX_OCCUPATION_S = 3 * 3600


def _service_times(session: Session, office: Office, now: datetime) -> tuple[dict[int, list[float]], list[float]]:
    since = now - timedelta(days=HISTORY_DAYS)
    rows = session.execute(
        select(Ticket.service_id, Ticket.status, Ticket.called_at, Ticket.finished_at)
        .where(Ticket.office_id == office.id, Ticket.finished_at.is_not(None), Ticket.called_at.is_not(None),
               Ticket.finished_at >= since, Ticket.finished_at <= now,
               Ticket.status.in_([st.Status.DONE, st.Status.NO_SHOW]))
        .order_by(Ticket.finished_at.desc())
        .limit(HISTORY_PER_SERVICE * 40)).all()
    times: dict[int, list[float]] = defaultdict(list)
    no_shows: list[float] = []
    for service_id, status, called_at, finished_at in rows:
        seconds = (as_utc(finished_at) - as_utc(called_at)).total_seconds()
        if not 0 <= seconds <= MAX_OCCUPATION_S:
            continue
        if status == st.Status.NO_SHOW:
            if len(no_shows) < HISTORY_PER_SERVICE:
                no_shows.append(seconds)
        elif len(times[service_id]) < HISTORY_PER_SERVICE:
            times[service_id].append(seconds)
    return dict(times), no_shows


def build_snapshot(session: Session, office: Office, now: datetime) -> QueueSnapshot:
    """The office's queue as the estimator sees it at ``now``."""
    now = as_utc(now)
    day = office_day(now, office.timezone)
    counters = session.scalars(select(Counter).where(Counter.office_id == office.id,
                                                     Counter.active.is_(True))).all()
    staffed = any(c.open_since is not None for c in counters)
    busy = {t.counter_id: t for t in session.scalars(select(Ticket).where(
        Ticket.office_id == office.id, Ticket.service_day == day, Ticket.counter_id.is_not(None),
        Ticket.status.in_([st.Status.CALLED, st.Status.SERVING])))}
    states = []
    for c in counters:
        t = busy.get(c.id)
        states.append(CounterState(
            id=c.id, services=frozenset(s.id for s in c.services),
            open=(c.open_since is not None) if staffed else True,
            serving_since=(t.called_at or t.started_at) if t is not None else None,
            serving_service_id=t.service_id if t is not None else None))

    waiting_rows = session.execute(
        select(Ticket.id, Ticket.service_id, Ticket.queued_at, Ticket.priority_group, Ticket.requeues)
        .where(Ticket.office_id == office.id, Ticket.service_day == day,
               Ticket.status == st.Status.WAITING)).all()
    waiting = [WaitingTicket(r.id, r.service_id, r.queued_at, r.priority_group is not None, r.requeues)
               for r in waiting_rows]

    services = session.scalars(select(Service).where(Service.office_id == office.id)).all()
    by_prefix = {s.prefix: s.id for s in services}
    streaks = {by_prefix[series]: streak for series, streak in session.execute(
        select(TicketSequence.series, TicketSequence.regular_streak).where(
            TicketSequence.office_id == office.id, TicketSequence.service_day == day)).all()
        if series in by_prefix}

    # priority tickets issued in the last hour (at least 15 minutes of the day observed)
    local_now = now.astimezone(zone(office.timezone))
    opened = datetime.combine(day, office.opens_at, tzinfo=zone(office.timezone))
    window = min(3600.0, max(900.0, (local_now - opened).total_seconds()))
    recent_priority = dict(session.execute(
        select(Ticket.origin_service_id, func.count(Ticket.id)).where(
            Ticket.office_id == office.id, Ticket.service_day == day, Ticket.priority_group.is_not(None),
            Ticket.issued_at >= now - timedelta(seconds=window), Ticket.issued_at <= now)
        .group_by(Ticket.origin_service_id)).all())
    rates = {sid: n * 3600.0 / window for sid, n in recent_priority.items()}
    closes = datetime.combine(day, office.closes_at, tzinfo=zone(office.timezone))

    # repeat no-shows today: requeued tickets called again, and how many were absent again (prior 1 of 2)
    again = session.execute(select(Ticket.status, func.count(Ticket.id)).where(
        Ticket.office_id == office.id, Ticket.service_day == day, Ticket.requeues > 0,
        Ticket.status.in_([st.Status.DONE, st.Status.NO_SHOW, st.Status.CALLED, st.Status.SERVING]))
        .group_by(Ticket.status)).all()
    called_again = sum(n for _, n in again)
    absent_again = sum(n for s, n in again if s == st.Status.NO_SHOW)

    service_times, no_show_times = _service_times(session, office, now)
    return QueueSnapshot(
        now=now, counters=states, waiting=waiting, service_times=service_times,
        policies={s.id: s.priority_policy for s in services}, regular_streaks=streaks,
        priority_arrivals_per_hour=rates, issuing_until=as_utc(closes),
        no_show_times=no_show_times, repeat_no_show_share=(absent_again + 1) / (called_again + 2))


def _as_dict(est) -> dict | None:
    if est is None:
        return None
    return {"minutes": max(0, round(est.mean_min)), "p10": max(0, int(est.p10_min)),
            "p90": max(0, -int(-est.p90_min // 1))}


def estimate_snapshot(snapshot: QueueSnapshot, *, runs: int = RUNS, seed: int = 0) -> dict:
    """``{ticket_id: {"minutes", "p10", "p90"} | None}`` for every waiting ticket of ``snapshot``."""
    return {tid: _as_dict(e) for tid, e in estimate(snapshot, runs=runs, seed=seed).items()}


def estimate_office(session: Session, office: Office, now: datetime, *, runs: int = RUNS) -> dict:
    """Every waiting ticket of ``office`` today -> ``{"minutes", "p10", "p90"}`` (whole minutes; the range
    is P10 rounded down to P90 rounded up), or None when no open counter serves its service."""
    return estimate_snapshot(build_snapshot(session, office, now), runs=runs)


def estimate_ticket(session: Session, ticket: Ticket, now: datetime, *, runs: int = RUNS) -> dict | None:
    """The estimated wait of one ticket (None unless it is waiting and an open counter serves it)."""
    if ticket.status != st.Status.WAITING:
        return None
    snapshot = build_snapshot(session, ticket.office, now)
    if not any(w.id == ticket.id for w in snapshot.waiting):
        return None  # e.g. a ticket of an earlier day
    return estimate_snapshot(snapshot, runs=runs).get(ticket.id)
