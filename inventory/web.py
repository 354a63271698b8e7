"""Inventory wiring and pages: the manager dashboard (``/manager``), stock forms, the ledger with
CSV export, and the JSON API under ``/api/v1/offices/<code>/stock...``.

``init_app`` registers: the finish hook (counters take stock off the ledger), the quota cap
(Pencetakan follows the blanks in stock), background jobs (risk recompute, webhook delivery),
the demo seeder, the ``adminduk stock`` CLI group and the OpenAPI paths.
"""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from wtforms import DateField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from inventory import chart, display
from inventory import services as inv
from inventory.models import MOVEMENT_KINDS, StockAlert, StockItem, StockMovement
from queue_service.db import SAFE_METHODS, is_lock_error, write_apart
from queue_service.domain.clock import local_time, office_day, zone_abbreviation
from queue_service.domain.errors import DomainError
from queue_service.extensions import db
from queue_service.models import Office, Service
from queue_service.web.access import accessible_offices, ensure_office, office_or_404, principal, require
from queue_service.services.forms import use_form_nonce
from queue_service.web.forms import OnceForm, WholeNumberField
from queue_service.web.helpers import commit_and_emit, field, json_body, now, query_int

bp = Blueprint("manager", __name__, url_prefix="/manager")
api = Blueprint("stock_api", __name__, url_prefix="/api/v1")

MANAGER = ("manager",)
STAFF = ("clerk", "manager")
REQUIRED = _l("Wajib diisi.")

#: messages the use cases return as ``msgid`` (translated when shown next to a field); listed
#: here so that the catalog extraction sees them
SERVICE_MESSAGES = (
    _l("Isi dengan bilangan bulat."), _l("Jumlah harus lebih dari 0."), _l("Jumlah paling banyak %(max)s."),
    _l("Isian tidak valid."), _l("Paling banyak %(max)s karakter."), _l("Jenis mutasi tidak dikenal."),
    _l("Kiriman yang ditunggu tidak ditemukan untuk barang ini."), _l("Kiriman itu sudah tidak ditunggu lagi."),
    _l("Tiket tidak ditemukan di kantor ini."), _l("Isi hasil hitung fisik dengan bilangan bulat 0 atau lebih."),
    _l("Kantor tujuan tidak ditemukan."), _l("Pilih kantor lain sebagai tujuan."), _l("Kantor asal tidak ditemukan."),
    _l("Isi tanggal yang valid."), _l("Tanggal perkiraan tiba tidak boleh di masa lalu."),
    _l("Tuliskan alasan kartu rusak."), _l("Peringatan ini sudah %(status)s."),
    _l("Tidak boleh berisi karakter kontrol (baris baru, tab, ESC dan sejenisnya)."),
    _l("Dokumen %(document)s sudah dicatat pada %(day)s (%(quantity)s diterima); tidak dicatat dua kali."),
    _l("Stok kantor %(source)s hanya bisa dipindahkan oleh kantor %(source)s sendiri (transfer keluar ke "
       "%(target)s); transfer itu langsung tercatat di kantor ini. Tidak ada yang dicatat."),
)

KIND_LABELS = {
    "receipt": _l("Penerimaan"), "consumption": _l("Pemakaian"), "spoilage": _l("Rusak"),
    "transfer_out": _l("Transfer keluar"), "transfer_in": _l("Transfer masuk"),
    "adjustment": _l("Penyesuaian (stok opname)"),
}
RISK_LABELS = {"ok": _l("Aman"), "warning": _l("Waspada"), "critical": _l("Kritis"), "unknown": _l("Belum ada data")}
ALERT_STATUS_LABELS = {"open": _l("Baru"), "acknowledged": _l("Sudah dibaca"), "resolved": _l("Selesai")}


# --------------------------------------------------------------------------- forms


class DayField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Isi tanggal dengan format TTTT-BB-HH.")) from None


def _positive():
    return [InputRequired(REQUIRED), NumberRange(min=1, max=inv.MAX_QUANTITY,
                                                 message=_l("Isi bilangan bulat 1 atau lebih."))]


