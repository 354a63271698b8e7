"""Printer status over real-time ``DLE EOT`` (python-escpos ``is_online()`` / ``paper_status()``).

Only for profiles with ``answers_status`` on back-ends that can read (tcp, usb, serial); others
report ``unknown``. Many cheap 58 mm printers never answer, which would cost a full timeout per
ticket, so the profile decides, not a probe.
"""
from __future__ import annotations

from dataclasses import dataclass

from .backends import backend_for, open_printer, parse_uri
from .backends.faults import close_quietly, translate_errors
from .errors import PrinterError
from .profiles import PrinterProfile, get_profile

__all__ = ["PrinterStatus", "read_status", "query_status"]

PAPER_OK, PAPER_NEAR_END, PAPER_OUT, UNKNOWN = "ok", "near_end", "out", "unknown"


@dataclass(frozen=True)
class PrinterStatus:
    online: bool | None  # None: not known (the printer does not answer status)
    paper: str  # ok | near_end | out | unknown
    message: str = ""

    @property
    def ready(self) -> bool:
        return self.online is not False and self.paper != PAPER_OUT


def read_status(printer) -> PrinterStatus:
    """Ask an open python-escpos printer object. Raises the transport's errors (TimeoutError, ...)."""
    if not printer.is_online():  # DLE EOT 1; also False when nothing came back
        return PrinterStatus(False, UNKNOWN, "The printer reports it is offline (cover open or printer error).")
    paper = {2: PAPER_OK, 1: PAPER_NEAR_END, 0: PAPER_OUT}[printer.paper_status()]  # DLE EOT 4
    message = {
        PAPER_OK: "",
        PAPER_NEAR_END: "Paper is running low: change the roll soon.",
        PAPER_OUT: "The printer is out of paper: load a new roll.",
    }[paper]
    return PrinterStatus(True, paper, message)


def query_status(uri: str, profile: str | PrinterProfile) -> PrinterStatus:
    """Status of the printer at ``uri`` for a health page. Never raises PrinterError: an
    unreachable printer is reported as ``online=False`` with the reason."""
    profile = get_profile(profile)
    if not (profile.answers_status and backend_for(parse_uri(uri).scheme).reads_status):
        return PrinterStatus(None, UNKNOWN, "This printer does not report its status.")
    printer = open_printer(uri, profile)
    try:
        with translate_errors(uri):
            return read_status(printer)
    except PrinterError as err:
        return PrinterStatus(False, UNKNOWN, str(err))
    finally:
        close_quietly(printer)
