"""The manager's stock pages (``/manager``): the dashboard of every office, an office's stock with forecast
charts, alerts and recent movements, the ledger with its CSV export, and the stock forms."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import func, select

from inventory import chart, display
from inventory.alerts import acknowledge_alert
from inventory.context import refresh, stock_office, webhook_default
from inventory.forms import FORMS
from inventory.ledger import (
    DEFAULT_ITEM,
    InsufficientStock,
    MovementInput,
    add_expected_delivery,
    items_of,
    ledger_query,
    movement_json,
    pending_deliveries,
    record_movement,
)
from inventory.models import MOVEMENT_KINDS, StockAlert, StockDay, StockItem
from inventory.receipts import DuplicateReceipt
from inventory.recompute import history_for, recompute_items, stock_summary
from inventory.risk import Risk
from queue_service.clock import now
from queue_service.domain.clock import local_time, office_day, zone_abbreviation
from queue_service.domain.errors import DomainError
from queue_service.extensions import db
from queue_service.models import Office
from queue_service.services.forms import use_form_nonce
from queue_service.web.access import accessible_offices, principal, require
from queue_service.web.formats import day, locale, moment, number
from queue_service.web.forms import apply_error
from queue_service.web.helpers import commit_and_emit, query_int

bp = Blueprint("manager", __name__, url_prefix="/manager")

MANAGER = ("manager",)

KIND_LABELS = {
    "receipt": _l("Penerimaan"), "consumption": _l("Pemakaian"), "spoilage": _l("Rusak"),
    "transfer_out": _l("Transfer keluar"), "transfer_in": _l("Transfer masuk"),
    "adjustment": _l("Penyesuaian (stok opname)"),
}
RISK_LABELS = {"ok": _l("Aman"), "warning": _l("Waspada"), "critical": _l("Kritis"), "unknown": _l("Belum ada data")}
ALERT_STATUS_LABELS = {"open": _l("Baru"), "acknowledged": _l("Sudah dibaca"), "resolved": _l("Selesai")}


def _csv_time(at, office: Office) -> str:
    """In the CSV export: one fixed form whatever the page's language (as it always was)."""
    if at is None:
        return ""
    return f"{local_time(at, office.timezone):%d-%m-%Y %H:%M} {zone_abbreviation(office.timezone)}"


def _chart_labels() -> dict:
    return {
        "today": _("Hari ini"), "censored": _("stok habis: permintaan tidak teramati"),
        "demand_title": _("Pemakaian harian 90 hari terakhir dan perkiraan 30 hari"),
        "demand_desc": _("Batang: pemakaian per hari. Garis: perkiraan rata-rata. Pita: rentang perkiraan 90%."),
        "stock_title": _("Stok dan proyeksinya"),
        "stock_desc": _("Garis tebal: stok akhir hari. Garis putus-putus: proyeksi stok dengan kiriman yang "
                        "ditunggu. Titik merah: perkiraan stok habis."),
        "reorder_point": _("Titik pesan ulang"), "delivery": _("Kiriman"), "stockout": _("Habis"),
    }


def _item_view(office: Office, item: StockItem, risk: Risk, today: date) -> dict:
    history, closed = history_for(db.session, item, today, days=90)
    past = {d: v for d, v in history.items() if d >= today - timedelta(days=90)}
    deliveries = [(d.expected_date, d.quantity) for d in pending_deliveries(db.session, office, item)]
    closing = dict(db.session.execute(select(StockDay.day, StockDay.closing).where(
        StockDay.item_id == item.id, StockDay.day >= today - timedelta(days=90))).all())
    past_stock, last = {}, None
    d = today - timedelta(days=90)
    while d < today:
        if closing.get(d) is not None:
            last = closing[d]
        if last is not None:
            past_stock[d] = last
        d += timedelta(days=1)
    view = {"item": item, "risk": risk, "risk_label": RISK_LABELS.get(risk.status, risk.status),
            "cover": display.days(risk.days_of_cover), "deliveries": deliveries, "table": [],
            "demand_svg": None, "stock_svg": None}
    fc = risk.forecast
    labels = _chart_labels()
    if fc is not None:
        n = min(30, fc.horizon)
        dates, mean, lower, upper = fc.dates[:n], fc.mean[:n], fc.lower[:n], fc.upper[:n]
        fmt = display.chart_format()
        view["demand_svg"] = Markup(chart.demand_chart(
            f"dem-{item.code.lower()}", today=today, past=past, closed=closed, dates=dates, mean=mean,
            lower=lower, upper=upper, labels=labels, fmt=fmt))
        proj = chart.projection(today, risk.start_stock, dates, mean, deliveries)
        view["stock_svg"] = Markup(chart.stock_chart(
            f"stk-{item.code.lower()}", today=today, past_stock=past_stock, projection=proj,
            stockout=risk.stockout_date, deliveries=deliveries, reorder_point=risk.reorder_point, labels=labels,
            fmt=fmt))
        view["table"] = [(d, float(m), float(lo), float(u), p) for d, m, lo, u, (_d, p)
                         in zip(dates, mean, lower, upper, proj)]
    return view


