"""What the live screens show, in one payload: the ``queue_changed`` event and the screens' resync.

``queue_overview``: waiting counts per service, each counter's current call and, while its clerk is on one,
its break (``{"until", "local"}``), the last calls (the API's ``GET .../queue``). ``office_board`` = that plus,
per counter, the current ticket's id and priority and today's served count and mean service time, so a counter
console or a display can redraw from this payload alone.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_service.domain import status as st
from queue_service.domain.clock import as_utc, office_day
from queue_service.domain.speech import announcement, announcement_parts
from queue_service.models import Office, Ticket
from queue_service.services.presence import break_info


def counter_stats(session: Session, office: Office, now: datetime) -> dict[int, dict]:
    """counter id -> {"served_today", "mean_service_s"} (finished tickets today, called -> finished)."""
    day = office_day(now, office.timezone)
    rows = session.execute(select(Ticket.counter_id, Ticket.called_at, Ticket.started_at, Ticket.finished_at).where(
        Ticket.office_id == office.id, Ticket.service_day == day, Ticket.status == st.Status.DONE,
        Ticket.counter_id.is_not(None))).all()
    acc: dict[int, list[float]] = {}
    for counter_id, called_at, started_at, finished_at in rows:
        begin = started_at or called_at
        seconds = (as_utc(finished_at) - as_utc(begin)).total_seconds() if begin and finished_at else None
        acc.setdefault(counter_id, [])
        if seconds is not None and seconds >= 0:
            acc[counter_id].append(seconds)
    served: dict[int, int] = {}
    for counter_id, *_ in rows:
        served[counter_id] = served.get(counter_id, 0) + 1
    return {cid: {"served_today": served[cid],
                  "mean_service_s": round(sum(xs) / len(xs)) if xs else None} for cid, xs in acc.items()}


def call_announcements(code: str, counter_number: int | None, counter_name: str | None) -> dict:
    """The spoken sentence in both languages (the display speaks the Indonesian one)."""
    out = {}
    for lang in ("id", "en"):
        try:
            out[lang] = announcement(code, counter_number, counter_name=counter_name, lang=lang)
        except ValueError:
            out[lang] = code
    return out


def call_parts(code: str, counter_number: int | None) -> list[str]:
    """The recorded clips that say the Indonesian sentence, in order (the display plays the chime first);
    empty when the code cannot be read out."""
    try:
        return announcement_parts(code, counter_number)
    except ValueError:
        return []


def _current_calls(session: Session, office: Office, day) -> dict[int, Ticket]:
    """counter id -> its ticket called or being served today (the latest call wins)."""
    return {t.counter_id: t for t in session.scalars(select(Ticket).where(
        Ticket.office_id == office.id, Ticket.service_day == day,
        Ticket.status.in_([st.Status.CALLED, st.Status.SERVING])).order_by(Ticket.called_at))}


def queue_overview(session: Session, office: Office, now: datetime) -> dict:
    """Waiting counts per service and the current call of every counter (the display's resync)."""
    day = office_day(now, office.timezone)
    return _overview(session, office, day, _current_calls(session, office, day))


def _overview(session: Session, office: Office, day, current: dict[int, Ticket]) -> dict:
    counts = dict(session.execute(
        select(Ticket.service_id, func.count(Ticket.id)).where(
            Ticket.office_id == office.id, Ticket.service_day == day,
            Ticket.status == st.Status.WAITING).group_by(Ticket.service_id)).all())
    services = [{
        "code": s.code, "prefix": s.prefix, "name": {"id": s.name_id, "en": s.name_en},
        "waiting": counts.get(s.id, 0), "active": s.active,
    } for s in office.services]
    counters = []
    for c in office.counters:
        t = current.get(c.id)
        counters.append({
            "id": c.id, "number": c.number, "name": c.name, "active": c.active,
            "services": [s.code for s in c.services],
            "break": break_info(c, office.timezone),
            "current": ({"code": t.code, "service": t.service.code, "status": t.status,
                         "called_at": t.called_at.isoformat() if t.called_at else None} if t else None),
        })
    recent = session.scalars(select(Ticket).where(
        Ticket.office_id == office.id, Ticket.service_day == day, Ticket.called_at.is_not(None),
        Ticket.counter_id.is_not(None)).order_by(Ticket.called_at.desc()).limit(6)).all()
    return {
        "office": office.code, "day": day.isoformat(), "services": services, "counters": counters,
        "recent_calls": [{"code": t.code, "service": t.service.code,
                          "counter": t.counter.number if t.counter else None,
                          "called_at": t.called_at.isoformat()} for t in recent],
    }


def office_board(session: Session, office: Office, now: datetime) -> dict:
    day = office_day(now, office.timezone)
    current = _current_calls(session, office, day)  # read once for both parts of the board
    board = _overview(session, office, day, current)
    stats = counter_stats(session, office, now)
    for c in board["counters"]:
        t = current.get(c["id"])
        if c["current"] is not None and t is not None:
            c["current"]["id"] = t.id
            c["current"]["priority"] = t.priority_group
        s = stats.get(c["id"], {"served_today": 0, "mean_service_s": None})
        c.update(s)
    board["waiting_total"] = sum(s["waiting"] for s in board["services"])
    board["at"] = as_utc(now).isoformat()
    return board
