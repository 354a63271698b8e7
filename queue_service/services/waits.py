"""Wait-time estimates from the database: build the ETA model's ``QueueSnapshot``, run it, adjust the range on
the office's own record, and keep that record.

Reason: one subject, wait estimates against the database (snapshot in, record out); the pure model is in
``domain/eta.py``, the calibration in ``domain/eta_calibration.py``.

``estimate_ticket(session, ticket, now)`` is what the kiosk screen, the printed ticket and the status page
show; ``estimate_office(session, office, now)`` gives every waiting ticket of the office its estimate in one
run (the status pages' live updates). ``record_estimates`` stores shown estimates (``WaitEstimate``);
``accuracy_report`` tells managers how good they were.

What goes into the snapshot (see ``queue_service.domain.eta`` for the model):

* counters: every active counter with the services it serves. A counter is *open* when a clerk has it open
  (``Counter.open_since``, set by the counter console and by ``call_next``) or is on a break
  (``Counter.break_until``: counted back from its end); when no counter of the office has a clerk recorded
  (consoles not in use, e.g. calls made through the API only), every active counter is taken as open. A
  counter with a called or serving ticket is busy since that ticket's ``called_at``; a free one is idle
  since its last act today (a call, finish, no-show... of the ticket-event record) or since it opened, and
  one idle for ``AWAY_AFTER_S`` while tickets it serves wait is taken as away (the clerk left without
  "Istirahat");
* waiting tickets of today (office-local day), with priority and requeues;
* service-time history per service: counter occupation times (``called_at`` -> ``finished_at``) of tickets
  served in the last ``HISTORY_DAYS`` days, the latest ``HISTORY_PER_SERVICE`` of each service; and the
  occupations of calls that ended in a no-show, from the ticket-event record (``call`` -> ``no_show``: a
  requeue clears the ticket's ``called_at``, the record keeps both moments);
* the office's own first-call no-show rate per service (the last ``HISTORY_DAYS`` days and today, shrunk
  towards the office's rate), and today's share of requeued tickets absent again;
* the services' priority policies and today's regular-call streaks, the expected priority arrivals until
  the office closes (``domain.arrivals``: the last same weekdays' profile, scaled by today's level so far);
* the counters' absences on those same reference days still to come today (``domain.absences``: lunch);
* the calibration of the range (``domain.eta_calibration``) on the record of the last ``CALIBRATION_DAYS``
  days before today.

Inputs that depend only on earlier days (reference days of priority arrivals, past no-show counts, the
calibration) are computed once per office and office-local day in each process.

Pure of Flask: takes a session and ``now``.
"""
from __future__ import annotations

import logging
import math
import threading
import weakref
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from queue_service.domain import status as st
from queue_service.domain.absences import counter_absences, future_absences
from queue_service.domain.arrivals import priority_profile
from queue_service.domain.clock import as_utc, office_day, zone
from queue_service.domain.eta import (
    CounterState,
    Estimate,
    QueueSnapshot,
    WaitingTicket,
    estimate,
    service_call_order,
)
from queue_service.hooks import QueueArrivals
from queue_service.domain.eta_calibration import Adjustment, Outcome, accuracy, adjust, adjustment_for, fit
from queue_service.models import Counter, Office, Service, Ticket, TicketEvent, TicketSequence, WaitEstimate

HISTORY_DAYS = 14
HISTORY_PER_SERVICE = 80
RUNS = 200
#: occupation times longer than this are not service times (a ticket left open over lunch, ...)
MAX_OCCUPATION_S = 3 * 3600
#: a free counter that has called nobody for this long while tickets it serves wait is taken as away
AWAY_AFTER_S = 300.0
#: how long such an unannounced absence lasts in all, typically (a lunch break)
ABSENCE_S = 45 * 60.0
#: an overdue break ends within this many seconds
OVERDUE_RETURN_S = 10 * 60.0
#: priority arrivals: the last this many same weekdays ...
REFERENCE_WEEKS = 4
#: ... when at least this many of them had tickets; else the last RECENT_DAYS open days
MIN_SAME_WEEKDAYS = 3
RECENT_DAYS = 5
#: first-call no-show rate: a service's own count weighs against this many calls at the office's rate
NO_SHOW_PRIOR_CALLS = 30
#: the record the range is calibrated on
CALIBRATION_DAYS = 14
CALIBRATION_MAX_RECORDS = 5000
#: a status page records what it shows at most once per ticket in this many seconds
RECORD_INTERVAL_S = 300.0
SOURCES = ("issue", "status", "push")

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- history

