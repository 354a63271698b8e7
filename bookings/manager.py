"""The manager's booking pages (managers of the office, and admins):

* ``/manager/<office>/bookings`` - services' booking settings, check-in rules, reminders and webhook;
* ``/manager/<office>/bookings/service/<code>`` - one service's slots, capacity, walk-in share, remote queue;
* ``/manager/<office>/bookings/texts`` - the message texts (Indonesian, with placeholders);
* ``/manager/<office>/calendar`` - closures and extra service days, cuti bersama;
* ``/manager/<office>/bookings/day?date=`` - the day's bookings with their check-in state, and ``.csv``.
"""
from __future__ import annotations

import csv
import io
import secrets
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from bookings import codes
from bookings import messages as msg
from bookings.context import clock, day_label, env
from bookings.forms import CalendarForm, OfficeRulesForm, ServiceSettingsForm, TextForm
from bookings.models import Booking, BookingOffice, BookingService, BookingText
from bookings.services import booking as booking_svc
from bookings.services.availability import office_settings
from bookings.slots import format_breaks, format_overrides, parse_breaks, parse_overrides, parse_time
from queue_service.domain.clock import office_day
from queue_service.domain.errors import NotFound
from queue_service.extensions import db
from queue_service.models import Office, Service
from queue_service.services import calendar as cal_svc
from queue_service.web.access import accessible_offices, ensure_office, office_or_404, principal, require
from queue_service.clock import now
from queue_service.web.helpers import commit_and_emit

bp = Blueprint("bookings_manager", __name__, url_prefix="/manager")

MANAGER = ("manager",)


def _office(code: str) -> Office:
    office = office_or_404(code)
    ensure_office(office)
    return office


def _status_names() -> dict:
    return {"booked": _("Terdaftar"), "checked_in": _("Sudah check-in"), "late": _("Terlambat (walk-in)"),
            "cancelled": _("Dibatalkan"), "no_show": _("Tidak datang")}


@bp.get("/bookings")
@require(roles=MANAGER)
def pick():
    """Which office? A manager of one office goes straight to its booking settings."""
    offices = accessible_offices()
    if len(offices) == 1 and not principal().is_admin:
        return redirect(url_for("bookings_manager.overview", office_code=offices[0].code))
    return render_template("bookings/manager/pick.html", offices=offices)


@bp.get("/<office_code>/bookings")
@require(roles=MANAGER)
def overview(office_code: str):
    office = _office(office_code)
    rows = []
    for s in sorted(office.services, key=lambda x: (x.sort_order, x.id)):
        rows.append((s, db.session.get(BookingService, s.id)))
    rules = office_settings(db.session, office)
    form = OfficeRulesForm(obj=rules, formdata=None)
    form.reminder_time.data = f"{rules.reminder_time:%H:%M}" if rules.reminder_time else "18:00"
    return render_template("bookings/manager/overview.html", office=office, rows=rows, form=form,
                           has_secret=bool(rules.webhook_secret))


