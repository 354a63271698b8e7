"""Past days for the demo office, played through the service layer: citizens arrive through each open day (a
crowd at opening, a lunch dip; its calendar's open days), the demo's counters call, start and finish them, a few do not come when called,
and what is left at closing expires at the day's rollover. ``adminduk demo`` seeds them (``--history-days``) so
that a manager trying the demo sees queue figures, and the wait estimates and the other features' demo data
(IKM answers) have a history to stand on.

Deterministic for a seed; no Flask. Every ticket goes through ``issue_ticket`` / ``call_next`` / ``start`` /
``finish`` / ``no_show`` with its own time, so the history is what the product itself would have stored.
"""
from __future__ import annotations

import heapq
import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_service.domain.clock import office_day, zone
from queue_service.models import Counter, Office, Service
from queue_service.services import tickets as svc
from queue_service.services.calendar import office_calendar

#: arrivals per hour relative to the day's mean (the door crowd at 08:00, the lunch dip)
HOURLY = {8: 1.7, 9: 1.4, 10: 1.1, 11: 0.9, 12: 0.45, 13: 0.8, 14: 0.55}
#: share of citizens per service, and the mean minutes at the counter
MIX = {"REKAM": 0.18, "CETAK": 0.22, "KK": 0.2, "KIA": 0.07, "LAHIR": 0.12, "MATI": 0.04, "PINDAH": 0.08,
       "SUKET": 0.09}
SERVICE_MINUTES = {"REKAM": 6.0, "CETAK": 3.0, "KK": 8.0, "KIA": 5.0, "LAHIR": 7.0, "MATI": 7.0, "PINDAH": 9.0,
                   "SUKET": 4.0}
NO_SHOW = 0.05  # called, not there
PRIORITY = 0.06  # lansia, disabilitas, ibu hamil


def open_days_before(session: Session, office: Office, today: date, days: int) -> list[date]:
    """The last ``days`` days ``office`` was open before ``today`` (its calendar: weekdays, national holidays,
    its own closures), oldest first."""
    calendar = office_calendar(session, office)
    out, d = [], today
    while len(out) < days and (today - d).days < 10 * days + 30:
        d -= timedelta(days=1)
        if calendar.status(d).open:
            out.append(d)
    return out[::-1]


def _local(day: date, at: time, tz) -> datetime:
    return datetime.combine(day, at, tz).astimezone(timezone.utc)


def _arrivals(rng: random.Random, day: date, tz, per_day: int, opens: time, closes: time) -> list[datetime]:
    weights = {h: w for h, w in HOURLY.items() if opens.hour <= h < closes.hour}
    total = sum(weights.values()) or 1.0
    out = []
    for hour, w in weights.items():
        n = max(0, round(rng.gauss(per_day * w / total, (per_day * w / total) ** 0.5)))
        start = _local(day, time(hour, 0), tz)
        out += [start + timedelta(seconds=rng.uniform(0, 3600)) for _ in range(n)]
    return sorted(out)


def play_day(session: Session, office: Office, day: date, *, rng: random.Random, per_day: int,
             clerks: dict[int, str]) -> int:
    """One office day: returns the tickets issued."""
    tz = zone(office.timezone)
    services = {s.code: s for s in session.scalars(select(Service).where(Service.office_id == office.id,
                                                                          Service.active.is_(True)))}
    mix = [(services[c], w) for c, w in MIX.items() if c in services]
    if not mix:
        return 0
    counters = list(session.scalars(select(Counter).where(Counter.office_id == office.id).order_by(Counter.number)))
    closes = _local(day, office.closes_at, tz)
    heap: list[tuple[datetime, int, str, object]] = []
    seq = 0

    def push(at: datetime, kind: str, what) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(heap, (at, seq, kind, what))

    for at in _arrivals(rng, day, tz, per_day, office.opens_at, office.closes_at):
        push(at, "arrive", None)
    idle = {c.id: c for c in counters}
    opening = _local(day, office.opens_at, tz) + timedelta(minutes=rng.uniform(1, 6))
    push(opening, "open", None)
    issued = 0
    opened = False
    serves = {c.id: {s.id for s in c.services} for c in counters}
    while heap:
        at, _, kind, what = heapq.heappop(heap)
        ready = list(idle.values())  # the counters that may call now
        if kind == "arrive":
            service = rng.choices([s for s, _ in mix], [w for _, w in mix])[0]
            priority = "lansia" if rng.random() < PRIORITY else None
            svc.issue_ticket(session, office=office, service=service, now=at, priority=priority, actor="demo")
            issued += 1
            ready = [c for c in ready if service.id in serves[c.id]]
        elif kind == "open":
            opened = True
        elif kind == "done":
            counter, ticket = what
            if ticket.status == "called":
                svc.no_show(session, ticket=ticket, now=at, actor=clerks.get(counter.number, "demo"))
            else:
                svc.finish(session, ticket=ticket, now=at, actor=clerks.get(counter.number, "demo"))
            idle[counter.id] = counter
            # the counter itself calls next; a ticket back in the queue (not there, requeued) may go to any idle one
            ready = [counter] + (ready if ticket.status == "waiting" else [])
        if not opened or at >= closes:
            continue
        for counter in ready:
            actor = clerks.get(counter.number, "demo")
            ticket, _ = svc.call_next(session, counter=counter, now=at, actor=actor)
            if ticket is None:
                continue
            del idle[counter.id]
            if rng.random() < NO_SHOW:
                push(at + timedelta(minutes=rng.uniform(1.5, 3)), "done", (counter, ticket))
                continue
            begun = at + timedelta(seconds=rng.uniform(20, 90))
            svc.start(session, ticket=ticket, now=begun, actor=actor)
            mean = SERVICE_MINUTES.get(ticket.service.code, 6.0)
            minutes = max(1.0, rng.lognormvariate(0, 0.45) * mean)
            push(begun + timedelta(minutes=minutes), "done", (counter, ticket))
    return issued


def seed_history(session: Session, data: dict, now: datetime, *, days: int = 20, per_day: int = 240,
                 seed: int = 11) -> int:
    """``days`` past open days of the demo office in ``data`` (``seed_demo``'s answer); the tickets issued.
    The caller commits; whatever is left open at a day's end expires at the next rollover (``close_day``)."""
    office = session.scalar(select(Office).where(Office.code == data["office"]["code"]))
    if office is None or days <= 0:
        return 0
    clerks = {}
    for u in data.get("users", []):
        name = u["username"].split(".")[0]
        if u["role"] == "clerk" and name.startswith("petugas") and name[7:].isdigit():
            clerks[int(name[7:])] = f"user:{u['username']}"
    rng = random.Random(seed)
    total = 0
    for day in open_days_before(session, office, office_day(now, office.timezone), days):
        total += play_day(session, office, day, rng=rng, per_day=per_day, clerks=clerks)
        svc.close_day(session, office=office, now=_local(day + timedelta(days=1), time(0, 5), zone(office.timezone)))
    return total