def _service_times(session: Session, office: Office, now: datetime, service_ids: Iterable[int]
                   ) -> dict[int, list[float]]:
    """Occupation times of served tickets, per service (newest first): one short query per service, so that
    a busy service's history does not crowd a quiet one's out."""
    since = now - timedelta(days=HISTORY_DAYS)
    since_day = office_day(since, office.timezone) - timedelta(days=1)
    times: dict[int, list[float]] = {}
    for sid in service_ids:
        rows = session.execute(
            select(Ticket.called_at, Ticket.finished_at)
            .where(Ticket.office_id == office.id, Ticket.service_day >= since_day, Ticket.service_id == sid,
                   Ticket.status == st.Status.DONE, Ticket.called_at.is_not(None),
                   Ticket.finished_at >= since, Ticket.finished_at <= now)
            .order_by(Ticket.finished_at.desc())
            .limit(HISTORY_PER_SERVICE * 2)).all()
        xs = []
        for called_at, finished_at in rows:
            seconds = (as_utc(finished_at) - as_utc(called_at)).total_seconds()
            if 0 <= seconds <= MAX_OCCUPATION_S:
                xs.append(seconds)
                if len(xs) >= HISTORY_PER_SERVICE:
                    break
        if xs:
            times[sid] = xs
    return times


def no_show_occupations(session: Session, office: Office, now: datetime, *, limit: int = HISTORY_PER_SERVICE
                        ) -> list[float]:
    """Seconds from the call to the no-show of the office's latest calls that ended in a no-show (first
    calls that were requeued included: the ticket-event record keeps both moments)."""
    since = now - timedelta(days=HISTORY_DAYS)
    call = aliased(TicketEvent)
    # the ticket's call just before the no-show (by insertion order: a requeued ticket may be called again at
    # the same instant)
    called = (select(func.max(call.at)).where(call.ticket_id == TicketEvent.ticket_id, call.action == "call",
                                             call.id < TicketEvent.id)
              .correlate(TicketEvent).scalar_subquery())
    rows = session.execute(
        select(TicketEvent.at, called).join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.action == "no_show", TicketEvent.at >= since, TicketEvent.at <= now,
               Ticket.office_id == office.id)
        .order_by(TicketEvent.at.desc()).limit(limit)).all()
    out = []
    for at, called_at in rows:
        if called_at is None:
            continue
        seconds = (as_utc(at) - as_utc(called_at)).total_seconds()
        if 0 <= seconds <= MAX_OCCUPATION_S:
            out.append(seconds)
    return out


def _no_show_counts(session: Session, office: Office, first: date, last: date) -> dict[int, tuple[int, int]]:
    """Service id -> (tickets called at least once, of which absent at the first call) over those days."""
    t = Ticket
    called = or_(t.status.in_([st.Status.DONE, st.Status.NO_SHOW, st.Status.CALLED, st.Status.SERVING]),
                 t.requeues > 0)
    absent = or_(t.requeues > 0, t.status == st.Status.NO_SHOW)
    rows = session.execute(
        select(t.service_id, func.sum(case((called, 1), else_=0)), func.sum(case((absent, 1), else_=0)))
        .where(t.office_id == office.id, t.service_day >= first, t.service_day <= last)
        .group_by(t.service_id)).all()
    return {sid: (int(n or 0), int(a or 0)) for sid, n, a in rows}


