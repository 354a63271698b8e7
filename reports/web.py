"""Wiring of the queue figures feature, and what its pages and API share: the period from the query string, the
office, Babel number formatting, the report sections other features add.

``init_app`` registers the manager pages (``reports.pages``), the JSON API (``reports.api``), and, through
``queue_service.hooks``, the rollup background job, the OpenAPI paths and the managers' start-page tile; the
``adminduk reports`` CLI group.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask, abort, current_app, make_response, render_template, request
from flask_babel import force_locale, format_decimal, format_percent, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _

from queue_service import hooks
from queue_service.domain.clock import office_day
from queue_service.models import Office
from queue_service.web.access import ensure_office, office_or_404
from queue_service.clock import now
from reports.build import MAX_DAYS, record_turned_away

DEFAULT_TARGET_MINUTES = 30


# --------------------------------------------------------------------------- settings and registries

def default_target_s() -> float:
    return float(current_app.config.get("REPORT_TARGET_WAIT_MINUTES", DEFAULT_TARGET_MINUTES)) * 60.0


def turned_away_sources() -> dict:
    """reason -> source of citizens turned away, registered by other features (``hooks.turned_away_sources``)."""
    return dict(hooks.current().turned_away_sources)


def office_counters() -> dict:
    """key -> other features' per-office numbers for the offices side by side (``hooks.office_counters``)."""
    return dict(hooks.current().office_counters)


# --------------------------------------------------------------------------- request helpers

def locale() -> str:
    return str(get_locale() or "id")


def office(code: str) -> Office:
    o = office_or_404(code)
    ensure_office(o)
    return o


def fail(message, status: int = 400):
    """Refuse the request with ``message`` (a lazy string): JSON in English under /api (the app's error shape,
    like the other API errors), else the friendly error page in the page's language with the message itself
    (the generic 400 page would not say what to fix)."""
    if request.path.startswith("/api/"):
        with force_locale("en"):
            abort(status, description=str(message))
    page = render_template("errors/error.html", status=status, title=_("Permintaan tidak dapat dipahami"),
                           message=str(message))
    abort(make_response(page, status))


def _day_arg(name: str, default: date | None) -> date | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if len(raw) != 10 or not raw.isascii() or raw[4] != "-" or raw[7] != "-":  # not "2026W01" nor "20260101"
        fail(_l("Tanggal '%(name)s' harus berformat TTTT-BB-HH, misalnya 2026-01-31.", name=name))
    try:
        d = date.fromisoformat(raw)
    except ValueError:
        fail(_l("Tanggal '%(name)s' harus berformat TTTT-BB-HH, misalnya 2026-01-31.", name=name))
    if not date(2000, 1, 1) <= d <= date(2100, 12, 31):
        fail(_l("Tanggal '%(name)s' di luar rentang 2000–2100.", name=name))
    return d


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    today: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def period(tz_name: str) -> Period:
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (office-local days, both included); default: this month so far."""
    today = office_day(now(), tz_name)
    end = _day_arg("to", today)
    start = _day_arg("from", end.replace(day=1))
    if end < start:
        fail(_l("Tanggal akhir tidak boleh sebelum tanggal awal."))
    if (end - start).days + 1 > MAX_DAYS:
        fail(_l("Rentang paling panjang %(n)s hari; pilih rentang yang lebih pendek.", n=MAX_DAYS))
    return Period(start, end, today)


def weekday_arg() -> int | None:
    raw = request.args.get("weekday")
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 7:  # "٣" is a digit to Python
        fail(_l("Hari harus angka 1 (Senin) sampai 7 (Minggu)."))
    return int(raw)


def month_arg(value: str) -> tuple[date, date]:
    """``YYYY-MM`` of the monthly report -> its first and last day."""
    from reports.figures import month_bounds

    try:
        y, m = value.split("-")
        if len(y) != 4 or len(m) != 2 or not (y + m).isascii() or not (y + m).isdigit():
            raise ValueError
        return month_bounds(int(y), int(m))
    except ValueError:
        fail(_l("Bulan harus berformat TTTT-BB, misalnya 2026-01."))


# --------------------------------------------------------------------------- formatting (Babel)

def fmt_num(v, digits: int = 0) -> str:
    if v is None:
        return "—"
    pattern = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    return format_decimal(v, format=pattern)


def fmt_min(seconds) -> str:
    """Minutes with one decimal (Babel: '12,5' in Indonesian, '12.5' in English)."""
    if seconds is None:
        return "—"
    return format_decimal(seconds / 60.0, format="#,##0.0")


def fmt_pct(share) -> str:
    if share is None:
        return "—"
    return format_percent(share, format="#,##0%")


WEEKDAYS = {1: "Senin", 2: "Selasa", 3: "Rabu", 4: "Kamis", 5: "Jumat", 6: "Sabtu", 7: "Minggu"}


def weekday_names() -> dict[int, str]:
    return {1: _("Senin"), 2: _("Selasa"), 3: _("Rabu"), 4: _("Kamis"), 5: _("Jumat"), 6: _("Sabtu"),
            7: _("Minggu")}


def weekday_short() -> dict[int, str]:
    return {1: _("Sen"), 2: _("Sel"), 3: _("Rab"), 4: _("Kam"), 5: _("Jum"), 6: _("Sab"), 7: _("Min")}


def shift_month(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, 1)


def last_month(today: date) -> str:
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


# --------------------------------------------------------------------------- wiring

def record_quota_refusal(session, office: Office, service, at) -> bool:
    """``hooks.TurnedAwayRecorder`` (order 90): a citizen refused at the quota that no earlier recorder counted
    (inventory counts those the blanks cause) is a "quota" refusal of the office's day."""
    record_turned_away(session, office_id=office.id, day=office_day(at, office.timezone), service_id=service.id,
                       reason="quota")
    return True


def init_app(app: Flask) -> None:
    from reports import api, cli, pages
    from reports.jobs import rollup_job

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    for name, fn in (("fig_num", fmt_num), ("fig_min", fmt_min), ("fig_pct", fmt_pct)):
        app.add_template_filter(fn, name)
    hooks.register_job(app, "report-rollup", float(app.config.get("REPORT_ROLLUP_EVERY_SECONDS", 300)), rollup_job)
    hooks.register_openapi(app, *api.openapi_fragment())
    hooks.register_turned_away_recorder(app, hooks.TurnedAwayRecorder("quota", 90, record_quota_refusal))
    hooks.register_nav_link(app, hooks.NavLink("figures", 25, "figures.overview", _l("Angka antrean"),
                                               roles=("manager",)))
    hooks.register_office_link(app, hooks.OfficeLink("figures", 10, "figures.office_page", _l("Angka antrean")))
    hooks.register_demo_links(app, lambda _app, base, _data: [("Queue figures", f"{base}/manager/figures")])
    app.cli.add_command(cli.reports)
