"""``serial:///dev/ttyUSB0?baud=9600[&timeout=3&flow=none|rtscts|dsrdtr|xonxoff]`` — python-escpos
``Serial`` (needs pyserial). On Windows: ``serial:///COM3``."""
from __future__ import annotations

from .._escpos import Serial
from . import PrinterURI, register


@register("serial", reads_status=True)
def open_serial(uri: PrinterURI, kwargs: dict) -> Serial:
    device = uri.path or uri.host
    if uri.host and uri.path:  # serial://COM3/ or serial://dev/ttyUSB0
        device = f"/{uri.host}{uri.path}"
    if device.startswith("/") and device[1:].upper().startswith("COM"):
        device = device[1:]
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
