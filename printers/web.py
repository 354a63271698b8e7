"""Printers: the staff page (printer states, failed/held jobs, reprint), the print preview PNG,
a print job's status for the kiosk screen, the print-agent API, and the print-job worker."""
from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from printers import jobs
from printers.models import PrinterState, PrintJob
from queue_service.domain.clock import local_time, zone_abbreviation
from queue_service.domain.urls import status_url
from queue_service.extensions import db
from queue_service.models import Device, Ticket
from queue_service.services.tickets import position_of
from queue_service.web.access import accessible_offices, ensure_office, principal, require
from queue_service.web.helpers import commit_and_emit, field, json_body, now, public_base

bp = Blueprint("printers", __name__)
ID = "int(max=2147483647)"


# --------------------------------------------------------------------------- staff page

def _local(moment, office) -> str:
    if moment is None:
        return "—"
    return f"{local_time(moment, office.timezone):%d.%m %H:%M} {zone_abbreviation(office.timezone)}"


@bp.get("/printers")
@require(roles=("clerk", "manager"))
def index():
    offices = accessible_offices()
    office_ids = [o.id for o in offices]
    kiosks = list(db.session.scalars(select(Device).where(Device.kind == "kiosk", Device.office_id.in_(office_ids or [-1]))
                                     .order_by(Device.office_id, Device.name)))
    states = {s.device_id: s for s in db.session.scalars(
        select(PrinterState).where(PrinterState.device_id.in_([k.id for k in kiosks] or [-1])))}
    problem_jobs = list(db.session.scalars(
        select(PrintJob).join(Device, PrintJob.device_id == Device.id)
        .where(Device.office_id.in_(office_ids or [-1]), PrintJob.status.in_(("failed", "held")))
        .order_by(PrintJob.id.desc()).limit(200)))
    return render_template("printers/index.html", kiosks=kiosks, states=states, jobs=problem_jobs, local=_local,
                           is_agent=jobs.is_agent_uri)


def _job_for_staff(job_id: int) -> PrintJob:
    job = db.session.get(PrintJob, job_id)
    if job is None:
        abort(404, description=f"Print job {job_id} does not exist.")
    ensure_office(job.device.office_id)
    return job


@bp.post(f"/printers/jobs/<{ID}:job_id>/reprint")
@require(roles=("clerk", "manager"))
def reprint(job_id: int):
    job = _job_for_staff(job_id)
    events = jobs.reprint(db.session, job, now=now())
    commit_and_emit(events)
    flash(_("Tiket %(code)s dikirim ulang ke printer.", code=job.ticket.code))
    return redirect(url_for("printers.index"))


@bp.post(f"/printers/devices/<{ID}:device_id>/reprint")
@require(roles=("clerk", "manager"))
def reprint_device(device_id: int):
    device = db.session.get(Device, device_id)
    if device is None or device.kind != "kiosk":
        abort(404, description=f"Kiosk {device_id} does not exist.")
    ensure_office(device.office_id)
    t = now()
    events = []
    pending = list(db.session.scalars(select(PrintJob).where(PrintJob.device_id == device.id,
                                                              PrintJob.status.in_(("failed", "held")))))
    for job in pending:
        events += jobs.reprint(db.session, job, now=t)
    commit_and_emit(events)
    flash(_("%(n)s tiket dikirim ulang ke printer %(name)s.", n=len(pending), name=device.name))
    return redirect(url_for("printers.index"))


# --------------------------------------------------------------------------- preview

def _profile(name: str | None):
    from printers.profiles import get_profile
    try:
        return get_profile(name or "generic-80")
    except KeyError:
        abort(400, description=f"Unknown printer profile {name!r}.")


def ticket_payload_now(ticket: Ticket) -> dict:
    return jobs.ticket_print_payload(ticket, status_url=status_url(public_base(), ticket.token),
                                     people_ahead=position_of(db.session, ticket) or 0)


def _png(profile, ticket_print) -> bytes:
    from printers.preview import preview_png
    return preview_png(profile, ticket_print)


