"""Durable print jobs: queue, claim atomically, record outcomes, retry with backoff.

The ticket is committed first; :func:`queue_job` then adds a job row (in the view's next
transaction), so printing never delays or undoes a ticket. A worker (``printjobs.worker``,
a background job) claims one job at a time with a single ``UPDATE ... WHERE status IN
('queued', 'failed') ... RETURNING``: two processes never print the same job. Kiosks whose
printer is ``agent://...`` are printed by the print agent on the kiosk PC, which claims its jobs
over HTTP with the same statement.

Outcomes: ``sent``; ``failed`` (retried at ``next_attempt_at`` with exponential backoff, then
given up and left for staff to reprint); ``held`` when the printer reports no paper (staff
change the roll and reprint). Every failure updates the kiosk's :class:`PrinterState` and emits
``print_failed`` to the office's kiosks and ``printer_alert`` to its staff when the state changes.

Nothing here imports ``kiosk``. Functions take a session and ``now`` and return events; the
callers commit, then emit. The printing itself is the driver's (``printers``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from printjobs.models import PrinterState, PrintJob
from queue_service.db import insert_for
from queue_service.domain.clock import local_time, zone_abbreviation
from queue_service.domain.events import Event
from queue_service.models import Device, Ticket

AGENT_SCHEME = "agent://"
PRIORITY_LABELS = {"lansia": "Prioritas: Lansia", "disabilitas": "Prioritas: Disabilitas",
                   "ibu_hamil": "Prioritas: Ibu hamil", "anak": "Prioritas: Anak",
                   "korban_bencana": "Prioritas: Korban bencana"}


def is_agent_uri(uri: str | None) -> bool:
    return bool(uri) and uri.startswith(AGENT_SCHEME)


# --------------------------------------------------------------------------- payload

def ticket_print_payload(ticket: Ticket, *, status_url: str, people_ahead: int | None,
                         eta: tuple[int, int] | None = None) -> dict:
    """The JSON-able content of a printed ticket (Indonesian, office time zone); no personal data."""
    office = ticket.office
    issued = local_time(ticket.issued_at, office.timezone)
    return {
        "office_name": office.name,
        "service_name": ticket.service.name_id,
        "code": ticket.code,
        "issued_at": issued.isoformat(),
        "tz_abbrev": zone_abbreviation(office.timezone),
        "people_ahead": max(0, int(people_ahead or 0)),
        "status_url": status_url,
        "eta_minutes": list(eta) if eta else None,
        "priority_label": PRIORITY_LABELS.get(ticket.priority_group) if ticket.priority_group else None,
        "footer": office.ticket_footer or "",
    }


# --------------------------------------------------------------------------- queue / claim

def queue_job(session: Session, *, ticket: Ticket, device: Device, now: datetime, status_url: str,
              people_ahead: int | None, eta: tuple[int, int] | None = None) -> tuple[PrintJob | None, list[Event]]:
    """Add a print job for ``ticket`` on ``device``'s printer (None when the kiosk has no printer)."""
    if not device.printer_uri:
        return None, []
    payload = ticket_print_payload(ticket, status_url=status_url, people_ahead=people_ahead, eta=eta)
    job = PrintJob(ticket_id=ticket.id, device_id=device.id, printer_uri=device.printer_uri,
                   printer_profile=device.printer_profile, status="queued", attempts=0,
                   payload=json.dumps(payload), created_at=now, updated_at=now, next_attempt_at=now)
    session.add(job)
    session.flush()
    events = []
    if is_agent_uri(device.printer_uri):
        events.append(job_event("print_job", job, device))
    return job, events


def job_event(name: str, job: PrintJob, device: Device, **extra) -> Event:
    payload = {"job_id": job.id, "ticket_id": job.ticket_id, "device_id": job.device_id, "status": job.status,
               "error_kind": job.error_kind}
    payload.update(extra)
    return Event(name=name, office=device.office.code, payload=payload, audience=("kiosks",))


def _due(now: datetime):
    return or_(PrintJob.status == "queued",
               (PrintJob.status == "failed") & PrintJob.next_attempt_at.is_not(None)
               & (PrintJob.next_attempt_at <= now))


def _claim_stmt(session: Session, pick, now: datetime, claimer: str):
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True, of=PrintJob)
    # a job prints where its kiosk prints NOW (an admin may have changed the printer since it was queued)
    current = select(Device.printer_uri).where(Device.id == PrintJob.device_id).scalar_subquery()
    current_profile = select(Device.printer_profile).where(Device.id == PrintJob.device_id).scalar_subquery()
    return (update(PrintJob)
            .where(PrintJob.id == pick.scalar_subquery(), PrintJob.status.in_(("queued", "failed")))
            .values(status="printing", claimed_at=now, claimed_by=claimer[:80], updated_at=now,
                    attempts=PrintJob.attempts + 1, printer_uri=func.coalesce(current, PrintJob.printer_uri),
                    printer_profile=current_profile)
            .returning(PrintJob.id)
            .execution_options(synchronize_session=False))


def _server_printed():
    """Jobs whose kiosk's current printer is one the server opens (not the print agent, not none)."""
    return Device.printer_uri.is_not(None) & ~Device.printer_uri.startswith(AGENT_SCHEME)


def _agent_printed():
    return Device.printer_uri.startswith(AGENT_SCHEME)


def claim_next(session: Session, *, now: datetime, claimer: str, skip_uris: set[str] = frozenset()) -> PrintJob | None:
    """Claim the oldest due server-side job (not agent jobs), atomically; None when there is none."""
    pick = (select(PrintJob.id).join(Device, Device.id == PrintJob.device_id).where(_due(now), _server_printed())
            .order_by(PrintJob.id).limit(1))
    if skip_uris:
        pick = pick.where(Device.printer_uri.not_in(sorted(skip_uris)))
    job_id = session.execute(_claim_stmt(session, pick, now, claimer)).scalar_one_or_none()
    return session.get(PrintJob, job_id, populate_existing=True) if job_id is not None else None