class ReceiptForm(OnceForm, FlaskForm):
    item = SelectField(_l("Barang"))
    quantity = WholeNumberField(_l("Jumlah diterima"), validators=_positive(),
                                description=_l("Dalam satuan buku stok (lembar; pita dan film: kartu)."))
    source = StringField(_l("Asal kiriman"), validators=[DataRequired(REQUIRED), Length(max=120)],
                         description=_l("Contoh: Ditjen Dukcapil, Dinas Dukcapil Provinsi."))
    document_no = StringField(_l("Nomor dokumen (BAST)"), validators=[Length(max=60)])
    document_date = DayField(_l("Tanggal dokumen"), validators=[Optional()])
    delivery_id = SelectField(_l("Kiriman yang ditunggu"), coerce=int, default=0,
                              description=_l("Pilih bila penerimaan ini adalah kiriman yang sudah dicatat."))


class TransferForm(OnceForm, FlaskForm):
    direction = RadioField(_l("Arah"), choices=[("out", _l("Keluar ke kantor lain")),
                                                ("in", _l("Masuk dari kantor lain (pinjaman)"))], default="out")
    item = SelectField(_l("Barang"))
    other_office = SelectField(_l("Kantor lain"))
    quantity = WholeNumberField(_l("Jumlah"), validators=_positive())
    reason = StringField(_l("Keterangan"), validators=[Length(max=200)])


class CountForm(OnceForm, FlaskForm):
    item = SelectField(_l("Barang"))
    counted = WholeNumberField(_l("Hasil hitung fisik"), validators=[
        InputRequired(REQUIRED), NumberRange(min=0, max=inv.MAX_QUANTITY, message=_l("Isi bilangan bulat 0 atau lebih."))])
    reason = StringField(_l("Alasan / berita acara"), validators=[DataRequired(REQUIRED), Length(max=200)])


class SpoilageForm(OnceForm, FlaskForm):
    item = SelectField(_l("Barang"))
    quantity = WholeNumberField(_l("Jumlah rusak"), validators=_positive())
    reason = StringField(_l("Alasan rusak"), validators=[DataRequired(REQUIRED), Length(max=200)])


class DeliveryForm(OnceForm, FlaskForm):
    item = SelectField(_l("Barang"))
    quantity = WholeNumberField(_l("Jumlah"), validators=_positive())
    expected_date = DayField(_l("Perkiraan tiba"), validators=[InputRequired(REQUIRED)])
    source = StringField(_l("Asal kiriman"), validators=[Length(max=120)])
    note = StringField(_l("Catatan"), validators=[Length(max=200)])


FORMS = {
    "receipt": (ReceiptForm, _l("Catat penerimaan")),
    "transfer": (TransferForm, _l("Catat transfer antar kantor")),
    "count": (CountForm, _l("Catat stok opname")),
    "spoilage": (SpoilageForm, _l("Catat kartu rusak")),
    "delivery": (DeliveryForm, _l("Catat kiriman yang ditunggu")),
}


# --------------------------------------------------------------------------- helpers


def _office(code: str) -> Office:
    office = office_or_404(code)
    ensure_office(office)
    _ensure_items(office)
    return office


def _ensure_items(office: Office) -> None:
    """The standard items are created the first time an office's stock is looked at. A safe request reads in
    a deferred transaction on SQLite, so it creates them in a short write transaction of its own, then ends
    its read transaction to see them."""
    if request.method not in SAFE_METHODS:
        return  # created in the request's own write transaction (inv.items_of)
    have = set(db.session.scalars(select(StockItem.code).where(StockItem.office_id == office.id)))
    if all(item[0] in have for item in inv.DEFAULT_ITEMS):
        return
    office_id = office.id
    try:
        write_apart(db.engine, lambda session: inv.ensure_items(session, session.get(Office, office_id)))
    except OperationalError as exc:
        if not is_lock_error(exc):
            raise
    db.session.commit()  # a new read transaction sees the items


def _locale() -> str:
    return str(get_locale() or "id")


def _local(moment, office: Office) -> str:
    """On the pages: Babel's date and a 24-hour time in the office's zone, in the page's locale."""
    return display.moment(moment, office.timezone)


