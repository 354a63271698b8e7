"""Counter breaks: "Istirahat sampai 13:00" and "Kembali".

A break is not closing the counter: the clerk says when they will be back, the counter stays open, wait
estimates count it back from ``Counter.break_until`` (and an overdue break as ending soon), screens show it,
and the ``counter-away`` job leaves the counter open while its console is shut for the break. The break ends
with "Kembali", with the counter's next call (``tickets.call_next``), or when the counter is closed.

Every function takes the session and ``now`` and returns events; nothing here commits.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from queue_service.domain.clock import as_utc, local_time, zone
from queue_service.domain.errors import InvalidTransition, ValidationFailed
from queue_service.domain.events import Event
from queue_service.models import Counter
from queue_service.services.presence import break_info
from queue_service.services.tickets import current_ticket, queue_changed

__all__ = ["break_info", "check_until", "default_until", "end_break", "parse_until", "start_break"]

#: a break longer than this is not a break (close the counter instead)
MAX_BREAK = timedelta(hours=4)
#: the dialog's default: back in this long
DEFAULT_BREAK = timedelta(minutes=60)

_HHMM = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def parse_until(text: str, now: datetime, tz: str) -> datetime:
    """``"13:00"`` (or ``13.00``), office-local today -> aware UTC. A clear ``ValidationFailed`` when it is not a
    time, not after now, or further than ``MAX_BREAK`` away."""
    m = _HHMM.match((text or "").strip())
    if m is None:
        raise ValidationFailed("Give the end of the break as a time of day, e.g. 13:00.", field="until",
                               reason="format")
    local_now = local_time(now, tz)
    until = local_now.replace(hour=int(m.group(1)), minute=int(m.group(2)), second=0, microsecond=0)
    until = as_utc(until.replace(tzinfo=zone(tz)))
    return check_until(until, now)


def check_until(until: datetime, now: datetime) -> datetime:
    until, now = as_utc(until), as_utc(now)
    if until <= now:
        raise ValidationFailed("The end of the break must be later than now.", field="until", reason="past")
    if until - now > MAX_BREAK:
        raise ValidationFailed("A break may last at most 4 hours; close the counter instead.", field="until",
                               reason="too_long")
    return until


def default_until(now: datetime, tz: str) -> str:
    """The dialog's default end ("HH:MM", office-local): an hour from now, on the next five minutes."""
    t = local_time(as_utc(now) + DEFAULT_BREAK, tz)
    minutes = (t.hour * 60 + t.minute + 4) // 5 * 5
    if minutes >= 24 * 60:
        minutes = 23 * 60 + 55
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def start_break(session, *, counter: Counter, until: datetime, now: datetime) -> list[Event]:
    """The clerk goes on a break until ``until`` (aware). The counter must be free."""
    if not counter.active:
        raise InvalidTransition(f"Counter {counter.number} is closed.", reason="closed")
    until = check_until(until, now)
    current = current_ticket(session, counter)
    if current is not None:
        raise InvalidTransition(f"Finish ticket {current.code} before the break (or mark it no-show).",
                                reason="busy")
    counter.break_until = until
    counter.last_seen_at = now
    if counter.open_since is None:
        counter.open_since = now
    return [queue_changed(counter.office)]


def end_break(session, *, counter: Counter, now: datetime) -> list[Event]:
    """The clerk is back ("Kembali"): the counter is open from now. Nothing to do when it was not on a break."""
    was = counter.break_until is not None
    counter.break_until = None
    counter.last_seen_at = now
    if was or counter.open_since is None:
        counter.open_since = now  # back at the counter now (wait estimates take it as free from here)
    return [queue_changed(counter.office)] if was else []