def claim_job(session: Session, *, job_id: int, device_id: int, now: datetime, claimer: str) -> PrintJob | None:
    """The print agent claims one of its own kiosk's due jobs; None when it is not due or taken, or the kiosk
    no longer prints through its agent."""
    pick = (select(PrintJob.id).join(Device, Device.id == PrintJob.device_id)
            .where(PrintJob.id == job_id, PrintJob.device_id == device_id, _due(now), _agent_printed()))
    claimed = session.execute(_claim_stmt(session, pick, now, claimer)).scalar_one_or_none()
    return session.get(PrintJob, claimed, populate_existing=True) if claimed is not None else None


def pending_for_device(session: Session, device_id: int, now: datetime) -> list[PrintJob]:
    """Jobs the device's agent should print now (queued, or failed and due for a retry); none when the kiosk
    does not print through its agent (any more)."""
    return list(session.scalars(select(PrintJob).join(Device, Device.id == PrintJob.device_id)
                                .where(PrintJob.device_id == device_id, _due(now), _agent_printed())
                                .order_by(PrintJob.id).limit(50)))


def release_stale(session: Session, *, now: datetime, lease_seconds: float) -> int:
    """Claimed jobs whose worker/agent never reported back (crash, lost connection) are retried."""
    cutoff = now - timedelta(seconds=lease_seconds)
    res = session.execute(
        update(PrintJob).where(PrintJob.status == "printing", PrintJob.claimed_at < cutoff)
        .values(status="failed", next_attempt_at=now, updated_at=now, error_kind="error",
                last_error="No report from the printer within the lease; trying again.")
        .execution_options(synchronize_session=False))
    return res.rowcount or 0


# --------------------------------------------------------------------------- outcomes

@dataclass
class Outcome:
    ok: bool
    kind: str | None = None      # None | "offline" | "paper_out" | "error"
    message: str = ""
    near_end: bool = False
    #: no retry (the destination is refused by the server's printer settings): staff reprint after a fix
    final: bool = False


PROBLEM_STATES = ("offline", "paper_out", "near_end", "error")


def _state_change(session: Session, device: Device, status: str, detail: str, now: datetime) -> list[Event]:
    """Record the printer's state (one row per kiosk, created by an upsert so that two workers
    cannot both insert it); alert staff when it turns bad or recovers."""
    session.execute(insert_for(session)(PrinterState).values(device_id=device.id, status="unknown", detail="",
                                                checked_at=now, changed_at=now)
                    .on_conflict_do_nothing(index_elements=["device_id"]))
    state = session.scalar(select(PrinterState).where(PrinterState.device_id == device.id).with_for_update()
                           .execution_options(populate_existing=True))
    previous = state.status
    state.checked_at = now
    state.detail = detail[:300]
    if previous == status:
        return []
    state.status = status
    state.changed_at = now
    if status not in PROBLEM_STATES and previous not in PROBLEM_STATES:
        return []
    return [Event(name="printer_alert", office=device.office.code,
                  payload={"device_id": device.id, "device": device.name, "status": status, "previous": previous,
                           "detail": detail[:300], "at": now.isoformat()},
                  audience=("managers", "counters"))]


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    return min(cap, base * (2 ** max(0, attempts - 1)))


def record_outcome(session: Session, job: PrintJob, outcome: Outcome, *, now: datetime, config) -> list[Event]:
    """Store the result of one attempt on ``job`` (which must be ``printing``)."""
    device = job.device
    events: list[Event] = []
    job.updated_at = now
    job.claimed_at = None
    if outcome.ok:
        job.status = "sent"
        job.sent_at = now
        job.last_error = None
        job.error_kind = None
        job.next_attempt_at = None
        events += _state_change(session, device, "near_end" if outcome.near_end else "online",
                                "Paper roll nearly empty." if outcome.near_end else "", now)
        events.append(job_event("print_done", job, device))
        return events
    job.last_error = (outcome.message or "Printing failed.")[:300]
    job.error_kind = outcome.kind or "error"
    if outcome.kind == "paper_out":
        job.status = "held"
        job.next_attempt_at = None
        events += _state_change(session, device, "paper_out", job.last_error, now)
    else:
        job.status = "failed"
        if outcome.final or job.attempts >= int(config["PRINT_MAX_ATTEMPTS"]):
            job.next_attempt_at = None  # given up: staff reprint from the printers page
        else:
            delay = backoff_seconds(job.attempts, float(config["PRINT_BACKOFF_SECONDS"]),
                                    float(config["PRINT_BACKOFF_MAX_SECONDS"]))
            job.next_attempt_at = now + timedelta(seconds=delay)
        events += _state_change(session, device, "offline" if outcome.kind == "offline" else "error",
                                job.last_error, now)
    events.append(job_event("print_failed", job, device, message=job.last_error))
    return events


def reprint(session: Session, job: PrintJob, *, now: datetime) -> list[Event]:
    """Staff ask for a job to be printed again (after changing the roll, fixing the cable...)."""
    device = job.device
    if device.printer_uri:
        job.printer_uri = device.printer_uri
        job.printer_profile = device.printer_profile
    job.status = "queued"
    job.attempts = 0
    job.next_attempt_at = now
    job.claimed_at = None
    job.claimed_by = None
    job.updated_at = now
    events = []
    if is_agent_uri(job.printer_uri):
        events.append(job_event("print_job", job, device))
    return events
