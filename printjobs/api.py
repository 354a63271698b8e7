"""The print jobs' JSON API: a job's status (the kiosk that issued it reads it again after a reconnect; staff of
its office), and the print agent's endpoints (its kiosk's due jobs, claim, report the outcome)."""
from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, jsonify
from sqlalchemy import select

from printjobs import jobs
from printjobs.models import PrintJob
from queue_service.clock import now
from queue_service.extensions import db
from queue_service.models import Device
from queue_service.web.access import ensure_office, principal, require
from queue_service.web.helpers import commit_and_emit, field, json_body
from queue_service.web.openapi import errors, id_param

bp = Blueprint("print_api", __name__)
ID = "int(max=2147483647)"


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


def openapi() -> tuple[dict, dict]:
    """(paths, component schemas) of the print jobs' API."""
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