def _csv_time(moment, office: Office) -> str:
    """In the CSV export: one fixed form whatever the page's language (as it always was)."""
    if moment is None:
        return ""
    return f"{local_time(moment, office.timezone):%d-%m-%Y %H:%M} {zone_abbreviation(office.timezone)}"


def _webhook_default() -> str | None:
    return current_app.config.get("STOCK_WEBHOOK_URL")


def _refresh(office: Office) -> dict[str, inv.Risk]:
    """Fresh risk for every item: items with a movement since (or from an earlier day) are
    recomputed and stored (alerts move along, pushed after commit); the rest only assessed."""
    t = now()
    _ensure_items(office)
    try:
        due = set(inv.due_for_recompute(db.session, t))
        out, events = {}, []
        for item in inv.items_of(db.session, office):
            if item.id in due:
                risk, ev = inv.recompute_item(db.session, item, t, webhook_url=inv.webhook_url_for(
                    db.session, office, _webhook_default()))
                events.extend(ev)
            else:
                risk = inv.assess_item(db.session, item, t)
            out[item.code] = risk
        commit_and_emit([e for e in events if e.name != "stock_risk"])
    except OperationalError as exc:
        # a GET reads in a deferred transaction on SQLite: storing the figures fails when another request
        # writes at the same moment. Serve what is stored (assessed afresh); the stock-risk job recomputes.
        if not is_lock_error(exc):
            raise
        db.session.rollback()
        out = {item.code: inv.assess_item(db.session, item, t) for item in inv.items_of(db.session, office)}
    return out


def _fmt_cover(cover) -> str:
    return display.days(cover)


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


