"""The manager's feedback pages (managers of the office, and admins; clerks get 403, other offices 403):

* ``/manager/feedback`` - which office;
* ``/manager/<office>/ikm?period=2026-11`` - the IKM of a period: respondents, NRR per unsur, index, grade,
  weakest unsur, minimum sample vs citizens served, per service;
* ``/manager/<office>/pengaduan`` - the complaints inbox (filters: state, kind, category, overdue);
* ``/manager/<office>/pengaduan/<id>`` - one complaint: assign, answer (the citizen sees it), close;
* ``/manager/<office>/pengaduan.csv?period=`` - the SP4N-LAPOR! export;
* ``/manager/<office>/feedback/pengaturan`` - response target, contact keep days, LAPOR! instansi;
* ``/manager/<office>/feedback/tablet`` - the counter tablets: pair (a link shown once), revoke.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _
from sqlalchemy import select

from feedback import complaints as rules
from feedback import lapor, periods
from feedback.models import Complaint, SurveyTablet
from feedback.report import build_ikm
from feedback.services import complaints as complaint_svc
from feedback.services import settings as fsettings
from feedback.services import survey as survey_svc
from feedback.services.reports import served_counts
from feedback.views import common
from queue_service import hooks
from queue_service.clock import now
from queue_service.domain.clock import office_day
from queue_service.domain.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from queue_service.extensions import db
from queue_service.models import Counter, Office, User
from queue_service.web.access import accessible_offices, ensure_office, office_or_404, principal, require
from queue_service.web.helpers import commit_and_emit

bp = Blueprint("feedback_manager", __name__, url_prefix="/manager")

MANAGER = ("manager",)


def _office(code: str) -> Office:
    office = office_or_404(code)
    ensure_office(office)
    return office


def _period(office: Office) -> periods.Period:
    raw = request.args.get("period", "").strip()
    if not raw:
        return periods.containing(office_day(now(), office.timezone), "month")
    try:
        return periods.parse(raw)
    except periods.BadPeriod:
        abort(400, description=_("Periode tidak dikenal. Tulis seperti 2026-01 (bulan), 2026-Q1 (triwulan), "
                                 "2026-S1 (semester) atau 2026 (tahun)."))


@bp.get("/feedback")
@require(roles=MANAGER)
def pick():
    offices = accessible_offices()
    if len(offices) == 1 and not principal().is_admin:
        return redirect(url_for("feedback_manager.ikm", office_code=offices[0].code))
    return render_template("feedback/manager/pick.html", offices=offices)


@bp.get("/<office_code>/ikm")
@require(roles=MANAGER)
def ikm(office_code: str):
    office = _office(office_code)
    period = _period(office)
    served = served_counts(db.session, office.id, period.start, period.end)
    ctx = hooks.ReportContext(office=office, start=period.start, end=period.end, now=now(),
                              locale=common.locale(), served=served, served_total=sum(served.values()),
                              services=list(office.services))
    data = build_ikm(db.session, ctx)
    return render_template("feedback/manager/ikm.html", office=office, period=period, data=data, ctx=ctx,
                           kinds=(("month", _("Bulan")), ("quarter", _("Triwulan")), ("semester", _("Semester")),
                                  ("year", _("Tahun"))))


# --------------------------------------------------------------------------- complaints

def _row(c: Complaint, at) -> dict:
    s = complaint_svc.sla(c, at)
    return {"c": c, "reference": complaint_svc.reference_of(c), "kind": common.kind_label(c.kind),
            "category": common.category_label(c.category), "state": common.state_label(c.state),
            "received": format_date(c.received_day, "medium"), "due": format_date(c.due_day, "medium"),
            "sla": s, "assigned": (c.assigned_to.full_name or c.assigned_to.username) if c.assigned_to else ""}


@bp.get("/<office_code>/pengaduan")
@require(roles=MANAGER)
def inbox(office_code: str):
    office = _office(office_code)
    at = now()
    q = select(Complaint).where(Complaint.office_id == office.id)
    f = {k: request.args.get(k, "") for k in ("state", "kind", "category", "overdue")}
    if f["state"] == "open":
        q = q.where(Complaint.state.in_([s.value for s in rules.OPEN_STATES]))
    elif f["state"] in [s.value for s in rules.State]:
        q = q.where(Complaint.state == f["state"])
    if f["kind"] in [k.value for k in rules.Kind]:
        q = q.where(Complaint.kind == f["kind"])
    if f["category"] in rules.CATEGORY_CODES:
        q = q.where(Complaint.category == f["category"])
    rows = [_row(c, at) for c in db.session.scalars(q.order_by(Complaint.received_at.desc()).limit(500))]
    if f["overdue"] == "1":
        rows = [r for r in rows if r["sla"].overdue]
    settings = fsettings.load(db.session, office.id)
    period = periods.containing(office_day(at, office.timezone), "month")
    return render_template("feedback/manager/inbox.html", office=office, rows=rows, f=f, settings=settings,
                           states=[(s.value, common.state_label(s.value)) for s in rules.State],
                           kinds=[(k.value, common.kind_label(k.value)) for k in rules.Kind],
                           categories=[(c.code, c.label(common.locale())) for c in rules.CATEGORIES],
                           period=period)


def _staff(office: Office) -> list[User]:
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)).all()
    return [u for u in users if complaint_svc.staff_of(u, office.id) and u.role != "admin"
            or u.id == principal().user_id]


def _complaint(office: Office, complaint_id: int) -> Complaint:
    try:
        return complaint_svc.get(db.session, office.id, complaint_id)
    except NotFound:
        abort(404, description=_("Pesan ini tidak ada di kantor ini."))


def _detail(office: Office, c: Complaint, status: int = 200, answer_error: str | None = None,
            answer_value: str | None = None):
    return render_template("feedback/manager/complaint.html", office=office, r=_row(c, now()), c=c,
                           staff=_staff(office), answer_error=answer_error,
                           answer_value=answer_value if answer_value is not None else (c.answer or ""),
                           contact=(c.contact_kind and c.contact_value), answer_max=complaint_svc.ANSWER_MAX,
                           events=c.events), status


@bp.get("/<office_code>/pengaduan/<int:complaint_id>")
@require(roles=MANAGER)
def complaint(office_code: str, complaint_id: int):
    office = _office(office_code)
    return _detail(office, _complaint(office, complaint_id))


def _transition_message(e: DomainError) -> str:
    return {"assign": _("Pesan yang sudah selesai tidak dapat ditugaskan lagi."),
            "answer": _("Pesan yang sudah selesai tidak dapat dijawab lagi."),
            "close": _("Pesan baru dapat diselesaikan setelah dijawab.")}.get(
        e.details.get("action"), _("Tindakan ini tidak dapat dilakukan pada pesan ini."))


@bp.post("/<office_code>/pengaduan/<int:complaint_id>/<action>")
@require(roles=MANAGER)
def act(office_code: str, complaint_id: int, action: str):
    office = _office(office_code)
    c = _complaint(office, complaint_id)
    actor = principal().user
    at = now()
    try:
        if action == "assign":
            raw = request.form.get("assignee", "")
            assignee = db.session.get(User, int(raw)) if raw.isdigit() and len(raw) < 10 else None
            if assignee is None:
                raise ValidationFailed("no such person", field="assignee")
            events = complaint_svc.assign(db.session, c, assignee=assignee, actor=actor, now=at)
            message = _("Pesan ditugaskan kepada %(name)s.", name=assignee.full_name or assignee.username)
        elif action == "answer":
            events = complaint_svc.answer(db.session, c, text=request.form.get("answer"), actor=actor, now=at)
            message = _("Jawaban tersimpan dan tampil di halaman warga.")
        elif action == "close":
            events = complaint_svc.close(db.session, c, actor=actor, now=at)
            message = _("Pesan ditandai selesai.")
        else:
            abort(404)
    except complaint_svc.ComplaintInvalid as e:
        db.session.rollback()
        msg = common.complaint_messages(e.limit).get(e.errors.get("answer"), _("Jawaban tidak dapat disimpan."))
        return _detail(office, _complaint(office, complaint_id), 422, answer_error=msg,
                       answer_value=request.form.get("answer", ""))
    except ValidationFailed:
        db.session.rollback()
        flash(_("Pilih petugas kantor ini."))
        return _detail(office, _complaint(office, complaint_id), 422)
    except InvalidTransition as e:
        db.session.rollback()
        flash(_transition_message(e))
        return _detail(office, _complaint(office, complaint_id), 409)
    commit_and_emit(events)
    flash(message)
    return redirect(url_for("feedback_manager.complaint", office_code=office.code, complaint_id=c.id), 303)


@bp.get("/<office_code>/pengaduan.csv")
@require(roles=MANAGER)
def lapor_csv(office_code: str):
    office = _office(office_code)
    period = _period(office)
    settings = fsettings.load(db.session, office.id)
    if not settings.lapor_instansi:
        settings = fsettings.FeedbackSettings(settings.target_days, settings.contact_keep_days, office.name)
    from feedback.services.reports import lapor_rows
    text = lapor.to_csv(lapor_rows(db.session, office, period.start, period.end, now(), settings))
    name = f"lapor-{office.code}-{period.key}.csv"
    return Response("\ufeff" + text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


# --------------------------------------------------------------------------- settings and tablets

@bp.route("/<office_code>/feedback/pengaturan", methods=["GET", "POST"])
@require(roles=MANAGER)
def settings(office_code: str):
    office = _office(office_code)
    current = fsettings.load(db.session, office.id)
    errors: dict[str, str] = {}
    values = {"target_days": str(current.target_days), "contact_keep_days": str(current.contact_keep_days),
              "lapor_instansi": current.lapor_instansi}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in values}
        nums = {}
        for key, lo in (("target_days", 1), ("contact_keep_days", 0)):
            v = values[key]
            if not v.isdigit() or len(v) > 3 or not lo <= int(v) <= 365:
                errors[key] = _("Isi bilangan bulat %(lo)s sampai 365.", lo=lo)
            else:
                nums[key] = int(v)
        if len(values["lapor_instansi"]) > 200:
            errors["lapor_instansi"] = _("Paling banyak 200 karakter.")
        if not errors:
            fsettings.save(db.session, office, fsettings.FeedbackSettings(
                nums["target_days"], nums["contact_keep_days"], values["lapor_instansi"]))
            db.session.commit()
            flash(_("Pengaturan tersimpan."))
            return redirect(url_for("feedback_manager.settings", office_code=office.code), 303)
    return render_template("feedback/manager/settings.html", office=office, values=values, errors=errors), \
        (422 if errors else 200)


@bp.route("/<office_code>/feedback/tablet", methods=["GET", "POST"])
@require(roles=MANAGER)
def tablets(office_code: str):
    office = _office(office_code)
    new_link = None
    status = 200
    if request.method == "POST":
        at = now()
        if request.form.get("revoke"):
            raw = request.form["revoke"]
            tablet = db.session.get(SurveyTablet, int(raw)) if raw.isdigit() and len(raw) < 10 else None
            if tablet is None or tablet.office_id != office.id:
                abort(404, description=_("Tablet ini tidak ada di kantor ini."))
            survey_svc.revoke_tablet(db.session, tablet, at)
            db.session.commit()
            flash(_("Tablet dicabut; tautannya tidak berlaku lagi."))
            return redirect(url_for("feedback_manager.tablets", office_code=office.code), 303)
        raw = request.form.get("counter", "")
        counter = db.session.get(Counter, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if counter is None or counter.office_id != office.id:
            flash(_("Pilih loket kantor ini."))
            status = 422
        else:
            made = survey_svc.create_tablet(db.session, counter, request.form.get("name", ""), at)
            db.session.commit()
            new_link = url_for("feedback_tablet.pair", token=made.token, _external=True)
    rows = db.session.scalars(select(SurveyTablet).where(SurveyTablet.office_id == office.id)
                              .order_by(SurveyTablet.id)).all()
    counters = list(office.counters)
    return render_template("feedback/manager/tablets.html", office=office, rows=rows, counters=counters,
                           new_link=new_link), status