@bp.get(f"/printers/preview/<{ID}:ticket_id>.png")
@require(roles=("clerk", "manager"))
def preview(ticket_id: int):
    """Exactly what the kiosk printer would print for this ticket, as a PNG (staff of its office)."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        abort(404, description=f"Ticket {ticket_id} does not exist.")
    ensure_office(ticket.office_id)
    device = db.session.get(Device, ticket.device_id) if ticket.device_id else None
    profile = _profile(request.args.get("profile") or (device.printer_profile if device else None))
    body = _png(profile, jobs.payload_ticket_print(ticket_payload_now(ticket)))
    response = Response(body, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- JSON: kiosk screen + agent

def job_json(job: PrintJob, *, with_payload: bool = False) -> dict:
    out = {"id": job.id, "ticket_id": job.ticket_id, "code": job.ticket.code, "device_id": job.device_id,
           "status": job.status, "attempts": job.attempts, "error_kind": job.error_kind,
           "last_error": job.last_error, "printer_uri": job.printer_uri, "profile": job.printer_profile,
           "created_at": job.created_at.isoformat(),
           "next_attempt_at": job.next_attempt_at.isoformat() if job.next_attempt_at else None,
           "sent_at": job.sent_at.isoformat() if job.sent_at else None}
    if with_payload:
        out["payload"] = json.loads(job.payload or "{}")
    return out


@bp.get(f"/api/v1/print-jobs/<{ID}:job_id>")
@require(roles=("clerk", "manager"), devices=("kiosk",))
def job_status(job_id: int):
    job = db.session.get(PrintJob, job_id)
    p = principal()
    if job is None or (p.kind == "device" and job.device_id != p.device.id):
        abort(404, description=f"Print job {job_id} does not exist.")
    ensure_office(job.device.office_id)
    return jsonify(job_json(job))


def _agent_device() -> Device:
    p = principal()
    if p.kind != "device" or p.device.kind != "kiosk":
        abort(403, description="Only a kiosk's print agent may do this.")
    return p.device


@bp.get("/api/v1/print-agent/jobs")
@require(devices=("kiosk",))
def agent_jobs():
    """The kiosk's jobs to print now (queued, or failed and due): what the agent missed."""
    device = _agent_device()
    pending = jobs.pending_for_device(db.session, device.id, now())
    return jsonify({"device": device.id, "jobs": [job_json(j, with_payload=True) for j in pending]})


@bp.post(f"/api/v1/print-agent/jobs/<{ID}:job_id>/claim")
@require(devices=("kiosk",))
def agent_claim(job_id: int):
    device = _agent_device()
    job = jobs.claim_job(db.session, job_id=job_id, device_id=device.id, now=now(), claimer=f"agent:{device.id}")
    if job is None:
        db.session.rollback()
        existing = db.session.get(PrintJob, job_id)
        if existing is None or existing.device_id != device.id:
            abort(404, description=f"Print job {job_id} does not exist for this kiosk.")
        abort(409, description=f"Print job {job_id} is {existing.status}, not waiting to be printed.")
    body = job_json(job, with_payload=True)
    db.session.commit()
    return jsonify(body)


@bp.post(f"/api/v1/print-agent/jobs/<{ID}:job_id>/result")
@require(devices=("kiosk",))
def agent_result(job_id: int):
    device = _agent_device()
    data = json_body()
    ok = field(data, "ok", bool)
    kind = field(data, "kind", str, required=False, nullable=True, max_length=20)
    message = field(data, "message", str, required=False, nullable=True, max_length=300, multiline=True) or ""
    near_end = field(data, "near_end", bool, required=False, default=False)
    if not ok and kind not in ("offline", "paper_out", "error"):
        abort(400, description="Field 'kind' must be one of offline, paper_out, error when ok is false.")
    job = db.session.scalar(select(PrintJob).where(PrintJob.id == job_id).with_for_update())
    if job is None or job.device_id != device.id:
        abort(404, description=f"Print job {job_id} does not exist for this kiosk.")
    if job.status != "printing":
        abort(409, description=f"Print job {job_id} is {job.status}; claim it before reporting a result.")
    from flask import current_app
    outcome = jobs.Outcome(ok=ok, kind=None if ok else kind, message=message, near_end=near_end)
    events = jobs.record_outcome(db.session, job, outcome, now=now(), config=current_app.config)
    body = job_json(job)
    commit_and_emit(events)
    return jsonify(body)