def no_show_shares(past: dict[int, tuple[int, int]], today: dict[int, tuple[int, int]]) -> dict[int, float]:
    """Each service's first-call no-show rate, shrunk towards the office's (which starts from 1 in 20)."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for source in (past, today):
        for sid, (n, a) in source.items():
            counts[sid][0] += n
            counts[sid][1] += a
    total_n = sum(n for n, _ in counts.values())
    total_a = sum(a for _, a in counts.values())
    office_rate = (total_a + 1.0) / (total_n + 20.0)
    return {sid: (a + NO_SHOW_PRIOR_CALLS * office_rate) / (n + NO_SHOW_PRIOR_CALLS)
            for sid, (n, a) in counts.items()} | {None: office_rate}


def _seconds_of_day(moment: datetime, tz: str) -> float:
    local = as_utc(moment).astimezone(zone(tz))
    return local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6


def _local_hour(moment: datetime, tz: str) -> int:
    return as_utc(moment).astimezone(zone(tz)).hour


def _tod(t: time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second


def _reference_days(session: Session, office: Office, day: date) -> list[date]:
    """The last same weekdays the office had tickets on, or its last open days when there are too few."""
    start = day - timedelta(days=7 * REFERENCE_WEEKS)
    days = sorted((d for d, n in session.execute(
        select(Ticket.service_day, func.count(Ticket.id)).where(
            Ticket.office_id == office.id, Ticket.service_day >= start, Ticket.service_day < day)
        .group_by(Ticket.service_day)).all() if n), reverse=True)
    same = [d for d in days if d.weekday() == day.weekday()][:REFERENCE_WEEKS]
    return same if len(same) >= MIN_SAME_WEEKDAYS else days[:RECENT_DAYS]


def _priority_times(session: Session, office: Office, days: list[date], until: datetime | None = None
                    ) -> dict[date, dict[int, list[float]]]:
    """Day -> service -> issue times (seconds of the office-local day) of its priority tickets."""
    out: dict[date, dict[int, list[float]]] = {d: {} for d in days}
    if not days:
        return out
    q = select(Ticket.service_day, Ticket.origin_service_id, Ticket.issued_at).where(
        Ticket.office_id == office.id, Ticket.service_day.in_(days), Ticket.priority_group.is_not(None))
    if until is not None:
        q = q.where(Ticket.issued_at <= until)
    for d, sid, issued in session.execute(q).all():
        out[d].setdefault(sid, []).append(_seconds_of_day(issued, office.timezone))
    return out


# --------------------------------------------------------------------------- the record

def calibration_outcomes(session: Session, office: Office, since: datetime, until: datetime,
                         *, limit: int = CALIBRATION_MAX_RECORDS) -> list[Outcome]:
    """The office's shown estimates between ``since`` and ``until`` whose ticket has been called since, with
    the replay's figures and the actual wait (minutes from the showing to the first call after it)."""
    return [Outcome(r.service_id, r.model_p10, r.model_p50, r.model_p90, r.actual, r.model_mean, r.hour, r.day)
            for r in _resolved(session, office, since, until, limit=limit)]


@dataclass(frozen=True)
class _Resolved:
    service_id: int
    source: str
    ticket_id: int
    model_mean: float
    model_p10: float
    model_p50: float
    model_p90: float
    minutes: int
    low: int
    high: int
    actual: float
    hour: int
    day: date


def _resolved(session: Session, office: Office, since: datetime, until: datetime, *, limit: int,
              sources: Iterable[str] = SOURCES) -> list[_Resolved]:
    w = WaitEstimate
    call = TicketEvent
    first_call = (select(func.min(call.at)).where(call.ticket_id == w.ticket_id, call.action == "call",
                                                 call.at >= w.shown_at)
                  .correlate(w).scalar_subquery())
    rows = session.execute(
        select(w.service_id, w.source, w.ticket_id, w.shown_at, w.model_mean, w.model_p10, w.model_p50,
               w.model_p90, w.minutes, w.low, w.high, first_call.label("called"))
        .where(w.office_id == office.id, w.shown_at >= since, w.shown_at < until, w.source.in_(list(sources)))
        .order_by(w.shown_at.desc()).limit(limit)).all()
    out = []
    for r in rows:
        if r.called is None:
            continue
        actual = (as_utc(r.called) - as_utc(r.shown_at)).total_seconds() / 60.0
        out.append(_Resolved(r.service_id, r.source, r.ticket_id, r.model_mean, r.model_p10, r.model_p50,
                             r.model_p90, r.minutes, r.low, r.high, actual, _local_hour(r.shown_at, office.timezone),
                             office_day(r.shown_at, office.timezone)))
    return out


# --------------------------------------------------------------------------- inputs of earlier days (cached)

