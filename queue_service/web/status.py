"""The citizen's live status page ``/t/<token>`` (the ticket's QR code points here).

Public, mobile first, and correct on a plain reload without JavaScript; with JavaScript it follows the
ticket's own Socket.IO room (``auth={"token": <ticket token>}``). Shows the ticket code, service, status,
people ahead and the estimated wait (P10-P90), and once called the counter to go to. Never personal data.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from queue_service.domain.clock import local_time, zone_abbreviation
from queue_service.clock import now
from queue_service.extensions import db
from queue_service.models import Ticket
from queue_service.services.tickets import position_of, ticket_payload
from queue_service.services.waits import estimate_ticket

bp = Blueprint("status", __name__)


def status_view(ticket: Ticket) -> dict:
    """The page's data (also its script's initial state)."""
    data = ticket_payload(ticket, position=position_of(db.session, ticket))
    data["estimate"] = estimate_ticket(db.session, ticket, now()) if ticket.status == "waiting" else None
    tz = ticket.office.timezone
    data["issued_local"] = f"{local_time(ticket.issued_at, tz):%H:%M} {zone_abbreviation(tz)}"
    data["office_name"] = ticket.office.name
    return data


@bp.get("/t/<token>")
def page(token: str):
    if not 8 <= len(token) <= 64:
        abort(404)
    ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
    if ticket is None:
        abort(404)
    data = status_view(ticket)
    response = render_template("status/page.html", t=data, token=token)
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
