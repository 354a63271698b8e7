"""The citizen's side, on the ticket's status page ``/t/<token>`` (no sign-in; the ticket token is the key):

* the panel (``hooks.StatusPanel``): the IKM survey once the ticket is done, the messages sent about this visit
  with the office's answers, and the form to send one;
* ``POST /t/<token>/survei`` and ``POST /t/<token>/pengaduan``: plain form posts (CSRF) that work without
  JavaScript, and the same URLs with a JSON body from ``static/js/feedback.js``;
* ``GET /pengaduan/<token>``: a complaint's own page (its opaque link, shown once after sending).
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from feedback import survey as survey_rules
from feedback.services import complaints as complaint_svc
from feedback.services import settings as fsettings
from feedback.services import survey as survey_svc
from feedback.services.limits import RateLimited
from feedback.views import common
from queue_service.clock import now
from queue_service.domain.errors import InvalidTransition
from queue_service.extensions import db
from queue_service.models import Ticket
from queue_service.web.helpers import commit_and_emit

bp = Blueprint("feedback", __name__)


def _window() -> timedelta:
    return timedelta(days=int(current_app.config.get("FEEDBACK_SURVEY_DAYS", 7)))


def _ticket(token: str) -> Ticket:
    if not 8 <= len(token) <= 64:
        abort(404)
    ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
    if ticket is None:
        abort(404)
    return ticket


def _can_send(ticket: Ticket, at) -> bool:
    from queue_service.domain.clock import office_day
    return (office_day(at, ticket.office.timezone) - ticket.service_day) <= complaint_svc.SEND_WINDOW


def panel(session, ticket: Ticket, at, *, survey_values=None, survey_errors=None, complaint_values=None,
          complaint_errors=None, complaint_limit=None) -> dict:
    settings = fsettings.load(session, ticket.office_id)
    state = survey_svc.state(session, ticket, at, _window())
    return {
        "token": ticket.token,
        "survey_state": state,
        "survey_url": url_for("feedback.survey", token=ticket.token),
        "survey": common.questionnaire(survey_values, survey_errors),
        "complaints": [common.citizen_complaint(c) for c in complaint_svc.for_ticket(session, ticket.id)],
        "can_send": _can_send(ticket, at),
        "complaint": common.complaint_form(url_for("feedback.send_complaint", token=ticket.token),
                                           settings.contact_keep_days, complaint_values, complaint_errors,
                                           complaint_limit),
    }


def panel_context(session, ticket: Ticket, at) -> dict | None:
    """``hooks.StatusPanel.context``: the panel for every ticket (the survey part stays hidden until done); on
    the status page, which reloads without JavaScript while the ticket can still change."""
    return {**panel(session, ticket, at), "reloads": ticket.status in ("waiting", "called", "serving")}


def _page(ticket: Ticket, fb: dict, status: int):
    """The panel on a page of its own (a form sent without JavaScript had mistakes): the status page's look."""
    return render_template("feedback/panel_page.html", fb=fb, panel=fb, office_name=ticket.office.name,
                           back_url=url_for("status.page", token=ticket.token)), status


def _json_error(status: int, code: str, message: str, errors: dict | None = None, **extra):
    body = {"error": code, "message": message, **extra}
    if errors is not None:
        body["errors"] = errors
    return jsonify(body), status


@bp.get("/t/<token>/pengaduan")
def complaint_form_page(token: str):
    """The panel on a page of its own, which does not reload: where a citizen without JavaScript writes a message
    while the ticket is still in the queue (the status page reloads every 30 s then, which would wipe it)."""
    ticket = _ticket(token)
    return _page(ticket, panel(db.session, ticket, now()), 200)


