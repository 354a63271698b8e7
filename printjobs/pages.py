"""The staff page ``/printers`` (each kiosk's printer state, failed and held jobs, reprint) and the print
preview PNG of a ticket. The blueprint keeps the name ``printers`` (its URLs)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from printers.payload import payload_ticket_print
from printjobs import jobs
from printjobs.models import PrinterState, PrintJob
from queue_service.clock import now
from queue_service.domain.urls import status_url
from queue_service.extensions import db
from queue_service.models import Device, Ticket
from queue_service.services.tickets import position_of
from queue_service.web.access import accessible_offices, ensure_office, require
from queue_service.web.helpers import commit_and_emit, public_base

bp = Blueprint("printers", __name__)
ID = "int(max=2147483647)"


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
    return render_template("printers/index.html", kiosks=kiosks, states=states, jobs=problem_jobs,
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
    body = _png(profile, payload_ticket_print(ticket_payload_now(ticket)))
    response = Response(body, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response