def _item_view(office: Office, item: StockItem, risk: inv.Risk, today: date) -> dict:
    history, closed = inv.history_for(db.session, item, today, days=90)
    past = {d: v for d, v in history.items() if d >= today - timedelta(days=90)}
    deliveries = [(d.expected_date, d.quantity) for d in inv.pending_deliveries(db.session, office, item)]
    closing = dict(db.session.execute(select(inv.StockDay.day, inv.StockDay.closing).where(
        inv.StockDay.item_id == item.id, inv.StockDay.day >= today - timedelta(days=90))).all())
    past_stock, last = {}, None
    d = today - timedelta(days=90)
    while d < today:
        if closing.get(d) is not None:
            last = closing[d]
        if last is not None:
            past_stock[d] = last
        d += timedelta(days=1)
    view = {"item": item, "risk": risk, "risk_label": RISK_LABELS.get(risk.status, risk.status),
            "cover": _fmt_cover(risk.days_of_cover), "deliveries": deliveries, "table": [],
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
    return [(i.code, i.name(_locale())) for i in inv.items_of(db.session, office)]


@bp.app_template_filter("qty")
def _qty(value):
    """A count with the page's grouping: 12.345 (Indonesian), 12,345 (English)."""
    return display.number(value)


# the other formats of the manager pages (inventory/display.py): one decimal, percent, date, signed, unit...
for _name, _fn in {"num1": lambda v: display.number(v, 1), "pct": display.percent, "day": display.day,
                   "weekday": display.weekday, "signed": display.signed, "unit": display.unit,
                   "cover": display.days, "alert_text": display.alert_text}.items():
    bp.add_app_template_filter(_fn, _name)


# --------------------------------------------------------------------------- pages


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
        _refresh(office)
        summary = {s["item"]: s for s in inv.stock_summary(db.session, office)}
        main = summary.get(inv.DEFAULT_ITEM, {})
        alerts = db.session.scalar(select(func.count(StockAlert.id)).where(
            StockAlert.office_id == office.id, StockAlert.status == "open")) or 0
        rows.append({"office": office, "main": main, "open_alerts": alerts,
                     "cover": main.get("days_of_cover"), "risk_label": RISK_LABELS.get(main.get("risk"), "")})
    rows.sort(key=lambda r: (r["cover"] is None, r["cover"] if r["cover"] is not None else 0, r["office"].code))
    return render_template("manager/overview.html", rows=rows, today=t, fmt_cover=_fmt_cover)


@bp.get("/<code>")
@require(roles=MANAGER)
def office_page(code: str):
    office = _office(code)
    risks = _refresh(office)
    today = office_day(now(), office.timezone)
    views = [_item_view(office, item, risks[item.code], today) for item in inv.items_of(db.session, office)]
    alerts = list(db.session.scalars(select(StockAlert).where(
        StockAlert.office_id == office.id, StockAlert.status != "resolved").order_by(StockAlert.id.desc())))
    deliveries = inv.pending_deliveries(db.session, office)
    recent = list(db.session.scalars(inv.ledger_query(office).limit(10)))
    return render_template("manager/dashboard.html", office=office, views=views, alerts=alerts,
                           deliveries=deliveries, recent=recent, today=today, kind_labels=KIND_LABELS,
                           alert_labels=ALERT_STATUS_LABELS, local=lambda m: _local(m, office),
                           is_admin=principal().is_admin)


@bp.post("/<code>/alerts/<int:alert_id>/acknowledge")
@require(roles=MANAGER)
def acknowledge(code: str, alert_id: int):
    office = _office(code)
    alert = db.session.get(StockAlert, alert_id)
    if alert is None or alert.office_id != office.id:
        abort(404)
    try:
        events = inv.acknowledge_alert(db.session, alert=alert, now=now(), actor=principal().actor)
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
    office = _office(code)
    item, kind, start, end = _ledger_filters(office)
    page = query_int("page", 1, maximum=100000)
    q = inv.ledger_query(office, item=item, kind=kind, start=start, end=end)
    rows = list(db.session.scalars(q.limit(101).offset((page - 1) * 100)))
    return render_template("inventory/ledger.html", office=office, rows=rows[:100], more=len(rows) > 100,
                           page=page, items=inv.items_of(db.session, office), kind_labels=KIND_LABELS,
                           f_item=item.code if item else "", f_kind=kind or "", f_from=start, f_to=end,
                           local=lambda m: _local(m, office), args=request.args)


@bp.get("/<code>/ledger.csv")
@require(roles=MANAGER)
def ledger_csv(code: str):
    office = _office(code)
    item, kind, start, end = _ledger_filters(office)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["id", "waktu", "tanggal", "barang", "jenis", "jumlah", "saldo", "asal", "no_dokumen",
                "tgl_dokumen", "tiket", "alasan", "petugas", "transfer_id", "kantor_lawan"])
    for mv in db.session.scalars(inv.ledger_query(office, item=item, kind=kind, start=start, end=end)):
        j = inv.movement_json(mv)
        w.writerow([mv.id, _csv_time(mv.at, office), j["day"], j["item"], mv.kind, mv.quantity, mv.balance_after,
                    mv.source, mv.document_no, j["document_date"] or "", j["ticket"] or "", mv.reason, mv.actor,
                    mv.transfer_id or "", j["counterpart_office"] or ""])
    resp = make_response(out.getvalue())
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    day = office_day(now(), office.timezone)  # the office's own day, not the server's (nor UTC)
    resp.headers["Content-Disposition"] = f'attachment; filename="stok-{office.code}-{day:%Y%m%d}.csv"'
    return resp


def _apply_error(form: FlaskForm, exc: DomainError) -> None:
    if isinstance(exc, inv.InsufficientStock):
        d = exc.details
        message = _("Stok tidak cukup: sisa %(have)s, dibutuhkan %(need)s. Tidak ada yang dicatat.",
                    have=d.get("balance"), need=d.get("needed"))
    else:
        msgid = exc.details.get("msgid")
        message = _(msgid, **(exc.details.get("params") or {})) if msgid else exc.message
    name = {"to_office": "other_office", "from_office": "other_office"}.get(exc.details.get("field"),
                                                                           exc.details.get("field"))
    target = form._fields.get(name) if name else None
    if target is None:
        form.form_errors.append(message)
    else:
        target.errors = [*target.errors, message]