def _choices_items(office: Office):
    return [(i.code, i.name(locale())) for i in items_of(db.session, office)]


@bp.get("")
@bp.get("/")
@require(roles=MANAGER)
def dashboard():
    offices = accessible_offices()
    if len(offices) == 1 and not principal().is_admin:
        return office_page(offices[0].code)
    t = now()
    rows = []
    for office in offices:
        refresh(office)
        summary = {s["item"]: s for s in stock_summary(db.session, office)}
        main = summary.get(DEFAULT_ITEM, {})
        alerts = db.session.scalar(select(func.count(StockAlert.id)).where(
            StockAlert.office_id == office.id, StockAlert.status == "open")) or 0
        rows.append({"office": office, "main": main, "open_alerts": alerts,
                     "cover": main.get("days_of_cover"), "risk_label": RISK_LABELS.get(main.get("risk"), "")})
    rows.sort(key=lambda r: (r["cover"] is None, r["cover"] if r["cover"] is not None else 0, r["office"].code))
    return render_template("manager/overview.html", rows=rows, today=t, fmt_cover=display.days)


@bp.get("/<code>")
@require(roles=MANAGER)
def office_page(code: str):
    office = stock_office(code)
    risks = refresh(office)
    today = office_day(now(), office.timezone)
    views = [_item_view(office, item, risks[item.code], today) for item in items_of(db.session, office)]
    alerts = list(db.session.scalars(select(StockAlert).where(
        StockAlert.office_id == office.id, StockAlert.status != "resolved").order_by(StockAlert.id.desc())))
    deliveries = pending_deliveries(db.session, office)
    recent = list(db.session.scalars(ledger_query(office).limit(10)))
    return render_template("manager/dashboard.html", office=office, views=views, alerts=alerts,
                           deliveries=deliveries, recent=recent, today=today, kind_labels=KIND_LABELS,
                           alert_labels=ALERT_STATUS_LABELS, local=lambda m: moment(m, office),
                           is_admin=principal().is_admin)


@bp.post("/<code>/alerts/<int:alert_id>/acknowledge")
@require(roles=MANAGER)
def acknowledge(code: str, alert_id: int):
    office = stock_office(code)
    alert = db.session.get(StockAlert, alert_id)
    if alert is None or alert.office_id != office.id:
        abort(404)
    try:
        events = acknowledge_alert(db.session, alert=alert, now=now(), actor=principal().actor)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message)
        return redirect(url_for("manager.office_page", code=code) + "#alerts")
    commit_and_emit(events)
    flash(_("Peringatan ditandai sudah dibaca."))
    return redirect(url_for("manager.office_page", code=code) + "#alerts")


def _ledger_filters(office: Office):
    args = request.args
    item = None
    if args.get("item"):
        item = db.session.scalar(select(StockItem).where(StockItem.office_id == office.id,
                                                         StockItem.code == args["item"]))
        if item is None:
            abort(400, description=_("Barang tidak dikenal."))
    kind = args.get("kind") or None
    if kind and kind not in MOVEMENT_KINDS:
        abort(400, description=_("Jenis mutasi tidak dikenal."))
    dates = []
    for name in ("from", "to"):
        value = args.get(name) or None
        if value:
            try:
                value = date.fromisoformat(value)
            except ValueError:
                abort(400, description=_("Tanggal harus berformat TTTT-BB-HH."))
        dates.append(value)
    return item, kind, dates[0], dates[1]


@bp.get("/<code>/ledger")
@require(roles=MANAGER)
def ledger(code: str):
    office = stock_office(code)
    item, kind, start, end = _ledger_filters(office)
    page = query_int("page", 1, maximum=100000)
    q = ledger_query(office, item=item, kind=kind, start=start, end=end)
    rows = list(db.session.scalars(q.limit(101).offset((page - 1) * 100)))
    return render_template("inventory/ledger.html", office=office, rows=rows[:100], more=len(rows) > 100,
                           page=page, items=items_of(db.session, office), kind_labels=KIND_LABELS,
                           f_item=item.code if item else "", f_kind=kind or "", f_from=start, f_to=end,
                           local=lambda m: moment(m, office), args=request.args)


@bp.get("/<code>/ledger.csv")
@require(roles=MANAGER)
def ledger_csv(code: str):
    office = stock_office(code)
    item, kind, start, end = _ledger_filters(office)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["id", "waktu", "tanggal", "barang", "jenis", "jumlah", "saldo", "asal", "no_dokumen",
                "tgl_dokumen", "tiket", "alasan", "petugas", "transfer_id", "kantor_lawan"])
    for mv in db.session.scalars(ledger_query(office, item=item, kind=kind, start=start, end=end)):
        j = movement_json(mv)
        w.writerow([mv.id, _csv_time(mv.at, office), j["day"], j["item"], mv.kind, mv.quantity, mv.balance_after,
                    mv.source, mv.document_no, j["document_date"] or "", j["ticket"] or "", mv.reason, mv.actor,
                    mv.transfer_id or "", j["counterpart_office"] or ""])
    resp = make_response(out.getvalue())
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    day = office_day(now(), office.timezone)  # the office's own day, not the server's (nor UTC)
    resp.headers["Content-Disposition"] = f'attachment; filename="stok-{office.code}-{day:%Y%m%d}.csv"'
    return resp


