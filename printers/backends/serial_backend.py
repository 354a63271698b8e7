"""``serial:///dev/ttyUSB0?baud=9600[&timeout=3&flow=none|rtscts|dsrdtr|xonxoff]`` — python-escpos
``Serial`` (needs pyserial). On Windows: ``serial:///COM3``."""
from __future__ import annotations

from .._escpos import Serial
import os
import re

from . import N_, PrinterPolicy, PrinterURI, PrinterURIRefused, register

_COM = re.compile(r"^COM[0-9]{1,3}$", re.I)


def _device(uri: PrinterURI) -> str:
    device = uri.path or uri.host
    if uri.host and uri.path:  # serial://COM3/ or serial://dev/ttyUSB0
        device = f"/{uri.host}{uri.path}"
    if device.startswith("/") and device[1:].upper().startswith("COM"):
        device = device[1:]
    return device


def validate_serial(uri: PrinterURI, policy: PrinterPolicy) -> None:
    """A serial port is a device node (``/dev/tty*``, ``COM3``), not any file of the server."""
    device = _device(uri)
    if _COM.match(device):
        return None
    real = os.path.realpath(device) if device.startswith("/") else ""
    if not real.startswith("/dev/tty"):
        raise PrinterURIRefused(f"serial:// needs a serial device such as /dev/ttyUSB0, not {device!r}",
                                N_("Alamat serial:// harus menunjuk port serial, misalnya serial:///dev/ttyUSB0."))
    return None


@register("serial", reads_status=True, validate=validate_serial)
def open_serial(uri: PrinterURI, kwargs: dict) -> Serial:
    device = _device(uri)
    if not device:
        raise ValueError(f"printer URI {uri.raw!r}: missing device (serial:///dev/ttyUSB0?baud=9600)")
    flow = uri.query.get("flow", "none").lower()
    if flow not in ("none", "rtscts", "dsrdtr", "xonxoff"):
        raise ValueError(f"printer URI {uri.raw!r}: flow must be none, rtscts, dsrdtr or xonxoff")
    return Serial(
        device,
        baudrate=uri.int_param("baud", 9600),
        timeout=uri.float_param("timeout", 3.0),
        xonxoff=flow == "xonxoff",
        dsrdtr=flow == "dsrdtr",
        **kwargs,
    )
