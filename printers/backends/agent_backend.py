"""``agent://[name]`` — printed by ``adminduk print-agent`` on the kiosk PC, which claims the kiosk's jobs
over HTTP and prints on its own local printer. The server never opens it."""
from __future__ import annotations

from . import PrinterPolicy, PrinterURI, register


def validate_agent(uri: PrinterURI, policy: PrinterPolicy) -> None:
    return None  # nothing is opened on the server


@register("agent", validate=validate_agent)
def open_agent(uri: PrinterURI, kwargs: dict):
    raise ValueError(f"printer URI {uri.raw!r} is printed by the kiosk's print agent, not by the server")