def _job_schema() -> dict:
    return {"type": "object", "required": ["id", "status"], "properties": {
        "id": {"type": "integer"}, "ticket_id": {"type": "integer"}, "code": {"type": "string"},
        "device_id": {"type": "integer"},
        "status": {"type": "string", "enum": ["queued", "printing", "sent", "failed", "held"]},
        "attempts": {"type": "integer"}, "error_kind": {"type": ["string", "null"],
                                                        "enum": [None, "offline", "paper_out", "error"]},
        "last_error": {"type": ["string", "null"]}, "printer_uri": {"type": "string"},
        "profile": {"type": ["string", "null"]}, "payload": {"type": "object"},
        "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
        "sent_at": {"type": ["string", "null"], "format": "date-time"}}}


def _openapi() -> tuple[dict, dict]:
    from queue_service.web.openapi import errors, id_param

    job = {"$ref": "#/components/schemas/PrintJob"}
    kiosk = [{"bearer": []}]
    paths = {
        "/api/v1/print-jobs/{job_id}": {"get": {
            "summary": "Status of a print job (the kiosk that issued it, or staff of its office)",
            "security": [{"bearer": []}, {"session": []}], "parameters": [id_param("job_id")],
            "responses": {"200": {"description": "The job", "content": {"application/json": {"schema": job}}},
                          **errors(401, 403, 404)}}},
        "/api/v1/print-agent/jobs": {"get": {
            "summary": "Print agent: this kiosk's jobs waiting to be printed (fetch after a reconnect)",
            "security": kiosk,
            "responses": {"200": {"description": "Jobs with what to print", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"device": {"type": "integer"},
                                                            "jobs": {"type": "array", "items": job}}}}}},
                **errors(401, 403)}}},
        "/api/v1/print-agent/jobs/{job_id}/claim": {"post": {
            "summary": "Print agent: claim a job atomically before printing it",
            "security": kiosk, "parameters": [id_param("job_id")],
            "responses": {"200": {"description": "Claimed; includes the payload to print",
                                  "content": {"application/json": {"schema": job}}}, **errors(401, 403, 404, 409)}}},
        "/api/v1/print-agent/jobs/{job_id}/result": {"post": {
            "summary": "Print agent: report the outcome of a claimed job",
            "security": kiosk, "parameters": [id_param("job_id")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["ok"], "properties": {
                    "ok": {"type": "boolean"}, "kind": {"type": ["string", "null"],
                                                        "enum": [None, "offline", "paper_out", "error"]},
                    "message": {"type": "string", "maxLength": 300}, "near_end": {"type": "boolean"}}}}}},
            "responses": {"200": {"description": "The job after the report",
                                  "content": {"application/json": {"schema": job}}},
                          **errors(400, 401, 403, 404, 409, 415)}}},
    }
    return paths, {"PrintJob": _job_schema()}


def printer_check(app: Flask):
    """The core's admin form asks this (``app.extensions["adminduk"]["printer_check"]``) whether a kiosk may
    print to ``uri`` with ``profile``: the back-end registry decides, under the operator's settings."""
    from printers.backends import N_, PrinterURIRefused, check_uri
    from printers.profiles import PROFILES, get_profile
    from queue_service.domain.errors import ValidationFailed

    def check(uri: str | None, profile: str | None) -> None:
        if uri:
            try:
                check_uri(uri, jobs.printer_policy(app))
            except PrinterURIRefused as exc:
                raise ValidationFailed(str(exc), field="printer_uri", msgid=exc.msgid, params=exc.params) from None
        if not profile:
            return
        try:
            get_profile(profile)
        except KeyError:
            names = ", ".join(sorted(PROFILES))
            raise ValidationFailed(f"Unknown printer profile {profile!r}; known: {names}", field="printer_profile",
                                   msgid=N_("Profil printer tidak dikenal. Pilih salah satu: %(profiles)s."),
                                   params={"profiles": names})

    return check


def init_app(app: Flask) -> None:
    from queue_service import background
    from queue_service.web.openapi import register_paths

    app.extensions["adminduk"]["printer_check"] = printer_check(app)
    app.register_blueprint(bp)
    paths, schemas = _openapi()
    register_paths(app, paths, schemas)
    background.register_job(app, "print-jobs", float(jobs.setting(app.config, "PRINT_POLL_SECONDS")),
                            jobs.worker_job)
