"""Is the office open now? Pure: the office's hours and days in its own time zone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from queue_service.domain.clock import local_time


@dataclass(frozen=True)
class Opening:
    is_open: bool
    #: "open" | "before_opening" | "after_closing" | "closed_day" | the office calendar's reason for a day it
    #: does not serve: "holiday" | "cuti_bersama" | "closure" (``queue_service.domain.calendar``)
    reason: str
    opens_at: time
    closes_at: time
    #: the holiday's name or the closure's note (calendar reasons only)
    name: str = ""


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


def office_opening(office, now: datetime, day_status=None) -> Opening:
    """``day_status``: the office calendar's word on today (``queue_service.services.calendar.today_status``);
    a national holiday, a cuti bersama the office closes on, or a closure entry closes the kiosk all day, and
    an entry that opens a day opens it in the usual hours."""
    if day_status is not None and not day_status.open and day_status.reason != "weekday":
        return Opening(False, day_status.reason, office.opens_at, office.closes_at, day_status.name)
    days = office.open_days
    if day_status is not None and day_status.open:
        days = "1234567"  # open today by the calendar (e.g. a Saturday service day): the hours still apply
    return opening(now, tz_name=office.timezone, opens_at=office.opens_at, closes_at=office.closes_at,
                   open_days=days)
