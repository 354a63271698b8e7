"""The figures of an office (or of several side by side) as plain data for the pages, the monthly report, the
JSON API and the exports (service layer: session in, data out; no Flask, never commits).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from queue_service.models import Counter, Office, Service, User
from reports import figures as fg
from reports import queries
from reports.models import report_target, report_turned_away
from reports.staffing import HourAdvice, plan_day

#: longest period a page, an export or the API computes at once (a year and a bit; longer asks are refused)
MAX_DAYS = 400
#: the staffing forecast: same-weekday means over this many weeks before the period's end
FORECAST_WEEKS = 4
#: a service-time history: this many weeks
SERVICE_HISTORY_WEEKS = 8
MAX_TARGET_MINUTES = 480

#: (session, office ids, start, end) -> {(office id, day, service id or None, reason): count}
#: reason -> ``queue_service.hooks.TurnedAwaySource`` (other features' counts: inventory's "stock")
TurnedAwaySources = Mapping[str, Callable[[Session, Sequence[int], date, date], Mapping]]


class PeriodError(ValueError):
    """A period the figures cannot be computed for (the message says why, for a 400)."""


def check_period(start: date, end: date, max_days: int = MAX_DAYS) -> None:
    if end < start:
        raise PeriodError("The end date is before the start date.")
    if (end - start).days + 1 > max_days:
        raise PeriodError(f"The period is longer than {max_days} days; choose a shorter one.")


# --------------------------------------------------------------------------- targets

def targets(session: Session, services: Sequence[Service], default_s: float) -> dict[int, float]:
    """Service id -> target wait in seconds (the service's own, else the default)."""
    ids = [s.id for s in services]
    own = dict(session.execute(select(report_target.c.service_id, report_target.c.target_wait_s).where(
        report_target.c.service_id.in_(ids))).all()) if ids else {}
    return {s.id: float(own.get(s.id, default_s)) for s in services}


def own_targets(session: Session, services: Sequence[Service]) -> dict[int, int]:
    ids = [s.id for s in services]
    if not ids:
        return {}
    return dict(session.execute(select(report_target.c.service_id, report_target.c.target_wait_s).where(
        report_target.c.service_id.in_(ids))).all())


def set_targets(session: Session, office: Office, minutes: Mapping[int, int | None]) -> int:
    """Set (or clear, with None) the target wait of services of ``office``; returns how many changed.
    Raises ValueError for a service of another office or a value outside 1..480 minutes."""
    mine = {s.id for s in office.services}
    changed = 0
    for sid, m in minutes.items():
        if sid not in mine:
            raise ValueError("That service does not belong to this office.")
        if m is not None and not (1 <= int(m) <= MAX_TARGET_MINUTES):
            raise ValueError(f"A target wait is 1 to {MAX_TARGET_MINUTES} minutes.")
    have = own_targets(session, office.services)
    for sid, m in minutes.items():
        if m is None:
            if sid in have:
                session.execute(delete(report_target).where(report_target.c.service_id == sid))
                changed += 1
        elif have.get(sid) != int(m) * 60:
            session.execute(delete(report_target).where(report_target.c.service_id == sid))
            session.execute(insert(report_target).values(service_id=sid, target_wait_s=int(m) * 60))
            changed += 1
    return changed


# --------------------------------------------------------------------------- turned away

def record_turned_away(session: Session, *, office_id: int, day: date, service_id: int, reason: str = "quota",
                       count: int = 1) -> None:
    """Count citizens refused a ticket (one upsert; runs in its own short transaction after the refusal)."""
    t = report_turned_away
    ins = (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(t)
    session.execute(ins.values(office_id=office_id, day=day, service_id=service_id, reason=reason, count=count)
                    .on_conflict_do_update(index_elements=[t.c.office_id, t.c.day, t.c.service_id, t.c.reason],
                                           set_={"count": t.c.count + count}))


def quota_turned_away(session: Session, office_ids: list[int], start: date, end: date
                      ) -> dict[tuple[int, date, int | None, str], int]:
    t = report_turned_away
    rows = session.execute(select(t.c.office_id, t.c.day, t.c.service_id, t.c.reason, func.sum(t.c.count)).where(
        t.c.office_id.in_(office_ids), t.c.day >= start, t.c.day <= end)
        .group_by(t.c.office_id, t.c.day, t.c.service_id, t.c.reason)).all()
    return {(o, queries._as_date(d), s, r): int(n) for o, d, s, r, n in rows}


def turned_away(session: Session, office_ids: list[int], start: date, end: date,
                sources: TurnedAwaySources | None = None) -> dict[tuple[int, int | None, str], int]:
    """``{(office id, service id or None, reason): citizens turned away}``: the quota's own count, then each
    registered source under its key (keyed by office id, or by (office id, service id or None))."""
    out: dict[tuple[int, int | None, str], int] = {}
    for (o, _day, sid, reason), n in quota_turned_away(session, office_ids, start, end).items():
        out[(o, sid, reason)] = out.get((o, sid, reason), 0) + n
    for reason, source in (sources or {}).items():
        for key, n in source(session, office_ids, start, end).items():
            o, sid = key if isinstance(key, tuple) else (key, None)
            out[(o, sid, reason)] = out.get((o, sid, reason), 0) + int(n)
    return out


# --------------------------------------------------------------------------- one office

@dataclass
class Row:
    key: object
    label: str
    summary: fg.Summary
    target_s: float | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class OfficeFigures:
    office: Office
    start: date
    end: date
    days: list[date]
    summary: fg.Summary
    by_service: list[Row]
    by_hour: list[Row]
    by_day: list[Row]
    by_week: list[Row]
    by_counter: list[Row]
    by_clerk: list[Row]
    heatmap: dict[tuple[int, int], float]
    hours: list[int]
    weekdays: list[int]
    staffing: list[HourAdvice]
    staffing_weekday: int
    staffing_window: tuple[date, date]
    turned_away: dict[str, int]  # reason -> count
    turned_away_by_service: dict[int | None, dict[str, int]]
    served_by_service: dict[int, int]
    default_target_s: float


def _service_label(s: Service, locale: str) -> str:
    return f"{s.prefix} · {s.name(locale)}"


def office_figures(session: Session, office: Office, start: date, end: date, *, now: datetime,
                   default_target_s: float, locale: str = "id", staffing_weekday: int | None = None,
                   turned_away_sources: TurnedAwaySources | None = None) -> OfficeFigures:
    check_period(start, end)
    services = list(office.services)
    tg = targets(session, services, default_target_s)
    data = queries.load(session, [office], start, end)
    all_ = fg.table(data.time, "all", tg).get(None) or fg.summarize(fg.Cell())
    by_service_t = fg.table(data.time, "service", tg)
    names = {s.id: s for s in services}
    by_service = [Row(s.id, _service_label(s, locale), by_service_t[s.id], tg.get(s.id))
                  for s in services if s.id in by_service_t]
    by_service += [Row(k, f"#{k}", v, None) for k, v in by_service_t.items() if k not in names]
    by_hour = [Row(h, f"{h:02d}:00", v) for h, v in fg.table(data.time, "hour", tg).items()]
    by_day = [Row(d, d.isoformat(), v) for d, v in fg.table(data.time, "day", tg).items()]
    by_week = [Row(w, w.isoformat(), v) for w, v in fg.table(data.time, "week", tg).items()]
    counters = {c.id: c for c in session.scalars(select(Counter).where(Counter.office_id == office.id))}
    by_counter = []
    for cid, v in fg.table(data.staff, "counter", tg).items():
        c = counters.get(cid)
        label = (f"{c.number} · {c.name}" if c else (f"#{cid}" if cid is not None else "—"))
        by_counter.append(Row(cid, label, v, extra={"number": c.number if c else None}))
    clerks = fg.table(data.staff, "clerk", tg)
    full = dict(session.execute(select(User.username, User.full_name).where(
        User.username.in_([k for k in clerks if k]))).all()) if clerks else {}
    by_clerk = [Row(k, (f"{full.get(k) or k} ({k})" if k else "—"), v) for k, v in clerks.items()]
    open_days = _open_days(office, data.days)
    heat = fg.arrivals_heatmap({(d, h, sv): n for (_, d, h, sv), n in data.arrivals.items()}, open_days)
    hours = sorted({h for _, h in heat} | {r.key for r in by_hour}) or list(range(8, 15))
    weekdays = sorted({int(d) for d in office.open_days if d.isdigit() and 1 <= int(d) <= 7}) or [1, 2, 3, 4, 5]
    advice, wd, window = staffing(session, office, end, services, tg, weekday=staffing_weekday,
                                  default_target_s=default_target_s, data=data if start <= history_start(end) else None)
    ta = turned_away(session, [office.id], start, end, turned_away_sources)
    ta_total: dict[str, int] = {}
    ta_service: dict[int | None, dict[str, int]] = {}
    for (_, sid, reason), n in ta.items():
        ta_total[reason] = ta_total.get(reason, 0) + n
        ta_service.setdefault(sid, {})[reason] = ta_service.setdefault(sid, {}).get(reason, 0) + n
    for r in by_service:
        r.extra.update(ta_service.get(r.key, {}))
    return OfficeFigures(office, start, end, data.days, all_, by_service, by_hour, by_day, by_week, by_counter,
                         by_clerk, heat, hours, weekdays, advice, wd, window, ta_total, ta_service,
                         {r.key: r.summary.served for r in by_service if isinstance(r.key, int)}, default_target_s)


def _open_days(office: Office, days: list[date]) -> list[date]:
    open_wd = {int(d) for d in office.open_days if d.isdigit()}
    return [d for d in days if d.isoweekday() in open_wd] or list(days)


def history_start(end: date) -> date:
    return end - timedelta(weeks=SERVICE_HISTORY_WEEKS) + timedelta(days=1)


def staffing(session: Session, office: Office, end: date, services: Sequence[Service], tg: Mapping[int, float], *,
             weekday: int | None, default_target_s: float, data: queries.FigureData | None = None
             ) -> tuple[list[HourAdvice], int, tuple[date, date]]:
    """Counters needed per hour on a ``weekday`` (default: the next open weekday after ``end``), from the
    same-weekday mean arrivals of the :data:`FORECAST_WEEKS` weeks up to ``end`` and each service's mean service
    time over :data:`SERVICE_HISTORY_WEEKS` weeks; beside the counters that were at work on those days."""
    open_wd = sorted({int(d) for d in office.open_days if d.isdigit() and 1 <= int(d) <= 7}) or [1, 2, 3, 4, 5]
    if weekday is None:
        nxt = end + timedelta(days=1)
        while nxt.isoweekday() not in open_wd:
            nxt += timedelta(days=1)
        weekday = nxt.isoweekday()
    first = history_start(end)
    if data is None:
        data = queries.load(session, [office], first, end, staff=False)
    window_start = end - timedelta(weeks=FORECAST_WEEKS) + timedelta(days=1)
    days = [d for d in data.days if d >= window_start and d.isoweekday() == weekday]
    arrivals = fg.hourly_arrival_rates({(d, h, sv): n for (_, d, h, sv), n in data.arrivals.items()}, days)
    recent = fg.CellSet.of(data.time)
    keep = [i for i, k in enumerate(recent.keys) if k[1] >= first]
    recent = fg.CellSet([recent.keys[i] for i in keep], recent.data[keep])
    svc = {s: c.service_sum / c.service_n for s, c in fg.aggregate(recent, "service").items() if c.service_n}
    opened: dict[int, float] = {}
    for (_, d, h), n in data.counters.items():
        if d in days:
            opened[h] = opened.get(h, 0.0) + n / len(days)
    for h in opened:
        arrivals.setdefault(h, {})
    advice = plan_day(arrivals, svc, tg, opened if days else None, default_target_s=default_target_s)
    return advice, weekday, (window_start, end)


# --------------------------------------------------------------------------- offices side by side

def offices_side_by_side(session: Session, offices: Sequence[Office], start: date, end: date, *,
                         default_target_s: float, turned_away_sources: TurnedAwaySources | None = None
                         ) -> list[tuple[Office, fg.Summary, dict[str, int]]]:
    check_period(start, end)
    services = [s for o in offices for s in o.services]
    tg = targets(session, services, default_target_s)
    table = fg.table(queries.office_totals(session, offices, start, end), "office", tg)
    ta = turned_away(session, [o.id for o in offices], start, end, turned_away_sources)
    per_office: dict[int, dict[str, int]] = {}
    for (oid, _, reason), n in ta.items():
        per_office.setdefault(oid, {})[reason] = per_office.setdefault(oid, {}).get(reason, 0) + n
    empty = fg.summarize(fg.Cell())
    return [(o, table.get(o.id, empty), per_office.get(o.id, {})) for o in offices]


def office_counters(session: Session, office_ids: Sequence[int], start: date, end: date,
                    counters: Mapping[str, Callable] | None = None
                    ) -> tuple[list[tuple[str, str]], dict[int, dict[tuple[str, str], int | float]]]:
    """Other features' numbers per office for the offices side by side (``hooks.office_counters``; feedback:
    complaints): the columns ``(counter key, name)`` in order, and ``{office id: {column: value}}``."""
    columns: list[tuple[str, str]] = []
    values: dict[int, dict[tuple[str, str], int | float]] = {}
    for key, counter in sorted((counters or {}).items()):
        got = counter(session, list(office_ids), start, end) or {}
        names = sorted({str(n) for per in got.values() for n in per})
        columns += [(key, n) for n in names]
        for oid, per in got.items():
            for n, v in per.items():
                values.setdefault(oid, {})[(key, str(n))] = v
    return columns, values