def _input_for(kind: str, form: FlaskForm, office: Office) -> tuple[str, object]:
    if kind == "receipt":
        return "move", inv.MovementInput(kind="receipt", item=form.item.data, quantity=form.quantity.data,
                                         source=form.source.data, document_no=form.document_no.data or "",
                                         document_date=form.document_date.data,
                                         delivery_id=form.delivery_id.data or None)
    if kind == "transfer":
        if form.direction.data == "in":
            return "move", inv.MovementInput(kind="transfer_in", item=form.item.data, quantity=form.quantity.data,
                                             from_office=form.other_office.data, reason=form.reason.data or "")
        return "move", inv.MovementInput(kind="transfer_out", item=form.item.data, quantity=form.quantity.data,
                                         to_office=form.other_office.data, reason=form.reason.data or "")
    if kind == "count":
        return "move", inv.MovementInput(kind="adjustment", item=form.item.data, counted=form.counted.data,
                                         reason=form.reason.data)
    if kind == "spoilage":
        return "move", inv.MovementInput(kind="spoilage", item=form.item.data, quantity=form.quantity.data,
                                         reason=form.reason.data)
    return "delivery", None


@bp.route("/<code>/stock/<kind>", methods=["GET", "POST"])
@require(roles=MANAGER)
def stock_form(code: str, kind: str):
    office = _office(code)
    if kind not in FORMS:
        abort(404)
    form_cls, title = FORMS[kind]
    form = form_cls()
    form.fresh_nonce()
    form.item.choices = _choices_items(office)
    if kind == "receipt":
        form.delivery_id.choices = [(0, _("— bukan kiriman yang dicatat —"))] + [
            (d.id, f"{display.day(d.expected_date)} · {d.item.name(_locale())} · {display.number(d.quantity)}")
            for d in inv.pending_deliveries(db.session, office)]
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
                movements, events = inv.record_movement(db.session, office=office, data=data, now=t, actor=actor,
                                                        may_take_from=principal().can_access)
                touched = {(m.office_id, m.item_id) for m in movements}
            else:
                row = inv.add_expected_delivery(
                    db.session, office=office, item_code=form.item.data, quantity=form.quantity.data,
                    expected_date=form.expected_date.data, now=t, source=form.source.data or "",
                    note=form.note.data or "", actor=actor)
                events, touched = [], {(office.id, row.item_id)}
            for office_id, item_id in touched:
                item = db.session.get(StockItem, item_id)
                _risk, ev = inv.recompute_item(db.session, item, t, webhook_url=inv.webhook_url_for(
                    db.session, item.office, _webhook_default()))
                events.extend(e for e in ev if e.name != "stock_risk")
        except inv.DuplicateReceipt as exc:
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
    balances = {s["item"]: s["balance"] for s in inv.stock_summary(db.session, office)}
    return render_template("inventory/form.html", office=office, form=form, kind=kind, title=title,
                           balances=balances), status


# --------------------------------------------------------------------------- JSON API


def _api_office(code: str) -> Office:
    office = office_or_404(code)
    ensure_office(office)
    _ensure_items(office)
    return office


@api.get("/offices/<office_code>/stock")
@require(roles=STAFF)
def api_stock(office_code: str):
    office = _api_office(office_code)
    _refresh(office)
    return jsonify({"office": office.code, "day": office_day(now(), office.timezone).isoformat(),
                    "items": inv.stock_summary(db.session, office)})


def _date_field(data: dict, name: str) -> date | None:
    value = field(data, name, str, required=False, nullable=True, max_length=10)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400, description=f"Field '{name}' must be a date YYYY-MM-DD.")


