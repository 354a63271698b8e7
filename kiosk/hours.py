"""Is the office open now? Pure: the office's hours and days in its own time zone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from queue_service.domain.clock import local_time


@dataclass(frozen=True)
class Opening:
    is_open: bool
    #: "open" | "before_opening" | "after_closing" | "closed_day"
    reason: str
    opens_at: time
    closes_at: time


def opening(now: datetime, *, tz_name: str, opens_at: time, closes_at: time, open_days: str) -> Opening:
    """Open from ``opens_at`` (inclusive) to ``closes_at`` (exclusive) on ISO weekdays in ``open_days``."""
    local = local_time(now, tz_name)
    if str(local.isoweekday()) not in (open_days or ""):
        return Opening(False, "closed_day", opens_at, closes_at)
    t = local.time().replace(tzinfo=None)
    if t < opens_at:
        return Opening(False, "before_opening", opens_at, closes_at)
    if t >= closes_at:
        return Opening(False, "after_closing", opens_at, closes_at)
    return Opening(True, "open", opens_at, closes_at)


def office_opening(office, now: datetime) -> Opening:
    return opening(now, tz_name=office.timezone, opens_at=office.opens_at, closes_at=office.closes_at,
                   open_days=office.open_days)
