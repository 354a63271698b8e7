"""``cups://queue-name`` — a CUPS raw queue through python-escpos ``CupsPrinter`` (needs pycups).

The job is handed to CUPS when the printer object is closed; CUPS queues it, so a missing
printer shows up in CUPS, not here.
"""
from __future__ import annotations

from .._escpos import CupsPrinter
from ..errors import PrinterError
import re

from . import N_, PrinterPolicy, PrinterURI, PrinterURIRefused, register

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,126}$")


def validate_cups(uri: PrinterURI, policy: PrinterPolicy) -> None:
    if not _NAME.match(uri.host or uri.path.strip("/")):
        raise PrinterURIRefused(f"printer URI {uri.raw!r}: expected cups://QUEUE_NAME",
                                N_("Alamat cups:// berisi nama antrean CUPS, misalnya cups://Printer_Tiket."))
    return None


@register("cups", validate=validate_cups)
def open_cups(uri: PrinterURI, kwargs: dict) -> CupsPrinter:
    name = uri.host or uri.path.strip("/")
    if not name:
        raise ValueError(f"printer URI {uri.raw!r}: missing CUPS queue name (cups://TM-T20II)")
    if not CupsPrinter.is_usable():
        raise PrinterError(
            "cups:// printers need the 'pycups' package (pip install pycups; it builds against "
            "libcups2-dev). Or print directly with tcp:// or usb://.",
            uri=uri.raw,
        )
    return CupsPrinter(name, **kwargs)
