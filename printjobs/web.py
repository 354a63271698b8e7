"""The print-job feature's wiring (called by ``create_app``): the staff page and the print agent's API, and what
it plugs into the core through ``queue_service.hooks``: ticket printing (a durable job per ticket, used by the
kiosk), the printer check of the admin form, the print-job worker, the OpenAPI paths, the staff tile and the
preview link of ``adminduk demo``."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from queue_service import hooks


def _job_info(job) -> dict:
    return {"id": job.id, "status": job.status, "error_kind": job.error_kind}


def queue_ticket_print(session, *, ticket, device, now, status_url, people_ahead, eta):
    """``hooks.TicketPrinting.queue``: a durable print job on ``device``'s printer (None without a printer)."""
    from printjobs import jobs

    job, events = jobs.queue_job(session, ticket=ticket, device=device, now=now, status_url=status_url,
                                 people_ahead=people_ahead, eta=eta)
    return (_job_info(job) if job is not None else None), events


def last_ticket_print(session, ticket) -> dict | None:
    """``hooks.TicketPrinting.last_job``: the ticket's latest print job."""
    from printjobs.models import PrintJob

    job = session.scalar(select(PrintJob).where(PrintJob.ticket_id == ticket.id).order_by(PrintJob.id.desc()).limit(1))
    return _job_info(job) if job is not None else None


def _demo_links(app: Flask, base: str, data: dict) -> list[tuple[str, str]]:
    sample = data.get("sample_ticket")
    return [("Printed ticket preview (PNG)", f"{base}/printers/preview/{sample['id']}.png")] if sample else []


def init_app(app: Flask) -> None:
    from printjobs import api, pages
    from printjobs.destinations import printer_check
    from printjobs.worker import worker_job

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    hooks.set_printer_check(app, printer_check(app))
    hooks.set_ticket_printing(app, hooks.TicketPrinting(queue=queue_ticket_print, last_job=last_ticket_print,
                                                        status_url="/api/v1/print-jobs/"))
    hooks.register_job(app, "print-jobs", float(app.config["PRINT_POLL_SECONDS"]), worker_job)
    hooks.register_openapi(app, *api.openapi())
    hooks.register_nav_link(app, hooks.NavLink("printers", 60, "printers.index", _l("Printer kiosk")))
    hooks.register_demo_links(app, _demo_links)
