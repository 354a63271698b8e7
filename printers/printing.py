"""Print a ticket: render, check status where the printer can tell, send, close.

Errors come out as :mod:`printers.errors` with messages for staff; a malformed or unknown URI
is a ``ValueError`` (a configuration mistake, not a printer fault).
"""
from __future__ import annotations

import contextlib
import logging
import socket
import warnings

from ._escpos import DeviceNotFoundError
from .backends import backend_for, open_printer, parse_uri
from .errors import PaperNearEnd, PaperOut, PrinterError, PrinterOffline, PrinterTimeout
from .escpos_render import render_bytes
from .layout import TicketPrint
from .profiles import PrinterProfile, get_profile
from .status import PAPER_NEAR_END, PAPER_OUT, _close_quietly, read_status

__all__ = ["print_ticket", "send_bytes", "translate_errors"]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def translate_errors(uri: str):
    """Turn transport and python-escpos exceptions into PrinterError subclasses."""
    try:
        yield
    except PrinterError:
        raise
    except DeviceNotFoundError as err:
        detail = str(err).strip().splitlines()[-1] if str(err).strip() else ""
        raise PrinterOffline(
            f"Printer {uri} is not reachable: check that it is switched on, connected and the "
            f"address is right ({detail}).",
            uri=uri,
        ) from err
    except (TimeoutError, socket.timeout) as err:
        raise PrinterTimeout(
            f"Printer {uri} stopped responding (paper jam, cover open, or busy). Check the printer "
            "and try again.",
            uri=uri,
        ) from err
    except (ConnectionError, OSError) as err:
        raise PrinterOffline(f"Lost the connection to printer {uri}: {err}.", uri=uri) from err
    except RuntimeError as err:  # python-escpos: a back-end's library (pyusb, pyserial, pycups) is missing
        raise PrinterError(f"Printer {uri} cannot be used here: {err}", uri=uri) from err
    except Exception as err:
        mod = type(err).__module__ or ""
        if mod.startswith(("usb", "serial")):  # usb.core.USBError, serial.SerialException
            raise PrinterOffline(f"Printer {uri} failed: {err}.", uri=uri) from err
        raise


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
        _close_quietly(printer)
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
