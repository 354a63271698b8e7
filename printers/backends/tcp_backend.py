"""``tcp://host[:9100][?timeout=3]`` — raw TCP (JetDirect / port 9100), python-escpos ``Network``."""
from __future__ import annotations

from .._escpos import Network
from . import PrinterURI, register

DEFAULT_PORT = 9100
#: seconds for connect, each send and each status reply; a stalled printer fails this fast
DEFAULT_TIMEOUT = 3.0


@register("tcp", reads_status=True)
def open_tcp(uri: PrinterURI, kwargs: dict) -> Network:
    if not uri.host:
        raise ValueError(f"printer URI {uri.raw!r}: missing host (tcp://192.168.1.50:9100)")
    if uri.port is None and uri.netloc.rpartition("]")[2].count(":"):
        raise ValueError(f"printer URI {uri.raw!r}: bad port (tcp://192.168.1.50:9100)")
    return Network(uri.host, uri.port or DEFAULT_PORT, timeout=uri.float_param("timeout", DEFAULT_TIMEOUT), **kwargs)
