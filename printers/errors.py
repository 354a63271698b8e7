"""Printer errors with messages staff can act on (shown on the kiosk and the manager page)."""
from __future__ import annotations

__all__ = ["PrinterError", "PrinterOffline", "PrinterTimeout", "PaperOut", "PaperNearEnd", "PrinterWarning"]


class PrinterError(Exception):
    """Printing failed. ``str(err)`` is a human message; ``uri`` names the printer."""

    def __init__(self, message: str, *, uri: str | None = None) -> None:
        super().__init__(message)
        self.uri = uri


class PrinterOffline(PrinterError):
    """The printer cannot be reached (off, unplugged, wrong address, refused connection)."""


class PrinterTimeout(PrinterOffline):
    """The printer accepted the connection but stopped answering or taking data in time
    (jammed, cover open, buffer full, or not an ESC/POS printer)."""


class PaperOut(PrinterError):
    """The paper sensor reports no paper: nothing was printed."""


class PrinterWarning(UserWarning):
    """A state that does not stop printing but needs staff attention soon."""


class PaperNearEnd(PrinterWarning):
    """The near-end sensor tripped: the ticket was printed, change the roll soon."""
