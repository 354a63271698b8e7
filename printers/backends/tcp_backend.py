"""``tcp://host[:9100][?timeout=3]`` — raw TCP (JetDirect / port 9100), python-escpos ``Network``."""
from __future__ import annotations

from .._escpos import Network
from . import N_, PrinterPolicy, PrinterURI, PrinterURIRefused, check_address, register

DEFAULT_PORT = 9100
#: seconds for connect, each send and each status reply; a stalled printer fails this fast
DEFAULT_TIMEOUT = 3.0


def validate_tcp(uri: PrinterURI, policy: PrinterPolicy) -> str:
    """Only ports the operator allowed (9100 by default), only addresses that are not this machine
    (every address the host name resolves to is checked); the URI returned names the checked address."""
    if not uri.host:
        raise PrinterURIRefused(f"printer URI {uri.raw!r}: missing host",
                                N_("Alamat tcp:// perlu host, misalnya tcp://192.168.1.50:9100."))
    if uri.port is None and uri.netloc.rpartition("]")[2].count(":"):
        raise PrinterURIRefused(f"printer URI {uri.raw!r}: bad port",
                                N_("Port printer tidak valid, misalnya tcp://192.168.1.50:9100."))
    port = uri.port or DEFAULT_PORT
    if port not in policy.tcp_ports:
        allowed = ", ".join(str(p) for p in sorted(policy.tcp_ports)[:10]) or "-"
        raise PrinterURIRefused(f"tcp:// port {port} is not allowed (PRINTER_TCP_PORTS: {allowed})",
                                N_("Port %(port)s tidak diizinkan untuk printer (port yang diizinkan: %(allowed)s)."),
                                port=port, allowed=allowed)
    try:
        addresses = policy.resolve(uri.host, port)
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        raise PrinterURIRefused(f"tcp:// host {uri.host!r} cannot be resolved",
                                N_("Nama host printer %(host)s tidak ditemukan."), host=uri.host)
    for address in addresses:
        check_address(address, policy)
    address = addresses[0].split("%", 1)[0]
    host = f"[{address}]" if ":" in address else address
    query = uri.raw.partition("?")[2]
    return f"tcp://{host}:{port}" + (f"?{query}" if query else "")


@register("tcp", reads_status=True, validate=validate_tcp)
def open_tcp(uri: PrinterURI, kwargs: dict) -> Network:
    if not uri.host:
        raise ValueError(f"printer URI {uri.raw!r}: missing host (tcp://192.168.1.50:9100)")
    if uri.port is None and uri.netloc.rpartition("]")[2].count(":"):
        raise ValueError(f"printer URI {uri.raw!r}: bad port (tcp://192.168.1.50:9100)")
    return Network(uri.host, uri.port or DEFAULT_PORT, timeout=uri.float_param("timeout", DEFAULT_TIMEOUT), **kwargs)