@bp.route("/<office_code>/bookings/service/<service_code>", methods=["GET", "POST"])
@require(roles=MANAGER)
def service_settings(office_code: str, service_code: str):
    office = _office(office_code)
    service = db.session.scalar(select(Service).where(Service.office_id == office.id, Service.code == service_code))
    if service is None:
        abort(404, description="No such service in this office.")
    row = db.session.get(BookingService, service.id)
    form = ServiceSettingsForm()
    if request.method == "GET":
        source = row or BookingService(service_id=service.id, enabled=False, slot_minutes=60, capacity=20,
                                       walkin_share=0.3, min_days_ahead=0, max_days_ahead=14, cutoff_minutes=30,
                                       remote_enabled=False)
        for name in ("enabled", "slot_minutes", "capacity", "daily_cap", "min_days_ahead", "max_days_ahead",
                     "cutoff_minutes", "remote_enabled", "remote_daily_cap"):
            getattr(form, name).data = getattr(source, name)
        form.walkin_percent.data = round((source.walkin_share or 0) * 100)
        form.overrides.data = format_overrides(parse_overrides(source.overrides or ""))
        form.breaks.data = format_breaks(parse_breaks(source.breaks or ""))
        form.bookable_from.data = f"{source.bookable_from:%H:%M}" if source.bookable_from else ""
        form.bookable_until.data = f"{source.bookable_until:%H:%M}" if source.bookable_until else ""
    elif form.validate_on_submit():
        if row is None:
            row = BookingService(service_id=service.id, version=0)
            db.session.add(row)
        for name in ("enabled", "slot_minutes", "capacity", "daily_cap", "min_days_ahead", "max_days_ahead",
                     "cutoff_minutes", "remote_enabled", "remote_daily_cap"):
            setattr(row, name, getattr(form, name).data)
        row.walkin_share = form.walkin_percent.data / 100
        row.overrides = format_overrides(parse_overrides(form.overrides.data or ""))
        row.breaks = format_breaks(parse_breaks(form.breaks.data or ""))
        row.bookable_from = parse_time(form.bookable_from.data) if (form.bookable_from.data or "").strip() else None
        row.bookable_until = parse_time(form.bookable_until.data) if (form.bookable_until.data or "").strip() else None
        db.session.commit()
        flash(_("Pengaturan booking %(name)s tersimpan.", name=service.name_id))
        return redirect(url_for("bookings_manager.overview", office_code=office.code), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("bookings/manager/service.html", office=office, service=service, form=form), status


@bp.post("/<office_code>/bookings/rules")
@require(roles=MANAGER)
def save_rules(office_code: str):
    office = _office(office_code)
    form = OfficeRulesForm()
    rules = db.session.get(BookingOffice, office.id)
    if not form.validate_on_submit():
        rows = [(s, db.session.get(BookingService, s.id)) for s in office.services]
        return render_template("bookings/manager/overview.html", office=office, rows=rows, form=form,
                               has_secret=bool(rules and rules.webhook_secret)), 422
    if rules is None:
        rules = office_settings(db.session, office)
        db.session.add(rules)
    for name in ("early_minutes", "late_minutes", "late_policy", "queue_rule", "near_threshold",
                 "reminder_days_before"):
        setattr(rules, name, getattr(form, name).data)
    rules.reminder_time = parse_time(form.reminder_time.data)
    rules.webhook_url = (form.webhook_url.data or "").strip() or None
    secret = None
    if rules.webhook_url and (form.new_secret.data or not rules.webhook_secret):
        secret = rules.webhook_secret = secrets.token_urlsafe(32)
    db.session.commit()
    flash(_("Aturan check-in dan pengingat tersimpan."))
    if secret:
        flash(_("Kunci tanda tangan webhook baru (salin ke gateway sekarang; tidak ditampilkan lagi): %(s)s",
                s=secret))
    return redirect(url_for("bookings_manager.overview", office_code=office.code), 303)


@bp.route("/<office_code>/bookings/texts", methods=["GET", "POST"])
@require(roles=MANAGER)
def texts(office_code: str):
    office = _office(office_code)
    form = TextForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            rules = db.session.get(BookingOffice, office.id)
            if rules is None:
                rules = office_settings(db.session, office)
                db.session.add(rules)
                db.session.flush()
            row = db.session.scalar(select(BookingText).where(BookingText.office_id == office.id,
                                                              BookingText.kind == form.kind.data))
            if request.form.get("reset") == "1":
                if row is not None:
                    db.session.delete(row)
            elif row is None:
                db.session.add(BookingText(office_id=office.id, kind=form.kind.data, text=form.text.data.strip()))
            else:
                row.text = form.text.data.strip()
            db.session.commit()
            flash(_("Teks pesan tersimpan."))
            return redirect(url_for("bookings_manager.texts", office_code=office.code), 303)
        status = 422
    current = dict(db.session.execute(select(BookingText.kind, BookingText.text)
                                      .where(BookingText.office_id == office.id)).all())
    items = [{"kind": k, "text": current.get(k, msg.DEFAULT_TEXTS[k]), "custom": k in current,
              "placeholders": msg.PLACEHOLDERS[k]} for k in msg.KINDS]
    return render_template("bookings/manager/texts.html", office=office, items=items, form=form,
                           help=msg.PLACEHOLDER_HELP), status


@bp.route("/<office_code>/calendar", methods=["GET", "POST"])
@require(roles=MANAGER)
def calendar(office_code: str):
    office = _office(office_code)
    form = CalendarForm()
    status = 200
    today = office_day(now(), office.timezone)
    if request.method == "POST":
        if form.validate_on_submit():
            opening = form.open.data == "1"
            held = db.session.scalars(select(Booking).where(Booking.office_id == office.id,
                                                            Booking.day == form.day.data,
                                                            Booking.status == "booked")).all()
            if not opening and not (form.note.data or "").strip():
                form.note.errors.append(_("Tulis alasan tutup (dilihat warga)."))
            elif form.day.data < today:
                form.day.errors.append(_("Tanggal sudah lewat."))
            elif not opening and held and request.form.get("cancel_bookings") != "yes":
                form.day.errors.append(_("Ada %(n)s booking pada tanggal ini. Centang 'batalkan booking' untuk "
                                         "menutup dan memberi tahu mereka.", n=len(held)))
            else:
                cal_svc.set_entry(db.session, office, day=form.day.data, open=opening, note=form.note.data or "",
                                  now=now(), actor=principal().actor)
                events = []
                if not opening:
                    for b in held:
                        events.extend(booking_svc.cancel(db.session, booking=b, now=now(), env=env(),
                                                         actor="closure")[1])
                commit_and_emit(events)
                flash(_("Kalender tersimpan."))
                return redirect(url_for("bookings_manager.calendar", office_code=office.code), 303)
        status = 422
    entries = cal_svc.upcoming_entries(db.session, office, today)
    cal = cal_svc.office_calendar(db.session, office)
    return render_template("bookings/manager/calendar.html", office=office, form=form, entries=entries,
                           day_label=day_label, collective=cal.close_on_collective_leave), status


@bp.post("/<office_code>/calendar/<int:entry_id>/delete")
@require(roles=MANAGER)
def calendar_delete(office_code: str, entry_id: int):
    office = _office(office_code)
    try:
        cal_svc.remove_entry(db.session, office, entry_id)
    except NotFound:  # deleted meanwhile (another tab, another manager): the page says so, no error
        db.session.rollback()
        flash(_("Entri kalender itu sudah tidak ada."))
        return redirect(url_for("bookings_manager.calendar", office_code=office.code), 303)
    db.session.commit()
    flash(_("Entri kalender dihapus."))
    return redirect(url_for("bookings_manager.calendar", office_code=office.code), 303)


@bp.post("/<office_code>/calendar/cuti-bersama")
@require(roles=MANAGER)
def calendar_collective(office_code: str):
    office = _office(office_code)
    cal_svc.set_collective_leave(db.session, office, request.form.get("closed") == "yes")
    db.session.commit()
    flash(_("Kalender tersimpan."))
    return redirect(url_for("bookings_manager.calendar", office_code=office.code), 303)


def _day_param(office: Office) -> date:
    text = request.args.get("date", "")
    if not text:
        return office_day(now(), office.timezone)
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(400, description="Give the date as YYYY-MM-DD.")


def _day_rows(office: Office, day: date) -> list[dict]:
    names = _status_names()
    rows = []
    for b in db.session.scalars(select(Booking).where(Booking.office_id == office.id, Booking.day == day)
                                .order_by(Booking.slot_start, Booking.place, Booking.id)):
        rows.append({"code": codes.display(b.code), "service": b.service.code, "slot": b.slot_key,
                     "status": b.status, "status_text": names.get(b.status, b.status),
                     "checked_in": clock(b.checked_in_at, office.timezone) if b.checked_in_at else "",
                     "ticket": b.ticket.code if b.ticket else "", "via": b.created_via,
                     "reminder": bool(b.phone)})
    return rows


@bp.get("/<office_code>/bookings/day")
@require(roles=MANAGER)
def day(office_code: str):
    office = _office(office_code)
    the_day = _day_param(office)
    rows = _day_rows(office, the_day)
    counts = dict(db.session.execute(select(Booking.status, func.count(Booking.id)).where(
        Booking.office_id == office.id, Booking.day == the_day).group_by(Booking.status)).all())
    return render_template("bookings/manager/day.html", office=office, day=the_day, day_text=day_label(the_day),
                           rows=rows, counts=counts, names=_status_names())


@bp.get("/<office_code>/bookings/day.csv")
@require(roles=MANAGER)
def day_csv(office_code: str):
    office = _office(office_code)
    the_day = _day_param(office)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "code", "service", "slot", "status", "checked_in", "ticket", "via"])
    for r in _day_rows(office, the_day):
        writer.writerow([_cell(v) for v in (the_day.isoformat(), r["code"], r["service"], r["slot"], r["status"],
                                             r["checked_in"], r["ticket"], r["via"])])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=bookings-{office.code}-{the_day.isoformat()}.csv"})


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
