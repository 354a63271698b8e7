"""Manager pages of the queue figures: one office (``/manager/<code>/figures``), the offices side by side
(``/manager/figures``), the printable monthly report (``/manager/<code>/report/<YYYY-MM>``), the exports and the
target waits form. Charts are SVG drawn on the server (``reports.charts``), each with a table of its numbers.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from queue_service import hooks
from queue_service.domain.clock import local_time, zone_abbreviation
from queue_service.extensions import db
from queue_service.web.access import accessible_offices, principal, require
from queue_service.clock import now
from reports import build, charts, export
from reports import web as w
from reports.figures import exact_target, minutes

bp = Blueprint("figures", __name__, url_prefix="/manager")
MANAGER = ("manager",)


# --------------------------------------------------------------------------- view model

def _figures(office, p: w.Period, weekday: int | None = None) -> build.OfficeFigures:
    return build.office_figures(db.session, office, p.start, p.end, now=now(), default_target_s=w.default_target_s(),
                                locale=w.locale(), staffing_weekday=weekday,
                                turned_away_sources=w.turned_away_sources())


def chart_svgs(fig: build.OfficeFigures, prefix: str = "fig") -> dict[str, Markup]:
    """Every chart of the office figures, titled and described in the page's language."""
    short = w.weekday_short()
    target_min = fig.default_target_s / 60
    out = {
        "hour": charts.bar_chart(
            f"{prefix}-hour", [(f"{r.key:02d}", r.summary.issued) for r in fig.by_hour],
            title=_("Tiket per jam ambil"),
            desc=_("Batang: jumlah tiket yang diambil pada tiap jam (waktu setempat) selama periode.")),
        "day": charts.bar_chart(
            f"{prefix}-day", [(r.key.strftime("%d/%m"), r.summary.issued) for r in fig.by_day],
            title=_("Tiket per hari"), desc=_("Batang: jumlah tiket yang diambil per hari.")),
        "wait": charts.bar_chart(
            f"{prefix}-wait", [(f"{r.key:02d}", minutes(r.summary.wait_p90)) for r in fig.by_hour],
            title=_("Waktu tunggu P90 per jam ambil (menit)"), css="bar bar-wait",
            desc=_("Batang: 9 dari 10 warga yang mengambil tiket pada jam itu dipanggil dalam waktu ini. "
                   "Garis putus-putus: target bawaan."),
            target=target_min, target_label=_("target %(m)s menit", m=w.fmt_num(target_min))),
        "trend": charts.line_chart(
            f"{prefix}-trend", [r.key.strftime("%d/%m") for r in fig.by_week],
            [(_("P90"), "trend-p90", [minutes(r.summary.wait_p90) for r in fig.by_week]),
             (_("Rata-rata"), "trend-mean", [minutes(r.summary.wait_mean) for r in fig.by_week])],
            title=_("Tren mingguan waktu tunggu (menit)"),
            desc=_("Garis: waktu tunggu rata-rata dan P90 per minggu (tanggal = Senin minggu itu)."),
            target=target_min, target_label=_("target %(m)s menit", m=w.fmt_num(target_min))),
        "heatmap": charts.heatmap(
            f"{prefix}-heat", fig.heatmap, rows=[(d, short[d]) for d in fig.weekdays], hours=fig.hours,
            title=_("Rata-rata kedatangan per hari dan jam"),
            desc=_("Setiap kotak: rata-rata tiket yang diambil pada jam itu di hari buka tersebut; "
                   "makin gelap makin ramai.")),
        "staffing": charts.staffing_chart(
            f"{prefix}-staff", [(f"{a.hour:02d}", a.needed, a.open) for a in fig.staffing if a.arrivals > 0 or a.open],
            title=_("Loket yang dibutuhkan dan yang buka per jam"),
            desc=_("Batang: loket yang dibutuhkan agar 9 dari 10 warga dipanggil dalam target (Erlang C). "
                   "Kotak bergaris: rata-rata loket yang benar-benar bekerja."),
            needed_label=_("dibutuhkan"), open_label=_("buka")),
    }
    return {k: Markup(v) for k, v in out.items()}