@dataclass
class _Daily:
    reference: list[dict[int, list[float]]]
    no_shows: dict[int, tuple[int, int]]
    calibration: dict[Hashable | None, Adjustment]
    #: per reference day: counter id -> absences [(start, end) in seconds of the day]
    absences: list[dict[int, list[tuple[float, float]]]] = field(default_factory=list)


def _absences(session: Session, office: Office, days: list[date]) -> list[dict[int, list[tuple[float, float]]]]:
    """The counters' absences on each of ``days`` (``domain.absences``), from the ticket-event record."""
    if not days:
        return []
    tz = office.timezone
    rows = session.execute(
        select(Ticket.service_day, TicketEvent.counter_id, TicketEvent.action, TicketEvent.at)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Ticket.office_id == office.id, Ticket.service_day.in_(days), TicketEvent.counter_id.is_not(None))
        .order_by(TicketEvent.id)).all()
    first_call = (select(func.min(TicketEvent.at)).where(TicketEvent.ticket_id == Ticket.id,
                                                        TicketEvent.action == "call")
                  .correlate(Ticket).scalar_subquery())
    tickets = session.execute(
        select(Ticket.service_day, Ticket.service_id, Ticket.issued_at, first_call.label("called"))
        .where(Ticket.office_id == office.id, Ticket.service_day.in_(days))).all()
    counters = session.scalars(select(Counter).where(Counter.office_id == office.id)).all()
    services_of = {c.id: [s.id for s in c.services] for c in counters}
    events: dict[date, list] = defaultdict(list)
    for d, counter_id, action, at in rows:
        events[d].append((counter_id, action, _seconds_of_day(at, tz)))
    waited: dict[date, list] = defaultdict(list)
    for d, sid, issued, called in tickets:
        if called is not None:
            waited[d].append((sid, _seconds_of_day(issued, tz), _seconds_of_day(called, tz)))
    return [counter_absences(events[d], services_of, waited[d]) for d in days]


_daily_lock = threading.Lock()
_daily: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> {(office id, day): _Daily}


def _day_start(office: Office, day: date) -> datetime:
    return as_utc(datetime.combine(day, time(0, 0), tzinfo=zone(office.timezone)))


def daily_inputs(session: Session, office: Office, day: date) -> _Daily:
    """What earlier days say (reference days of priority arrivals, no-show counts, the range calibration),
    computed once per office and day in this process."""
    engine = session.get_bind()
    engine = getattr(engine, "engine", engine)
    key = (office.id, day)
    with _daily_lock:
        cached = _daily.get(engine, {}).get(key)
    if cached is not None:
        return cached
    ref_days = _reference_days(session, office, day)
    times = _priority_times(session, office, ref_days)
    start = _day_start(office, day)
    outcomes = calibration_outcomes(session, office, start - timedelta(days=CALIBRATION_DAYS), start)
    result = _Daily(reference=[times[d] for d in ref_days],
                    no_shows=_no_show_counts(session, office, day - timedelta(days=HISTORY_DAYS),
                                             day - timedelta(days=1)),
                    calibration=fit(outcomes), absences=_absences(session, office, ref_days))
    with _daily_lock:
        per_engine = _daily.setdefault(engine, {})
        if len(per_engine) > 2000:
            per_engine.clear()
        per_engine[key] = result
    return result


def forget_daily_inputs() -> None:
    """Drop the per-day cache (tests that rewrite earlier days' records)."""
    with _daily_lock:
        _daily.clear()


# --------------------------------------------------------------------------- the snapshot