@api.post("/offices/<office_code>/stock/movements")
@require(roles=MANAGER)
def api_movement(office_code: str):
    office = _api_office(office_code)
    data = json_body()
    kind = field(data, "kind", str, max_length=20)
    if kind not in (*inv.ENTERABLE, "transfer_in"):
        abort(400, description=f"Field 'kind' must be one of: {', '.join((*inv.ENTERABLE, 'transfer_in'))}.")
    entry = inv.MovementInput(
        kind=kind, item=field(data, "item", str, required=False, default=inv.DEFAULT_ITEM, max_length=32),
        quantity=field(data, "quantity", int, required=False, nullable=True),
        packs=field(data, "packs", int, required=False, nullable=True),
        counted=field(data, "counted", int, required=False, nullable=True),
        reason=field(data, "reason", str, required=False, default="", max_length=200),
        source=field(data, "source", str, required=False, default="", max_length=120),
        document_no=field(data, "document_no", str, required=False, default="", max_length=60),
        document_date=_date_field(data, "document_date"),
        to_office=field(data, "to_office", str, required=False, default="", max_length=16),
        from_office=field(data, "from_office", str, required=False, default="", max_length=16),
        ticket_id=field(data, "ticket_id", int, required=False, nullable=True, minimum=1),
        delivery_id=field(data, "delivery_id", int, required=False, nullable=True, minimum=1))
    t = now()
    try:
        movements, events = inv.record_movement(db.session, office=office, data=entry, now=t,
                                                actor=principal().actor, may_take_from=principal().can_access)
    except inv.DuplicateReceipt as exc:
        if not exc.same:
            raise  # 409 with the message: the person must look
        # the same document entered again (a retried script): the first booking's answer, nothing added
        db.session.rollback()
        first = db.session.get(StockMovement, exc.details["movement_id"])
        return jsonify({"movements": [inv.movement_json(first)], "duplicate": True,
                        "balance": inv.balance_of(db.session, first.item)}), 200
    for item_id in {m.item_id for m in movements}:
        item = db.session.get(StockItem, item_id)
        _r, ev = inv.recompute_item(db.session, item, t, webhook_url=inv.webhook_url_for(
            db.session, item.office, _webhook_default()))
        events.extend(e for e in ev if e.name != "stock_risk")
    db.session.flush()
    mine = next(m for m in movements if m.office_id == office.id)
    body = {"movements": [inv.movement_json(m) for m in movements], "balance": mine.balance_after}
    commit_and_emit(events)
    return jsonify(body), 201


@api.get("/offices/<office_code>/stock/forecast")
@require(roles=STAFF)
def api_forecast(office_code: str):
    office = _api_office(office_code)
    code = request.args.get("item", inv.DEFAULT_ITEM)
    raw = request.args.get("horizon", "30")
    if not raw.isdigit() or not 1 <= int(raw) <= 365:
        abort(400, description="Parameter 'horizon' must be a whole number from 1 to 365.")
    horizon = int(raw)
    item = inv.item_by_code(db.session, office, code)
    t = now()
    risk = inv.assess_item(db.session, item, t, horizon=horizon)
    fc = risk.forecast
    body = {"office": office.code, "item": item.code, "horizon": horizon, "risk": risk.as_dict(),
            "forecast": None}
    if fc is not None:
        n = horizon
        body["forecast"] = {
            "method": fc.method, "level": fc.level,
            "days": [{"date": d.isoformat(), "mean": round(float(m), 3), "lower": round(float(lo), 3),
                      "upper": round(float(u), 3), "closed": d in fc.closed}
                     for d, m, lo, u in zip(fc.dates[:n], fc.mean[:n], fc.lower[:n], fc.upper[:n])],
            "total": {"mean": round(float(fc.mean[:n].sum()), 2),
                      "p05": round(fc.lead_time_quantile(0.05, days=n), 2),
                      "p95": round(fc.lead_time_quantile(0.95, days=n), 2)},
        }
    return jsonify(body)


@api.get("/offices/<office_code>/alerts")
@require(roles=STAFF)
def api_alerts(office_code: str):
    office = _api_office(office_code)
    status = request.args.get("status", "active")
    q = select(StockAlert).where(StockAlert.office_id == office.id)
    if status == "active":
        q = q.where(StockAlert.status != "resolved")
    elif status in ("open", "acknowledged", "resolved"):
        q = q.where(StockAlert.status == status)
    elif status != "all":
        abort(400, description="Parameter 'status' must be active, open, acknowledged, resolved or all.")
    rows = db.session.scalars(q.order_by(StockAlert.id.desc()).limit(500))
    return jsonify({"office": office.code, "alerts": [inv.alert_payload(a) for a in rows]})