def _apply_error(form: FlaskForm, exc: DomainError) -> None:
    message = None
    if isinstance(exc, InsufficientStock):
        d = exc.details
        message = _("Stok tidak cukup: sisa %(have)s, dibutuhkan %(need)s. Tidak ada yang dicatat.",
                    have=d.get("balance"), need=d.get("needed"))
    apply_error(form, exc, message=message, field_map={"to_office": "other_office", "from_office": "other_office"})


def _input_for(kind: str, form: FlaskForm, office: Office) -> tuple[str, object]:
    if kind == "receipt":
        return "move", MovementInput(kind="receipt", item=form.item.data, quantity=form.quantity.data,
                                         source=form.source.data, document_no=form.document_no.data or "",
                                         document_date=form.document_date.data,
                                         delivery_id=form.delivery_id.data or None)
    if kind == "transfer":
        if form.direction.data == "in":
            return "move", MovementInput(kind="transfer_in", item=form.item.data, quantity=form.quantity.data,
                                             from_office=form.other_office.data, reason=form.reason.data or "")
        return "move", MovementInput(kind="transfer_out", item=form.item.data, quantity=form.quantity.data,
                                         to_office=form.other_office.data, reason=form.reason.data or "")
    if kind == "count":
        return "move", MovementInput(kind="adjustment", item=form.item.data, counted=form.counted.data,
                                         reason=form.reason.data)
    if kind == "spoilage":
        return "move", MovementInput(kind="spoilage", item=form.item.data, quantity=form.quantity.data,
                                         reason=form.reason.data)
    return "delivery", None


@bp.route("/<code>/stock/<kind>", methods=["GET", "POST"])
@require(roles=MANAGER)
def stock_form(code: str, kind: str):
    office = stock_office(code)
    if kind not in FORMS:
        abort(404)
    form_cls, title = FORMS[kind]
    form = form_cls()
    form.fresh_nonce()
    form.item.choices = _choices_items(office)
    if kind == "receipt":
        form.delivery_id.choices = [(0, _("— bukan kiriman yang dicatat —"))] + [
            (d.id, f"{day(d.expected_date)} · {d.item.name(locale())} · {number(d.quantity)}")
            for d in pending_deliveries(db.session, office)]
    if kind == "transfer":
        others = db.session.scalars(select(Office).where(Office.id != office.id).order_by(Office.code))
        form.other_office.choices = [(o.code, f"{o.code} — {o.name}") for o in others]
    if request.method == "GET" and request.args.get("item"):
        form.item.data = request.args["item"]
    if form.validate_on_submit():
        t, actor = now(), principal().actor
        try:
            if not use_form_nonce(db.session, form.nonce.data, t):  # the same form sent again
                db.session.rollback()
                flash(_("Formulir ini sudah terkirim sebelumnya; tidak dicatat dua kali."))
                return redirect(url_for("manager.office_page", code=office.code))
            action, data = _input_for(kind, form, office)
            if action == "move":
                movements, events = record_movement(db.session, office=office, data=data, now=t, actor=actor,
                                                        may_take_from=principal().can_access)
                touched = {(m.office_id, m.item_id) for m in movements}
            else:
                row = add_expected_delivery(
                    db.session, office=office, item_code=form.item.data, quantity=form.quantity.data,
                    expected_date=form.expected_date.data, now=t, source=form.source.data or "",
                    note=form.note.data or "", actor=actor)
                events, touched = [], {(office.id, row.item_id)}
            events.extend(recompute_items(db.session, [item_id for _office_id, item_id in touched], t,
                                          default_url=webhook_default()))
        except DuplicateReceipt as exc:
            db.session.rollback()
            if not exc.same:
                _apply_error(form, exc)
            else:  # the same delivery entered again: it is in the ledger once, say so
                flash(_("Dokumen %(document)s sudah tercatat; stok tidak ditambah lagi.",
                        document=exc.movement.document_no))
                return redirect(url_for("manager.office_page", code=office.code))
        except DomainError as exc:
            db.session.rollback()
            _apply_error(form, exc)
        else:
            commit_and_emit(events)
            flash(_("Tersimpan."))
            return redirect(url_for("manager.office_page", code=office.code))
    status = 422 if form.is_submitted() else 200
    balances = {s["item"]: s["balance"] for s in stock_summary(db.session, office)}
    return render_template("inventory/form.html", office=office, form=form, kind=kind, title=title,
                           balances=balances), status