def export_tables(fig: build.OfficeFigures) -> list[export.ExportTable]:
    """The figures as tables (exports, and the report's XLSX)."""
    def rows(items, key):
        return [[key(r), *export.summary_cells(r.summary)] for r in items]

    services = [[r.label, minutes(r.target_s), *export.summary_cells(r.summary),
                 *(fig.turned_away_by_service.get(r.key, {}).get(k, 0) for k in ("quota", "stock"))]
                for r in fig.by_service]
    tables = [
        ("ringkasan", export.summary_header(["kantor", "dari", "sampai"]),
         [[fig.office.code, fig.start, fig.end, *export.summary_cells(fig.summary)]]),
        ("per_layanan", [*export.summary_header(["layanan", "target_menit"]), "ditolak_kuota", "ditolak_stok"],
         services),
        ("per_jam", export.summary_header(["jam"]), rows(fig.by_hour, lambda r: r.label)),
        ("per_hari", export.summary_header(["tanggal"]), rows(fig.by_day, lambda r: r.key)),
        ("per_minggu", export.summary_header(["minggu_mulai"]), rows(fig.by_week, lambda r: r.key)),
        ("per_loket", export.summary_header(["loket"]), rows(fig.by_counter, lambda r: r.label)),
        ("per_petugas", export.summary_header(["petugas"]), rows(fig.by_clerk, lambda r: r.key or "")),
        ("kedatangan", ["hari_iso", "jam", "rata2_tiket"],
         [[d, h, round(v, 2)] for (d, h), v in sorted(fig.heatmap.items())]),
        ("kebutuhan_loket", ["jam", "kedatangan", "layanan_rata2_menit", "target_menit", "loket_dibutuhkan",
                             "loket_buka", "tunggu_p90_menit"],
         [[a.hour, round(a.arrivals, 2), minutes(a.mean_service_s), minutes(a.target_s), a.needed,
           None if a.open is None else round(a.open, 2), minutes(a.p90_wait_s)] for a in fig.staffing]),
    ]
    return tables


def _local_now(office) -> str:
    return f"{local_time(now(), office.timezone):%d-%m-%Y %H:%M} {zone_abbreviation(office.timezone)}"


# --------------------------------------------------------------------------- pages

@bp.get("/figures")
@require(roles=MANAGER)
def overview():
    offices = accessible_offices()
    if len(offices) == 1 and not principal().is_admin:
        return redirect(url_for("figures.office_page", code=offices[0].code))
    tz = offices[0].timezone if offices else "Asia/Jakarta"
    p = w.period(tz)
    rows = build.offices_side_by_side(db.session, offices, p.start, p.end, default_target_s=w.default_target_s(),
                                      turned_away_sources=w.turned_away_sources())
    svg = Markup(charts.bar_chart(
        "kab-p90", [(o.code, minutes(s.wait_p90)) for o, s, _ in rows], title=_("Waktu tunggu P90 per kantor (menit)"),
        desc=_("Batang: waktu tunggu P90 tiap kantor selama periode."), css="bar bar-wait"))
    columns, extra = build.office_counters(db.session, [o.id for o, _, _ in rows], p.start, p.end,
                                           w.office_counters())
    labels = hooks.current().office_counter_labels
    headings = {(key, name): labels.get(key, {}).get(name, name) for key, name in columns}
    return render_template("reports/overview.html", rows=rows, period=p, svg=svg, columns=columns, extra=extra,
                           headings=headings)


