"""A printed ticket as JSON: what the server stores with a print job and hands to the print agent.

Pure (no python-escpos, no database): the server builds the dict from its ticket (``printjobs.jobs``), the
agent on a kiosk PC turns it back into a :class:`printers.layout.TicketPrint` here.
"""
from __future__ import annotations

from datetime import datetime

from .layout import TicketPrint

__all__ = ["payload_ticket_print"]


def payload_ticket_print(payload: dict) -> TicketPrint:
    """A :class:`TicketPrint` from a print job's payload (``printjobs.jobs.ticket_print_payload``)."""
    eta = payload.get("eta_minutes")
    return TicketPrint(
        office_name=str(payload["office_name"]), service_name=str(payload["service_name"]),
        code=str(payload["code"]), issued_at=datetime.fromisoformat(payload["issued_at"]),
        tz_abbrev=str(payload.get("tz_abbrev", "")), people_ahead=int(payload.get("people_ahead", 0)),
        status_url=str(payload["status_url"]),
        eta_minutes=(int(eta[0]), int(eta[1])) if eta else None,
        priority_label=payload.get("priority_label"), footer=str(payload.get("footer") or ""))
