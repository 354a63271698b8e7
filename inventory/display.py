"""How the manager pages write numbers, dates, units and stock alerts: with Babel, in the page's locale.

One place, so the pages never mix "3,3 hari", "3.3 hari" and "2026-12-08": counts are grouped ("12.345" in
Indonesian, "12,345" in English), days of cover have one decimal, dates are Babel's medium date ("8 Des 2026" /
"Dec 8, 2026"), times are 24-hour in the office's own zone, percentages are Babel's. Alerts are stored with
their figures (``StockAlert.detail``) and written here in the reader's language; the stored Indonesian
``message`` is the fallback for alerts older than that.
"""
from __future__ import annotations

import json
import math
from datetime import date, datetime

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from inventory.chart import ChartFormat
from queue_service.domain.clock import local_time, zone_abbreviation

#: ledger units as people read them (stored in Indonesian on the item)
UNIT_LABELS = {"lembar": _l("lembar"), "kartu": _l("kartu"), "buah": _l("buah"), "rol": _l("rol")}

#: the alert sentences, by reason (the figures are filled in formatted)
ALERT_SENTENCES = {
    "out_of_stock": _l("%(item)s: stok habis."),
    "runs_out_before_delivery": _l("%(item)s: %(p)s kemungkinan habis sebelum kiriman %(delivery)s tiba "
                                   "(sisa %(balance)s, cukup untuk %(cover)s)."),
    "runs_out_within_lead_time": _l("%(item)s: diperkirakan habis dalam %(lead)s dan belum ada kiriman yang "
                                    "ditunggu (sisa %(balance)s)."),
    "below_reorder_point": _l("%(item)s: sisa %(balance)s, di bawah titik pesan ulang %(rop)s."),
}


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


def moment(value: datetime | None, timezone: str) -> str:
    """A moment in the office's own zone, 24-hour: "5 Jan 2026 08.00 WIB" / "Jan 5, 2026 08:00 WIB"."""
    if value is None:
        return "—"
    local = local_time(value, timezone)
    return (f"{babel_dates.format_date(local.date(), format='medium', locale=locale())} "
            f"{babel_dates.format_skeleton('Hm', local, locale=locale())} {zone_abbreviation(timezone)}")


def days(value) -> str:
    """Days of cover: "3,3 hari" / "3.3 days"; more than 30 as "> 30 hari"."""
    if value is None:
        return "—"
    if math.isinf(value):
        return _("> %(days)s hari", days=30)
    return _("%(days)s hari", days=number(value, 1))


def unit(value: str) -> str:
    label = UNIT_LABELS.get(value)
    return str(label) if label is not None else value


def chart_format() -> ChartFormat:
    return ChartFormat(day=short_day, long_day=day, number=lambda v: babel_numbers.format_decimal(
        v, format="#,##0.#", locale=locale()))


def alert_text(alert) -> str:
    """The alert's sentence in the page's language, from its stored figures (else its stored message)."""
    try:
        d = json.loads(alert.detail) if alert.detail else None
    except ValueError:
        d = None
    if not d or d.get("reason") not in ALERT_SENTENCES:
        return alert.message
    item = alert.item
    name = item.name(locale()) if hasattr(item, "name") else item.name_id
    balance = f"{number(d.get('balance'))} {unit(item.unit)}"
    lead = d.get("lead")
    return str(ALERT_SENTENCES[d["reason"]]) % {
        "item": name, "p": percent(d.get("p") or 0.0), "delivery": day(d.get("delivery")), "balance": balance,
        "cover": days(d.get("cover")), "lead": _("%(days)s hari", days=number(lead)) if lead is not None else "—",
        "rop": number(d.get("rop")),
    }