@api.post("/offices/<office_code>/alerts/<int(max=2147483647):alert_id>/acknowledge")
@require(roles=MANAGER)
def api_acknowledge(office_code: str, alert_id: int):
    office = _api_office(office_code)
    alert = db.session.get(StockAlert, alert_id)
    if alert is None or alert.office_id != office.id:
        abort(404, description=f"Alert {alert_id} does not exist in office {office.code}.")
    events = inv.acknowledge_alert(db.session, alert=alert, now=now(), actor=principal().actor)
    payload = inv.alert_payload(alert)
    commit_and_emit(events)
    return jsonify(payload)


@api.get("/offices/<office_code>/services/<service_code>/availability")
@require(roles=STAFF, devices=("kiosk",))
def api_availability(office_code: str, service_code: str):
    office = _api_office(office_code)
    service = db.session.scalar(select(Service).where(Service.office_id == office.id,
                                                      Service.code == service_code))
    if service is None:
        abort(404, description=f"Service {service_code!r} does not exist in office {office.code}.")
    policy = current_app.extensions["adminduk"]["policy"]
    return jsonify(inv.service_availability(db.session, service, office_day(now(), office.timezone),
                                            policy.quota_caps))


@api.post("/offices/<office_code>/stock/turned-away")
@require(roles=STAFF, devices=("kiosk",))
def api_turned_away(office_code: str):
    office = _api_office(office_code)
    data = json_body(required=False)
    code = field(data, "item", str, required=False, default=inv.DEFAULT_ITEM, max_length=32)
    count = field(data, "count", int, required=False, default=1, minimum=1, maximum=1000)
    inv.record_turned_away(db.session, office=office, item_code=code, count=count, now=now())
    db.session.commit()
    return "", 204


# --------------------------------------------------------------------------- wiring


