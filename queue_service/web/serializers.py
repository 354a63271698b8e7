"""The JSON shape of a ticket in API answers (the core's and the kiosk's): the event payload
(``services.tickets.ticket_payload``) plus its public status URL and office; the token only for whoever
issued it."""
from __future__ import annotations

from queue_service.domain.urls import status_url
from queue_service.extensions import db
from queue_service.models import Ticket
from queue_service.services.tickets import position_of, ticket_payload
from queue_service.web.helpers import public_base


def ticket_json(ticket: Ticket, *, with_token: bool = False, position: int | None | bool = False) -> dict:
    """``position``: pass it when already known (e.g. from the ticket_issued event) to skip the count."""
    if position is False:
        position = position_of(db.session, ticket)
    data = ticket_payload(ticket, position=position)
    data["status_url"] = status_url(public_base(), ticket.token)
    data["office"] = ticket.office.code
    if with_token:
        data["token"] = ticket.token
    return data