@bp.get("/<code>/figures")
@require(roles=MANAGER)
def office_page(code: str):
    office = w.office(code)
    p = w.period(office.timezone)
    fig = _figures(office, p, w.weekday_arg())
    return render_template("reports/office.html", office=office, fig=fig, period=p, svg=chart_svgs(fig),
                           weekdays=w.weekday_names(), sections=_sections("figures", office, p, fig),
                           report_month=w.last_month(p.today), generated=_local_now(office),
                           is_admin=principal().is_admin)


@bp.get("/<code>/figures.<fmt>")
@require(roles=MANAGER)
def office_export(code: str, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    office = w.office(code)
    p = w.period(office.timezone)
    fig = _figures(office, p, w.weekday_arg())
    tables = export_tables(fig)
    for section, data, _ctx in _sections("figures", office, p, fig):
        if section.export is not None:
            tables += section.export(data)
    name = f"angka-antrean-{office.code}-{p.start:%Y%m%d}-{p.end:%Y%m%d}"
    if fmt == "csv":
        resp = make_response(export.to_csv(tables))
        resp.mimetype = "text/csv"
        resp.charset = "utf-8"
    else:
        resp = make_response(export.to_xlsx(tables, title=f"{office.name} {p.start} – {p.end}"))
        resp.mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return resp


@bp.get("/<code>/report/<month>")
@require(roles=MANAGER)
def monthly_report(code: str, month: str):
    office = w.office(code)
    start, end = w.month_arg(month)
    p = w.Period(start, end, w.period(office.timezone).today)
    fig = _figures(office, p)
    return render_template("reports/monthly.html", office=office, fig=fig, period=p, month=month,
                           svg=chart_svgs(fig, "rep"), weekdays=w.weekday_names(),
                           sections=_sections("report", office, p, fig), generated=_local_now(office),
                           prev_month=w.shift_month(start, -1).strftime("%Y-%m"),
                           next_month=w.shift_month(start, 1).strftime("%Y-%m"))


@bp.route("/<code>/figures/targets", methods=["GET", "POST"])
@require(roles=MANAGER)
def targets(code: str):
    office = w.office(code)
    services = list(office.services)
    own = build.own_targets(db.session, services)
    errors: dict[int, str] = {}
    values = {s.id: ("" if own.get(s.id) is None else str(own[s.id] // 60)) for s in services}
    if request.method == "POST":
        wanted: dict[int, int | None] = {}
        for s in services:
            raw = (request.form.get(f"target-{s.id}") or "").strip()
            values[s.id] = raw[:12]
            if raw == "":
                wanted[s.id] = None
            elif raw.isascii() and raw.isdigit() and 1 <= int(raw) <= build.MAX_TARGET_MINUTES:
                wanted[s.id] = int(raw)
            else:
                errors[s.id] = _("Isi bilangan bulat 1 sampai %(max)s menit, atau kosongkan.",
                                 max=build.MAX_TARGET_MINUTES)
        if not errors:
            changed = build.set_targets(db.session, office, wanted)
            db.session.commit()
            flash(_("Target waktu tunggu disimpan (%(n)s diubah).", n=changed))
            return redirect(url_for("figures.targets", code=office.code))
    status = 400 if errors else 200
    return render_template("reports/targets.html", office=office, services=services, values=values, errors=errors,
                           default_minutes=int(w.default_target_s() // 60), exact=exact_target,
                           max_minutes=build.MAX_TARGET_MINUTES), status


# --------------------------------------------------------------------------- sections of other features

def _sections(place: str, office, p: w.Period, fig: build.OfficeFigures) -> list[tuple]:
    """(section, data, context) for every report section registered for ``place``, in order; a failing section is
    shown as unavailable rather than breaking the report."""
    from flask import current_app

    from queue_service import hooks

    ctx = hooks.ReportContext(office=office, start=p.start, end=p.end, now=now(), locale=w.locale(),
                        served=dict(fig.served_by_service), served_total=fig.summary.served,
                        services=list(office.services))
    return [(section, section.build(db.session, ctx), ctx) for section in hooks.report_sections(current_app, place)]