def _openapi(app: Flask) -> None:
    from queue_service.web.openapi import SECURED, errors, office_param, register_paths

    def resp(desc, ref):
        return {"description": desc, "content": {"application/json": {"schema": {"$ref": ref}}}}

    item_q = {"name": "item", "in": "query", "schema": {"type": "string", "default": inv.DEFAULT_ITEM}}
    paths = {
        "/api/v1/offices/{office_code}/stock": {"get": {
            "summary": "Balances per item with days of cover, stock-out date, reorder point and risk",
            "security": SECURED, "parameters": [office_param()],
            "responses": {"200": resp("Stock of the office", "#/components/schemas/StockSummary"),
                          **errors(401, 403, 404)}}},
        "/api/v1/offices/{office_code}/stock/movements": {"post": {
            "summary": "Record one stock movement (same validation as the manager's forms)",
            "security": SECURED, "parameters": [office_param()],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/StockMovementInput"}}}},
            "description": "A transfer_in takes stock out of from_office, so only an admin or a manager of both "
                           "offices may enter it (403 otherwise: the sending office enters a transfer_out). A "
                           "receipt's document_no is booked once per office and item: the same receipt sent again "
                           "answers 200 with the first booking and duplicate=true, a different one 409.",
            "responses": {"201": resp("The recorded movement(s) (two for a transfer)",
                                      "#/components/schemas/StockMovementResult"),
                          "200": resp("The same receipt again: the first booking, nothing added (duplicate=true)",
                                      "#/components/schemas/StockMovementResult"),
                          **errors(400, 401, 403, 404, 409, 413, 415)}}},
        "/api/v1/offices/{office_code}/stock/forecast": {"get": {
            "summary": "Daily demand forecast with its interval, and the item's risk",
            "security": SECURED, "parameters": [office_param(), item_q, {
                "name": "horizon", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 365,
                                                             "default": 30}}],
            "responses": {"200": {"description": "Forecast"}, **errors(400, 401, 403, 404)}}},
        "/api/v1/offices/{office_code}/alerts": {"get": {
            "summary": "Stock alerts of the office", "security": SECURED, "parameters": [office_param(), {
                "name": "status", "in": "query", "schema": {
                    "type": "string", "enum": ["active", "open", "acknowledged", "resolved", "all"],
                    "default": "active"}}],
            "responses": {"200": {"description": "Alerts"}, **errors(400, 401, 403, 404)}}},
        "/api/v1/offices/{office_code}/alerts/{alert_id}/acknowledge": {"post": {
            "summary": "Acknowledge an open stock alert", "security": SECURED,
            "parameters": [office_param(), {"name": "alert_id", "in": "path", "required": True,
                                            "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "The alert"}, **errors(401, 403, 404, 409)}}},
        "/api/v1/offices/{office_code}/services/{service_code}/availability": {"get": {
            "summary": "Whether a service takes tickets today; 'Blangko habis' and the fallback (Suket)",
            "security": SECURED, "parameters": [office_param(), {
                "name": "service_code", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Availability"}, **errors(401, 403, 404)}}},
        "/api/v1/offices/{office_code}/stock/turned-away": {"post": {
            "summary": "Count citizens turned away for lack of stock (they are demand for the forecast)",
            "security": SECURED, "parameters": [office_param()],
            "requestBody": {"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"item": {"type": "string"},
                                                 "count": {"type": "integer", "minimum": 1, "maximum": 1000}}}}}},
            "responses": {"204": {"description": "Counted"}, **errors(400, 401, 403, 404)}}},
    }
    schemas = {
        "StockSummary": {"type": "object", "properties": {
            "office": {"type": "string"}, "day": {"type": "string", "format": "date"},
            "items": {"type": "array", "items": {"type": "object", "properties": {
                "item": {"type": "string"}, "balance": {"type": "integer"},
                "risk": {"type": "string", "enum": ["ok", "warning", "critical", "unknown"]},
                "days_of_cover": {"type": ["number", "null"]},
                "stockout_date": {"type": ["string", "null"], "format": "date"},
                "reorder_point": {"type": ["number", "null"]},
                "p_stockout_before_delivery": {"type": ["number", "null"]},
                "next_delivery": {"type": ["string", "null"], "format": "date"}}}}}},
        "StockMovementInput": {"type": "object", "required": ["kind"], "properties": {
            "kind": {"type": "string", "enum": [*inv.ENTERABLE, "transfer_in"]},
            "item": {"type": "string", "default": inv.DEFAULT_ITEM},
            "quantity": {"type": "integer", "minimum": 1}, "packs": {"type": "integer", "minimum": 1},
            "counted": {"type": "integer", "minimum": 0, "description": "adjustment: the physical count"},
            "reason": {"type": "string", "maxLength": 200}, "source": {"type": "string", "maxLength": 120},
            "document_no": {"type": "string", "maxLength": 60},
            "document_date": {"type": "string", "format": "date"},
            "to_office": {"type": "string"}, "from_office": {"type": "string"},
            "ticket_id": {"type": "integer", "minimum": 1, "maximum": 2147483647},
            "delivery_id": {"type": "integer", "minimum": 1, "maximum": 2147483647}}},
        "StockMovementResult": {"type": "object", "properties": {
            "movements": {"type": "array", "items": {"type": "object"}}, "balance": {"type": "integer"},
            "duplicate": {"type": "boolean"}}},
    }
    register_paths(app, paths, schemas)


def init_app(app: Flask) -> None:
    from inventory.alerts import risk_job, webhook_job
    from inventory.cli import stock
    from inventory.seed import seed_stock
    from queue_service.background import register_job

    state = app.extensions["adminduk"]
    policy = state["policy"]
    policy.quota_caps = [*policy.quota_caps, inv.stock_quota_cap]
    default_url = app.config.get("STOCK_WEBHOOK_URL")
    policy.finish_hooks.append(lambda session, ticket, t, data: inv.finish_hook(
        session, ticket, t, data, default_url=default_url))
    state.setdefault("seeders", []).append(seed_stock)
    app.register_blueprint(bp)
    app.register_blueprint(api)
    from inventory import settings_web
    app.register_blueprint(settings_web.bp)  # stock settings
    register_job(app, "stock-risk", float(app.config.get("STOCK_RISK_EVERY_SECONDS", 15)), risk_job)
    register_job(app, "stock-webhooks", float(app.config.get("STOCK_WEBHOOK_EVERY_SECONDS", 10)), webhook_job)
    app.cli.add_command(stock)
    _openapi(app)