@bp.post("/t/<token>/survei")
def survey(token: str):
    ticket = _ticket(token)
    at = now()
    as_json = request.is_json
    if as_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("scores", {}), dict) \
                or not isinstance(body.get("profile", {}), dict):
            return _json_error(400, "bad_body", _("Kirim objek JSON berisi \"scores\" dan \"profile\"."))
        scores, profile, strict = body.get("scores", {}), body.get("profile", {}), True
    else:
        scores = {k: v for k, v in request.form.items() if k.startswith("U")}
        profile = {k: v for k, v in request.form.items() if not k.startswith("U") and k != "csrf_token"}
        strict = False
    try:
        submission = survey_rules.parse(scores, profile, strict_fields=strict)
    except survey_rules.SurveyInvalid as e:
        msgs = common.survey_messages()
        if as_json:
            return _json_error(422, "invalid", _("Survei belum terkirim. Jawab pertanyaan yang ditandai lalu "
                                                 "kirim lagi."), {k: msgs.get(v, v) for k, v in e.errors.items()})
        fb = panel(db.session, ticket, at, survey_values=dict(request.form), survey_errors=e.errors)
        return _page(ticket, fb, 422)
    try:
        survey_svc.submit(db.session, ticket, submission, at, channel="status", window=_window())
        db.session.commit()
    except survey_svc.AlreadyAnswered:
        db.session.rollback()
        if as_json:
            return _json_error(409, "already_answered", _("Survei untuk nomor antrean ini sudah diisi. Terima kasih."))
        return redirect(url_for("status.page", token=token) + "#survey", 303)
    except IntegrityError:  # the other submit won between our check and our insert (PostgreSQL, SQLite)
        db.session.rollback()
        if as_json:
            return _json_error(409, "already_answered", _("Survei untuk nomor antrean ini sudah diisi. Terima kasih."))
        return redirect(url_for("status.page", token=token) + "#survey", 303)
    except survey_svc.SurveyNotOpen as e:
        db.session.rollback()
        message = {survey_svc.NOT_YET: _("Survei dibuka setelah Anda selesai dilayani."),
                   survey_svc.NOT_SERVED: _("Survei hanya untuk warga yang sudah dilayani."),
                   survey_svc.EXPIRED: _("Waktu mengisi survei untuk kunjungan ini sudah lewat.")}.get(
            e.details.get("state") if hasattr(e, "details") else None,
            _("Survei tidak tersedia untuk nomor antrean ini."))
        if as_json:
            return _json_error(409, "survey_not_open", message)
        return render_template("errors/error.html", status=409, title=_("Survei tidak tersedia"),
                               message=message), 409
    if as_json:
        return jsonify({"ok": True, "message": _("Terima kasih. Jawaban survei Anda sudah kami terima.")}), 201
    return redirect(url_for("status.page", token=token) + "#survey", 303)


@bp.post("/t/<token>/pengaduan")
def send_complaint(token: str):
    ticket = _ticket(token)
    at = now()
    as_json = request.is_json
    raw = request.get_json(silent=True) if as_json else request.form
    if not isinstance(raw, dict) and not hasattr(raw, "get"):
        return _json_error(400, "bad_body", _("Kirim objek JSON berisi kind, category, text dan contact."))
    try:
        data = complaint_svc.parse(raw)
    except complaint_svc.ComplaintInvalid as e:
        msgs = common.complaint_messages(e.limit)
        if as_json:
            return _json_error(422, "invalid", _("Pesan belum terkirim. Perbaiki isian yang ditandai lalu kirim "
                                                 "lagi."), {k: msgs.get(v, v) for k, v in e.errors.items()})
        fb = panel(db.session, ticket, at, complaint_values=dict(request.form), complaint_errors=e.errors,
                   complaint_limit=e.limit)
        return _page(ticket, fb, 422)
    settings = fsettings.load(db.session, ticket.office_id)
    try:
        sent, events = complaint_svc.send(db.session, ticket=ticket, data=data, now=at, settings=settings,
                                          limit_keys=common.limit_keys(ticket.id))
        commit_and_emit(events)
    except RateLimited as e:
        db.session.rollback()
        minutes = max(1, int((e.details.get("retry_after") or 60) // 60)) if hasattr(e, "details") else 60
        message = _("Terlalu banyak pesan dalam waktu singkat. Silakan coba lagi sekitar %(m)s menit lagi.",
                    m=minutes)
        if as_json:
            return _json_error(429, "rate_limited", message)
        return render_template("errors/error.html", status=429, title=_("Coba lagi nanti"), message=message), 429
    except InvalidTransition:
        db.session.rollback()
        message = _("Kunjungan ini sudah terlalu lama; pesan tentang kunjungan ini tidak dapat dikirim di sini lagi.")
        if as_json:
            return _json_error(409, "too_old", message)
        return render_template("errors/error.html", status=409, title=_("Pesan tidak dapat dikirim"),
                               message=message), 409
    own_url = url_for("feedback.complaint_page", token=sent.token, _external=True)
    if as_json:
        return jsonify({"reference": sent.reference, "state": sent.complaint.state, "url": own_url,
                        "masked": data.nik_masked}), 201
    return render_template("feedback/complaint_sent.html", reference=sent.reference, masked=data.nik_masked,
                           due=format_date(sent.complaint.due_day, "long"), own_url=own_url,
                           back_url=url_for("status.page", token=token), office_name=ticket.office.name), 201


@bp.get("/pengaduan/<token>")
def complaint_page(token: str):
    c = complaint_svc.by_token(db.session, token)
    if c is None:
        abort(404)
    response = render_template("feedback/complaint_public.html", c=common.citizen_complaint(c),
                               office_name=c.office.name)
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
