"""How staff pages write numbers, dates and times: with Babel, in the page's locale; times in the office's own
zone. One place, so the pages never mix "3,3", "3.3" and "2026-12-08": counts are grouped ("12.345" in
Indonesian, "12,345" in English), dates are Babel's medium date ("8 Des 2026" / "Dec 8, 2026"), times 24-hour
with the zone ("08.00 WIB"), percentages Babel's. Registered as template filters by :func:`init_app`
(``qty``, ``num1``, ``pct``, ``signed``, ``day``, ``weekday``, ``moment``).
"""
from __future__ import annotations

from datetime import date, datetime

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask
from flask_babel import get_locale

from queue_service.domain.clock import local_time, zone_abbreviation


def locale() -> str:
    return str(get_locale() or "id")


def number(value, decimals: int = 0) -> str:
    """A grouped number; ``decimals`` fixed digits after the separator."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return babel_numbers.format_decimal(value if decimals else round(value), format=pattern, locale=locale())


def signed(value) -> str:
    """A ledger quantity with its sign: +200, -1."""
    return babel_numbers.format_decimal(value, format="+#,##0;-#,##0", locale=locale())


def percent(value) -> str:
    """0.97 -> "97%", 0.999 -> "99,9%" (Indonesian)."""
    if value is None:
        return "—"
    return babel_numbers.format_percent(value, format="#,##0.#%", locale=locale())


def _as_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def day(value) -> str:
    """A date (or its ISO text): Babel's medium date, "8 Des 2026" / "Dec 8, 2026"."""
    d = _as_date(value)
    return "—" if d is None else babel_dates.format_date(d, format="medium", locale=locale())


def short_day(value) -> str:
    """A date on a chart's axis: "1 Sep" / "Sep 1"."""
    return babel_dates.format_skeleton("MMMd", _as_date(value), locale=locale())


def weekday(value) -> str:
    """A row of the forecast table: "Sen, 5 Jan" / "Mon, Jan 5"."""
    return babel_dates.format_skeleton("MMMEd", _as_date(value), locale=locale())


def moment(value: datetime | None, office_or_zone) -> str:
    """A moment in the office's own zone (an office or a zone name), 24-hour: "5 Jan 2026 08.00 WIB" /
    "Jan 5, 2026 08:00 WIB"."""
    if value is None:
        return "—"
    timezone = office_or_zone if isinstance(office_or_zone, str) else office_or_zone.timezone
    local = local_time(value, timezone)
    return (f"{babel_dates.format_date(local.date(), format='medium', locale=locale())} "
            f"{babel_dates.format_skeleton('Hm', local, locale=locale())} {zone_abbreviation(timezone)}")


def init_app(app: Flask) -> None:
    for name, fn in {"qty": number, "num1": lambda v: number(v, 1), "pct": percent, "signed": signed,
                     "day": day, "weekday": weekday, "moment": moment}.items():
        app.add_template_filter(fn, name)