def build_snapshot(session: Session, office: Office, now: datetime, *, no_show_requeues: int = 1,
                   arrivals: Sequence[QueueArrivals] = ()) -> QueueSnapshot:
    """The office's queue as the estimator sees it at ``now``. ``arrivals`` (``hooks.queue_arrivals``) add the
    citizens expected to join today (bookings still to come) as expected waiting entries, with negative ids."""
    now = as_utc(now)
    day = office_day(now, office.timezone)
    day_start = _day_start(office, day)
    counters = session.scalars(select(Counter).where(Counter.office_id == office.id,
                                                     Counter.active.is_(True))).all()
    staffed = any(c.open_since is not None or c.break_until is not None for c in counters)
    busy = {t.counter_id: t for t in session.scalars(select(Ticket).where(
        Ticket.office_id == office.id, Ticket.service_day == day, Ticket.counter_id.is_not(None),
        Ticket.status.in_([st.Status.CALLED, st.Status.SERVING])))}
    last_act = dict(session.execute(
        select(TicketEvent.counter_id, func.max(TicketEvent.at)).where(
            TicketEvent.counter_id.in_([c.id for c in counters]), TicketEvent.at >= day_start,
            TicketEvent.at <= now).group_by(TicketEvent.counter_id)).all()) if counters else {}
    states = []
    for c in counters:
        t = busy.get(c.id)
        marks = [as_utc(m) for m in (last_act.get(c.id), c.open_since) if m is not None]
        states.append(CounterState(
            id=c.id, services=frozenset(s.id for s in c.services),
            open=(c.open_since is not None or c.break_until is not None) if staffed else True,
            serving_since=(t.called_at or t.started_at) if t is not None else None,
            serving_service_id=t.service_id if t is not None else None,
            break_until=c.break_until,
            idle_since=max(marks) if marks and t is None else None))

    waiting_rows = session.execute(
        select(Ticket.id, Ticket.service_id, Ticket.queued_at, Ticket.priority_group, Ticket.requeues)
        .where(Ticket.office_id == office.id, Ticket.service_day == day,
               Ticket.status == st.Status.WAITING)).all()
    waiting = [WaitingTicket(r.id, r.service_id, r.queued_at, r.priority_group is not None, r.requeues)
               for r in waiting_rows]
    for source in arrivals:
        for a in source(session, office, now):
            waiting.append(WaitingTicket(-(len(waiting) + 1), a.service_id, a.at, a.priority, 0, expected=True,
                                         show=a.probability))

    services = session.scalars(select(Service).where(Service.office_id == office.id)).all()
    by_prefix = {s.prefix: s.id for s in services}
    streaks = {by_prefix[series]: streak for series, streak in session.execute(
        select(TicketSequence.series, TicketSequence.regular_streak).where(
            TicketSequence.office_id == office.id, TicketSequence.service_day == day)).all()
        if series in by_prefix}

    daily = daily_inputs(session, office, day)
    tz = office.timezone
    closes = as_utc(datetime.combine(day, office.closes_at, tzinfo=zone(tz)))
    today_priority = _priority_times(session, office, [day], until=now)[day]
    profile = priority_profile(daily.reference, today_priority, now_s=_seconds_of_day(now, tz),
                               until_s=_tod(office.closes_at), opened_s=_tod(office.opens_at))

    # repeat no-shows today: requeued tickets called again, and how many were absent again (prior 1 of 2)
    again = session.execute(select(Ticket.status, func.count(Ticket.id)).where(
        Ticket.office_id == office.id, Ticket.service_day == day, Ticket.requeues > 0,
        Ticket.status.in_([st.Status.DONE, st.Status.NO_SHOW, st.Status.CALLED, st.Status.SERVING]))
        .group_by(Ticket.status)).all()
    called_again = sum(n for _, n in again)
    absent_again = sum(n for s, n in again if s == st.Status.NO_SHOW)
    shares = no_show_shares(daily.no_shows, _no_show_counts(session, office, day, day))
    office_share = shares.pop(None)

    return QueueSnapshot(
        now=now, counters=states, waiting=waiting,
        service_times=_service_times(session, office, now, [s.id for s in services]),
        policies={s.id: s.priority_policy for s in services}, regular_streaks=streaks,
        priority_arrival_profile=profile, issuing_until=closes,
        no_show_times=no_show_occupations(session, office, now),
        repeat_no_show_share=(absent_again + 1) / (called_again + 2),
        no_show_share={s.id: shares.get(s.id, office_share) for s in services},
        no_show_requeues=no_show_requeues, overdue_return_s=OVERDUE_RETURN_S, away_after_s=AWAY_AFTER_S,
        absence_s=ABSENCE_S,
        calibration={s.id: adjustment_for(daily.calibration, s.id, _local_hour(now, tz)) for s in services},
        absence_days=future_absences(daily.absences, _seconds_of_day(now, tz)))


# --------------------------------------------------------------------------- estimates

