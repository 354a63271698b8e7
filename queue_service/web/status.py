"""The citizen's live status page ``/t/<token>`` (the ticket's QR code points here).

Public, mobile first, and correct on a plain reload without JavaScript; with JavaScript it follows the
ticket's own Socket.IO room (``auth={"token": <ticket token>}``). Shows the ticket code, service, status,
people ahead and the estimated wait (P10-P90), and once called the counter to go to. Never personal data.
"""
from __future__ import annotations

import logging

from flask import Blueprint, abort, render_template
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from queue_service import hooks
from queue_service.db import is_lock_error, write_apart
from queue_service.domain.clock import local_time, zone_abbreviation
from queue_service.clock import now
from queue_service.extensions import db
from queue_service.models import Ticket
from queue_service.services.tickets import position_of, ticket_payload
from queue_service.services.waits import due_for_record, estimate_ticket_full, record_estimates

bp = Blueprint("status", __name__)
log = logging.getLogger(__name__)


def _record_shown(ticket: Ticket, shown, at) -> None:
    """Keep what the page showed in the record (at most once per ticket in ``RECORD_INTERVAL_S``: a page
    reloaded every few seconds does not write each time). The page reads in a deferred transaction on SQLite,
    so the record is written in a short transaction of its own; a busy database only skips it."""
    if not due_for_record(db.session, [ticket.id], at, "status"):
        return
    entry = [(ticket.id, ticket.service_id, shown)]
    office_id = ticket.office_id
    try:
        write_apart(db.engine, lambda session: record_estimates(session, office_id, entry, at, "status"))
    except OperationalError as exc:
        if not is_lock_error(exc):
            raise
        log.info("wait estimate of ticket %s not recorded: database busy", ticket.id)


def status_view(ticket: Ticket) -> dict:
    """The page's data (also its script's initial state)."""
    data = ticket_payload(ticket, position=position_of(db.session, ticket))
    data["estimate"] = None
    if ticket.status == "waiting":
        at = now()
        shown = estimate_ticket_full(db.session, ticket, at, arrivals=hooks.current().queue_arrivals)
        if shown is not None:
            data["estimate"] = shown.as_dict()
            _record_shown(ticket, shown, at)
    tz = ticket.office.timezone
    data["issued_local"] = f"{local_time(ticket.issued_at, tz):%H:%M} {zone_abbreviation(tz)}"
    data["office_name"] = ticket.office.name
    return data


def status_panels(ticket: Ticket) -> list[tuple[hooks.StatusPanel, dict]]:
    """The features' panels for this ticket (``hooks.status_panels``), each with its template context; a panel
    whose ``context`` returns None is left out."""
    at = now()
    out = []
    for panel in hooks.current().status_panels:
        context = panel.context(db.session, ticket, at)
        if context is not None:
            out.append((panel, context))
    return out


@bp.get("/t/<token>")
def page(token: str):
    if not 8 <= len(token) <= 64:
        abort(404)
    ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
    if ticket is None:
        abort(404)
    data = status_view(ticket)
    response = render_template("status/page.html", t=data, token=token, panels=status_panels(ticket))
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
