"""The print-job worker (a background job): print every due server-side job once.

Each job is claimed and committed before printing (no transaction is open while the printer is talked
to), printed by the driver (``printers.printing.print_payload``) after its destination was checked again
(``printjobs.destinations``), then its outcome is committed and the events emitted.
"""
from __future__ import annotations

import json
import os
from datetime import datetime

from printers.printing import print_payload
from printjobs import jobs
from printjobs.destinations import allowed_destination, printer_policy
from printjobs.models import PrintJob
from queue_service import realtime
from queue_service.clock import app_clock
from queue_service.extensions import db


def print_one(uri: str, profile: str | None, payload: dict, *, timeout: float, policy=None) -> jobs.Outcome:
    """Print one job; never raises. With ``policy``, ``uri`` is checked against it first (a refusal is final:
    no retry until staff reprint after a fix) and the checked destination is opened."""
    if policy is not None:
        uri, refused = allowed_destination(uri, policy)
        if refused is not None:
            return jobs.Outcome(False, "error", refused, final=True)
    result = print_payload(uri, profile, payload, timeout=timeout)
    return jobs.Outcome(result.ok, result.kind, result.message, near_end=result.near_end)


def process_due_jobs(app, now: datetime | None = None) -> int:
    """Print every due server-side job once. Runs in an app context. Returns jobs tried."""
    config = app.config
    clock = app_clock(app)
    now = clock.now() if config.get("CLOCK") is not None or now is None else now
    claimer = f"worker:{os.getpid()}"
    if jobs.release_stale(db.session, now=now, lease_seconds=float(config["PRINT_LEASE_SECONDS"])):
        db.session.commit()
    tried = 0
    failed_uris: set[str] = set()
    while tried < int(config["PRINT_BATCH"]):
        job = jobs.claim_next(db.session, now=now, claimer=claimer, skip_uris=failed_uris)
        if job is None:
            db.session.commit()
            break
        job_id, uri, profile = job.id, job.printer_uri, job.printer_profile
        payload = json.loads(job.payload or "{}")
        db.session.commit()  # the claim is durable before the printer is touched
        tried += 1
        outcome = print_one(uri, profile, payload, timeout=float(config["PRINT_TIMEOUT_SECONDS"]),
                            policy=printer_policy(app))
        if config.get("CLOCK") is not None:
            now = clock.now()
        job = db.session.get(PrintJob, job_id, populate_existing=True)
        events = jobs.record_outcome(db.session, job, outcome, now=now, config=config)
        db.session.commit()
        realtime.emit(events)
        if not outcome.ok:
            failed_uris.add(uri)  # do not wait on a dead printer once per job
    return tried


def worker_job(app, now: datetime) -> None:
    """The background job registered by ``printjobs.web``."""
    process_due_jobs(app, now)