@dataclass(frozen=True)
class Shown:
    """One ticket's estimate: the replay's own figures (``model``), the same adjusted on the record
    (``adjusted``), and what is shown - whole minutes: the mean rounded, P10 rounded down, P90 rounded up."""

    model: Estimate
    adjusted: Estimate
    minutes: int
    low: int
    high: int
    position: int | None = None

    def as_dict(self) -> dict:
        return {"minutes": self.minutes, "p10": self.low, "p90": self.high}


def shown(model: Estimate, adj: Adjustment | None, position: int | None = None) -> Shown:
    ranged = adjust(model, adj)
    low = max(0, int(math.floor(ranged.p10_min + 1e-9)))
    high = max(0, int(math.ceil(ranged.p90_min - 1e-9)))
    minutes = max(0, round(ranged.mean_min))
    return Shown(model, ranged, min(max(minutes, low), high), low, high, position)


def estimate_snapshot_full(snapshot: QueueSnapshot, *, runs: int = RUNS, seed: int = 0
                           ) -> dict[Hashable, Shown | None]:
    """Every waiting ticket of ``snapshot`` -> its ``Shown`` estimate (None: no open counter serves it).
    ``snapshot.calibration`` maps service id -> the ``Adjustment`` for now (``build_snapshot`` picks the
    group of the current hour)."""
    raw = estimate(snapshot, runs=runs, seed=seed)
    positions = ticket_positions(snapshot)
    services = {w.id: w.service_id for w in snapshot.waiting}
    expected = {w.id for w in snapshot.waiting if w.expected}
    cal = snapshot.calibration or {}
    return {tid: None if e is None else shown(e, cal.get(services[tid]), positions.get(tid))
            for tid, e in raw.items() if tid not in expected}


def ticket_positions(snapshot: QueueSnapshot) -> dict[Hashable, int]:
    """Waiting ticket id -> people ahead of it in its service (tickets only: a booked citizen still to come
    lengthens the wait, but is not someone the citizen sees waiting)."""
    expected = {w.id for w in snapshot.waiting if w.expected}
    out = {}
    for ids in service_call_order(snapshot).values():
        tickets = [tid for tid in ids if tid not in expected]
        out.update({tid: i for i, tid in enumerate(tickets)})
    return out


def estimate_snapshot(snapshot: QueueSnapshot, *, runs: int = RUNS, seed: int = 0) -> dict:
    """``{ticket_id: {"minutes", "p10", "p90"} | None}`` for every waiting ticket of ``snapshot``."""
    return {tid: None if e is None else e.as_dict()
            for tid, e in estimate_snapshot_full(snapshot, runs=runs, seed=seed).items()}


def estimate_office(session: Session, office: Office, now: datetime, *, runs: int = RUNS,
                    arrivals: Sequence[QueueArrivals] = ()) -> dict:
    """Every waiting ticket of ``office`` today -> ``{"minutes", "p10", "p90"}`` (whole minutes; the range
    is P10 rounded down to P90 rounded up), or None when no open counter serves its service."""
    return estimate_snapshot(build_snapshot(session, office, now, arrivals=arrivals), runs=runs)


def estimate_ticket_full(session: Session, ticket: Ticket, now: datetime, *, runs: int = RUNS,
                         arrivals: Sequence[QueueArrivals] = ()) -> Shown | None:
    """The estimated wait of one ticket (None unless it is waiting and an open counter serves it)."""
    if ticket.status != st.Status.WAITING:
        return None
    snapshot = build_snapshot(session, ticket.office, now, arrivals=arrivals)
    if not any(w.id == ticket.id for w in snapshot.waiting):
        return None  # e.g. a ticket of an earlier day
    return estimate_snapshot_full(snapshot, runs=runs).get(ticket.id)


def estimate_ticket(session: Session, ticket: Ticket, now: datetime, *, runs: int = RUNS,
                    record: str | None = None, arrivals: Sequence[QueueArrivals] = ()) -> dict | None:
    """The estimated wait of one ticket as shown; with ``record`` ("issue", "status") it is also added to
    the record (in ``session``: the caller commits), thinned as :func:`record_estimates` says."""
    result = estimate_ticket_full(session, ticket, now, runs=runs, arrivals=arrivals)
    if result is None:
        return None
    if record is not None:
        try:  # in a savepoint: a record that cannot be written never costs the citizen the estimate
            with session.begin_nested():
                record_estimates(session, ticket.office_id, [(ticket.id, ticket.service_id, result)], now, record)
        except SQLAlchemyError:
            log.warning("wait estimate of ticket %s not recorded", ticket.id, exc_info=True)
    return result.as_dict()


