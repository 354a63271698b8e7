"""How the stock pages write what is theirs: days of cover, ledger units, charts' formats and stock alerts, in the
page's locale (numbers, dates and times: ``queue_service.web.formats``). Alerts are stored with their figures
(``StockAlert.detail``) and written here in the reader's language; the stored Indonesian ``message`` is the
fallback for alerts older than that.
"""
from __future__ import annotations

import json
import math

from babel import numbers as babel_numbers
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from inventory.chart import ChartFormat
from queue_service.web.formats import day, locale, number, percent, short_day

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
