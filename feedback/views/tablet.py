"""The counter tablet: a screen beside a counter, facing the citizen, offering the survey for the ticket just
finished at that counter, then "Terima kasih" and back to waiting.

Two ways to open it, like the core's devices:
* a **paired tablet** (no sign-in): the manager pairs it at ``/manager/<office>/feedback/tablet``; the pairing
  link ``/survei-tablet/pair?token=`` keeps the tablet's token in an httponly cookie (stored hashed, revocable:
  a revoked token gets 403 at once);
* a **clerk's session**: ``/survei-tablet/loket/<counter_id>`` for staff of the counter's office (a second
  window or a tablet the clerk signed into), from the start page tile "Tablet survei di loket".
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from feedback import survey as survey_rules
from feedback.models import SurveyTablet
from feedback.services import survey as survey_svc
from feedback.views import common
from queue_service.clock import now
from queue_service.domain.errors import NotFound
from queue_service.extensions import db
from queue_service.models import Counter, Ticket
from queue_service.web.access import accessible_offices, ensure_office, require

bp = Blueprint("feedback_tablet", __name__, url_prefix="/survei-tablet")

COOKIE = "adminduk_survey_tablet"


class Where:
    """Which counter the request is about and how it is authorised (a paired tablet or a clerk)."""

    def __init__(self, counter: Counter, tablet: SurveyTablet | None):
        self.counter, self.tablet = counter, tablet

    def url(self, endpoint: str) -> str:
        if self.tablet is not None:
            return url_for(f"feedback_tablet.{endpoint}")
        return url_for(f"feedback_tablet.clerk_{endpoint}", counter_id=self.counter.id)


def _denied():
    return render_template("errors/error.html", status=403, title=_("Tablet tidak terpasang"),
                           message=_("Tablet ini belum dipasangkan atau tautannya sudah dicabut. Minta tautan "
                                     "pemasangan baru kepada manajer kantor.")), 403


def _tablet() -> SurveyTablet | None:
    return survey_svc.tablet_by_token(db.session, request.cookies.get(COOKIE))


def _counter(counter_id: int) -> Counter:
    counter = db.session.get(Counter, counter_id)
    if counter is None:
        abort(404)
    ensure_office(counter.office_id)
    return counter


def _offer() -> timedelta:
    return survey_svc.TABLET_OFFER


def _state(where: Where) -> dict:
    ticket = (survey_svc.tablet_ticket(db.session, where.tablet, now(), _offer()) if where.tablet is not None
              else _clerk_ticket(where.counter))
    return {"ticket": {"id": ticket.id, "code": ticket.code} if ticket else None}


def _clerk_ticket(counter: Counter):
    shim = SurveyTablet(counter_id=counter.id, office_id=counter.office_id)  # not added to the session
    return survey_svc.tablet_ticket(db.session, shim, now(), _offer())


def _page(where: Where, *, values=None, errors=None, status=200, thanked=False, ticket=None):
    if ticket is None and not errors:
        t = _state(where)["ticket"]
        ticket = db.session.get(Ticket, t["id"]) if t else None
    c = where.counter
    return render_template("feedback/tablet.html", ticket=ticket, survey=common.questionnaire(values, errors),
                           office_name=c.office.name, counter_name=c.name or _("loket %(n)s", n=c.number),
                           state_url=where.url("state"), submit_url=where.url("submit"),
                           skip_url=where.url("skip"), thanked=thanked), status


def _submit(where: Where):
    at = now()
    as_json = request.is_json
    body = request.get_json(silent=True) if as_json else None
    if as_json and not isinstance(body, dict):
        return jsonify({"error": "bad_body", "message": _("Kirim objek JSON.")}), 400
    raw_id = (body or {}).get("ticket_id") if as_json else request.form.get("ticket_id", "")
    ticket_id = raw_id if isinstance(raw_id, int) else (int(raw_id) if isinstance(raw_id, str)
                                                           and raw_id.isdigit() and len(raw_id) < 10 else None)
    shim = where.tablet or SurveyTablet(counter_id=where.counter.id, office_id=where.counter.office_id)
    try:
        ticket = survey_svc.ticket_for_tablet(db.session, shim, ticket_id, at, _offer())
    except NotFound:
        message = _("Survei ini tidak ditawarkan lagi di tablet ini.")
        if as_json:
            return jsonify({"error": "not_offered", "message": message}), 409
        return _page(where, status=409)
    if as_json:
        scores, profile = body.get("scores", {}), body.get("profile", {})
        if not isinstance(scores, dict) or not isinstance(profile, dict):
            return jsonify({"error": "bad_body", "message": _("Kirim objek JSON berisi \"scores\" dan \"profile\".")}), 400
    else:
        scores = {k: v for k, v in request.form.items() if k.startswith("U")}
        profile = {k: v for k, v in request.form.items() if k not in scores and k not in ("csrf_token", "ticket_id")}
    try:
        submission = survey_rules.parse(scores, profile, strict_fields=as_json)
    except survey_rules.SurveyInvalid as e:
        msgs = common.survey_messages()
        if as_json:
            return jsonify({"error": "invalid", "message": _("Survei belum terkirim. Jawab pertanyaan yang "
                                                             "ditandai lalu kirim lagi."),
                            "errors": {k: msgs.get(v, v) for k, v in e.errors.items()}}), 422
        return _page(where, values=dict(request.form), errors=e.errors, status=422, ticket=ticket)
    try:
        survey_svc.submit(db.session, ticket, submission, at, channel="tablet",
                          window=_offer() + timedelta(minutes=1))
        db.session.commit()
    except (survey_svc.AlreadyAnswered, survey_svc.SurveyNotOpen):
        db.session.rollback()
        message = _("Survei untuk nomor antrean ini sudah diisi. Terima kasih.")
        if as_json:
            return jsonify({"error": "already_answered", "message": message}), 409
        return _page(where, status=409, thanked=True)
    if as_json:
        return jsonify({"ok": True}), 201
    return redirect(where.url("page") + "?terima_kasih=1", 303)


def _skip(where: Where):
    raw = request.form.get("ticket_id", "")
    if where.tablet is not None and raw.isdigit() and len(raw) < 10:
        survey_svc.skip_on_tablet(db.session, where.tablet, int(raw))
        db.session.commit()
    return redirect(where.url("page"), 303)


# --------------------------------------------------------------------------- a paired tablet

@bp.get("/pair")
def pair():
    token = request.args.get("token", "")
    tablet = survey_svc.tablet_by_token(db.session, token) if len(token) <= 200 else None
    if tablet is None:
        return _denied()
    response = redirect(url_for("feedback_tablet.page"))
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure
    response.set_cookie(COOKIE, token, max_age=400 * 24 * 3600, httponly=True, samesite="Lax", secure=secure,
                        path="/survei-tablet")
    return response


@bp.get("")
def page():
    tablet = _tablet()
    if tablet is None:
        return _denied()
    return _page(Where(tablet.counter, tablet), thanked=request.args.get("terima_kasih") == "1")


@bp.get("/state")
def state():
    tablet = _tablet()
    if tablet is None:
        return jsonify({"error": "not_paired", "message": _("Tablet ini belum dipasangkan atau sudah dicabut.")}), 403
    return jsonify(_state(Where(tablet.counter, tablet)))


@bp.post("/survei")
def submit():
    tablet = _tablet()
    if tablet is None:
        return _denied()
    return _submit(Where(tablet.counter, tablet))


@bp.post("/lewati")
def skip():
    tablet = _tablet()
    if tablet is None:
        return _denied()
    return _skip(Where(tablet.counter, tablet))


# --------------------------------------------------------------------------- the clerk's session

@bp.get("/loket")
@login_required
@require(roles=("clerk", "manager"))
def pick():
    return render_template("feedback/tablet_pick.html", offices=accessible_offices())


@bp.get("/loket/<int:counter_id>")
@login_required
@require(roles=("clerk", "manager"))
def clerk_page(counter_id: int):
    return _page(Where(_counter(counter_id), None), thanked=request.args.get("terima_kasih") == "1")


@bp.get("/loket/<int:counter_id>/state")
@require(roles=("clerk", "manager"))
def clerk_state(counter_id: int):
    return jsonify(_state(Where(_counter(counter_id), None)))


@bp.post("/loket/<int:counter_id>/survei")
@require(roles=("clerk", "manager"))
def clerk_submit(counter_id: int):
    return _submit(Where(_counter(counter_id), None))


@bp.post("/loket/<int:counter_id>/lewati")
@require(roles=("clerk", "manager"))
def clerk_skip(counter_id: int):
    return _skip(Where(_counter(counter_id), None))