# --------------------------------------------------------------------------- recording

def due_for_record(session: Session, ticket_ids: Iterable[int], now: datetime, source: str) -> set[int]:
    """Which of these tickets get a new record now: at issue once per ticket; on the status page (and its
    live updates) when the ticket's last record is older than ``RECORD_INTERVAL_S``."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    ids = set(ticket_ids)
    if not ids:
        return set()
    w = WaitEstimate
    if source == "issue":
        seen = set(session.scalars(select(w.ticket_id).where(w.ticket_id.in_(ids), w.source == "issue")))
    else:
        limit = as_utc(now) - timedelta(seconds=RECORD_INTERVAL_S)
        seen = set(session.scalars(select(w.ticket_id).where(w.ticket_id.in_(ids), w.shown_at > limit)
                                   .group_by(w.ticket_id)))
    return ids - seen


def record_estimates(session: Session, office_id: int, entries: Iterable[tuple[int, int, Shown]], now: datetime,
                     source: str) -> int:
    """Store shown estimates ``(ticket id, service id, Shown)`` that are due (:func:`due_for_record`);
    returns how many were stored. Nothing is committed."""
    entries = [e for e in entries if e[2] is not None]
    due = due_for_record(session, [tid for tid, _, _ in entries], now, source)
    rows = [{"office_id": office_id, "ticket_id": tid, "service_id": sid, "shown_at": as_utc(now),
             "source": source, "position": e.position, "model_mean": e.model.mean_min,
             "model_p10": e.model.p10_min, "model_p50": e.model.p50_min, "model_p90": e.model.p90_min,
             "minutes": e.minutes, "low": e.low, "high": e.high}
            for tid, sid, e in entries if tid in due]
    if rows:
        session.execute(insert(WaitEstimate), rows)
    return len(rows)


# --------------------------------------------------------------------------- how good were they

@dataclass
class AccuracyRow:
    service_id: int | None
    code: str
    name_id: str
    name_en: str
    at_issue: object  # domain.eta_calibration.Accuracy
    shown: object = None
    extra: dict = field(default_factory=dict)


def accuracy_report(session: Session, office: Office, now: datetime, *, days: int = 7) -> dict:
    """The last ``days`` office-local days (today included): per service and overall, the estimate shown at
    issue (kiosk screen, printed ticket) against the actual wait - MAE, bias, share inside the range - and
    the share inside the range over every shown estimate (status pages included)."""
    day = office_day(now, office.timezone)
    first = day - timedelta(days=days - 1)
    since = _day_start(office, first)
    rows = _resolved(session, office, since, as_utc(now) + timedelta(seconds=1), limit=200_000)
    services = session.scalars(select(Service).where(Service.office_id == office.id)
                               .order_by(Service.sort_order, Service.id)).all()

    def summary(rs):
        issue = accuracy((r.minutes, r.low, r.high, r.actual) for r in rs if r.source == "issue")
        every = accuracy((r.minutes, r.low, r.high, r.actual) for r in rs)
        return issue, every

    out = []
    for s in services:
        own = [r for r in rows if r.service_id == s.id]
        if not own:
            continue
        issue, every = summary(own)
        out.append(AccuracyRow(s.id, s.code, s.name_id, s.name_en, issue, every))
    issue, every = summary(rows)
    return {"first": first, "last": day, "services": out,
            "overall": AccuracyRow(None, "", "", "", issue, every)}


__all__ = [
    "AccuracyRow", "Shown", "accuracy_report", "build_snapshot", "calibration_outcomes", "daily_inputs",
    "due_for_record", "estimate_office", "estimate_snapshot", "estimate_snapshot_full", "estimate_ticket",
    "estimate_ticket_full", "forget_daily_inputs", "no_show_occupations", "no_show_shares", "record_estimates",
    "shown",
]
