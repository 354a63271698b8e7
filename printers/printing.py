"""Print a ticket: render, check status where the printer can tell, send, close.

Errors come out as :mod:`printers.errors` with messages for staff; a malformed or unknown URI
is a ``ValueError`` (a configuration mistake, not a printer fault). :func:`print_payload` is the one
place that turns an attempt into an outcome (the server's print-job worker and the print agent on a
kiosk PC both use it).
"""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

from .backends import backend_for, open_printer, parse_uri
from .backends.faults import close_quietly, translate_errors
from .errors import PaperNearEnd, PaperOut, PrinterError, PrinterOffline, PrinterWarning
from .escpos_render import render_bytes
from .layout import TicketPrint
from .payload import payload_ticket_print
from .profiles import PrinterProfile, get_profile
from .status import PAPER_NEAR_END, PAPER_OUT, read_status

__all__ = ["print_ticket", "send_bytes", "print_payload", "PrintResult"]

log = logging.getLogger(__name__)


def send_bytes(uri: str, profile: str | PrinterProfile, payload: bytes, *, timeout: float | None = None) -> int:
    """Send prepared ESC/POS bytes, checking status first where possible. Returns bytes sent."""
    profile = get_profile(profile)
    backend = backend_for(parse_uri(uri).scheme)
    printer = open_printer(uri, profile, timeout=timeout)
    try:
        with translate_errors(uri):
            if profile.answers_status and backend.reads_status:
                status = read_status(printer)
                if status.online is False:
                    raise PrinterOffline(f"Printer {uri}: {status.message}", uri=uri)
                if status.paper == PAPER_OUT:
                    raise PaperOut(f"Printer {uri}: {status.message}", uri=uri)
                if status.paper == PAPER_NEAR_END:
                    log.warning("printer %s: paper near end", uri)
                    warnings.warn(PaperNearEnd(f"Printer {uri}: {status.message}"), stacklevel=3)
            printer._raw(payload)
            if backend.finish is not None:
                backend.finish(printer)
            printer.close()  # cups:// submits the job here; errors must surface
    finally:
        close_quietly(printer)
    return len(payload)


def print_ticket(
    uri: str,
    *args: str | PrinterProfile | TicketPrint,
    profile: str | PrinterProfile | None = None,
    ticket: TicketPrint | None = None,
    timeout: float | None = None,
) -> int:
    """Print ``ticket`` on the printer at ``uri``; returns the number of bytes sent.

    Call as ``print_ticket(uri, profile, ticket)`` or ``print_ticket(uri, ticket, profile=...)``.
    ``timeout`` (seconds) overrides the back-end default unless the URI has ``?timeout=``.
    Raises PrinterOffline / PrinterTimeout / PaperOut / PrinterError; warns PaperNearEnd
    (``warnings.catch_warnings(record=True)`` to show it to staff) when the roll is low.
    """
    for arg in args:
        if isinstance(arg, TicketPrint) and ticket is None:
            ticket = arg
        elif isinstance(arg, (str, PrinterProfile)) and profile is None:
            profile = arg
        else:
            raise TypeError(f"print_ticket: unexpected argument {arg!r}")
    if ticket is None or profile is None:
        raise TypeError("print_ticket needs a profile and a TicketPrint")
    profile = get_profile(profile)
    return send_bytes(uri, profile, render_bytes(profile, ticket), timeout=timeout)


@dataclass(frozen=True)
class PrintResult:
    """The outcome of one print attempt. ``kind``: None when it printed, else ``offline`` | ``paper_out`` |
    ``error``; ``message`` says why (for staff); ``near_end``: printed, but the roll is low."""

    ok: bool
    kind: str | None = None
    message: str = ""
    near_end: bool = False


def print_payload(uri: str, profile: str | PrinterProfile | None, payload: dict, *, timeout: float | None = None,
                  printer_fn=None) -> PrintResult:
    """Print a print job's payload (:mod:`printers.payload`) on ``uri``; never raises. An unknown profile
    name prints as ``generic-80``. ``printer_fn(uri, profile, ticket)`` replaces the real printing (tests)."""
    try:
        profile = get_profile(profile or "generic-80")
    except KeyError:
        profile = get_profile("generic-80")
    try:
        ticket = payload_ticket_print(payload)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", PrinterWarning)
            if printer_fn is not None:
                printer_fn(uri, profile, ticket)
            else:
                print_ticket(uri, ticket, profile=profile, timeout=timeout)
        return PrintResult(True, near_end=any(issubclass(w.category, PaperNearEnd) for w in caught))
    except PaperOut as exc:
        return PrintResult(False, "paper_out", (str(exc) or "The printer is out of paper.")[:300])
    except PrinterOffline as exc:
        return PrintResult(False, "offline", (str(exc) or "The printer cannot be reached.")[:300])
    except PrinterError as exc:
        return PrintResult(False, "error", (str(exc) or "The printer reported an error.")[:300])
    except Exception as exc:  # a bad URI or a bug in a back-end must not kill the worker or the agent
        log.exception("printing to %s failed unexpectedly", uri)
        return PrintResult(False, "error", f"{type(exc).__name__}: {exc}"[:300])
