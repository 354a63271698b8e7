"""Printer back-ends, chosen by URI scheme.

A back-end is one small module that calls :func:`register` at import time::

    @register("tcp", reads_status=True)
    def open_tcp(uri: PrinterURI, kwargs: dict) -> Escpos: ...

``kwargs`` are the python-escpos constructor arguments for the profile (profile name, pinned
code page); the opener adds its own connection arguments and returns a *fresh*, not yet
connected python-escpos printer object (python-escpos connects on first write). Built-in kinds:
tcp, usb, serial, cups, file, dummy, agent (printed by the print agent on the kiosk PC, never opened
here). Importing a back-end module imports python-escpos.

This registry is also the one place that decides which printer URIs the server accepts for a
kiosk: :func:`check_uri` refuses unknown schemes and asks the scheme's ``validate`` function
(registered with the opener) under a :class:`PrinterPolicy` built from the operator's
configuration (``PRINTER_FILE_DIRS``, ``PRINTER_TCP_PORTS``, ``PRINTER_TCP_ALLOW_LOCAL``). The
server opens these URIs itself, so a URI is a server capability: ``file://`` may only append to a
directory the operator allowed (never the instance folder or the database), ``tcp://`` only reach
allowed ports on addresses that are not this machine. The admin form asks it when a URI is saved
and the print-job worker asks it again before every print (the configuration may have changed).
"""
from __future__ import annotations

import importlib
import ipaddress
import os
import socket
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

from ..profiles import PrinterProfile, get_profile

__all__ = ["PrinterURI", "Backend", "register", "backend_for", "parse_uri", "open_printer", "BACKENDS",
           "PrinterPolicy", "PrinterURIRefused", "check_uri", "known_schemes", "check_address", "N_"]


def N_(message: str) -> str:
    """Mark an Indonesian source string for extraction; the web layer translates it."""
    return message


@dataclass(frozen=True)
class PrinterURI:
    raw: str
    scheme: str
    host: str
    port: int | None
    path: str
    query: dict[str, str] = field(default_factory=dict)
    #: the raw authority part ("04b8:0e15" for usb://, where urlsplit's port makes no sense)
    netloc: str = ""

    def float_param(self, name: str, default: float) -> float:
        value = self.query.get(name)
        if value is None:
            return default
        try:
            result = float(value)
        except ValueError:
            raise ValueError(f"printer URI {self.raw!r}: {name}={value!r} is not a number") from None
        if result <= 0:
            raise ValueError(f"printer URI {self.raw!r}: {name} must be > 0")
        return result

    def int_param(self, name: str, default: int) -> int:
        value = self.query.get(name)
        if value is None:
            return default
        try:
            return int(value, 0)
        except ValueError:
            raise ValueError(f"printer URI {self.raw!r}: {name}={value!r} is not an integer") from None


@dataclass(frozen=True)
class Backend:
    scheme: str
    opener: Callable[[PrinterURI, dict], object]
    #: the connection can read replies, so DLE EOT status queries work
    reads_status: bool = False
    #: called after the job was written, before close (e.g. flush a file)
    finish: Callable[[object], None] | None = None
    #: ``validate(uri, policy)`` raises :class:`PrinterURIRefused`, or returns the URI to open (e.g. with
    #: the host resolved to the address that was checked) or None (open it as it is)
    validate: Callable[[PrinterURI, "PrinterPolicy"], str | None] | None = None


BACKENDS: dict[str, Backend] = {}
_BUILTIN = ("tcp", "usb", "serial", "cups", "file", "dummy", "agent")


def register(scheme: str, *, reads_status: bool = False, finish: Callable[[object], None] | None = None,
             validate: Callable[[PrinterURI, "PrinterPolicy"], str | None] | None = None):
    """Decorator: make ``scheme://...`` URIs open with the decorated function. ``validate`` decides
    whether the server may open such a URI under the operator's :class:`PrinterPolicy`."""

    def deco(opener):
        BACKENDS[scheme.lower()] = Backend(scheme.lower(), opener, reads_status, finish, validate)
        return opener

    return deco


def known_schemes() -> list[str]:
    return sorted(set(BACKENDS) | set(_BUILTIN))


# --------------------------------------------------------------------------- what the server may open


class PrinterURIRefused(ValueError):
    """A printer URI the server will not open. ``msgid``/``params``: the Indonesian message for the form
    (translated by the web layer); ``str()`` is the English sentence for logs and print-job errors."""

    def __init__(self, message: str, msgid: str, **params):
        super().__init__(message)
        self.msgid, self.params = msgid, params


def _port_set(entries: Iterable) -> frozenset[int]:
    """``[9100, "9101-9103"]`` -> {9100, 9101, 9102, 9103}."""
    ports: set[int] = set()
    for entry in entries or ():
        if isinstance(entry, bool):
            raise ValueError(f"PRINTER_TCP_PORTS: {entry!r} is not a port")
        if isinstance(entry, int):
            low = high = entry
        else:
            text = str(entry).strip()
            low_s, _, high_s = text.partition("-")
            try:
                low, high = int(low_s), int(high_s or low_s)
            except ValueError:
                raise ValueError(f"PRINTER_TCP_PORTS: {entry!r} is not a port or a range a-b") from None
        if not 1 <= low <= high <= 65535:
            raise ValueError(f"PRINTER_TCP_PORTS: {entry!r} is outside 1-65535")
        ports.update(range(low, high + 1))
    return frozenset(ports)


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


@dataclass(frozen=True)
class PrinterPolicy:
    """Where the server may send ticket bytes (from the operator's configuration)."""

    #: ``file://`` only under these directories (resolved); empty = ``file://`` refused
    file_dirs: tuple[str, ...] = ()
    #: ``tcp://`` only to these ports
    tcp_ports: frozenset[int] = frozenset({9100})
    #: ``tcp://`` may reach loopback, unspecified and link-local addresses (this machine, 169.254.x.x)
    allow_local: bool = False
    #: never written, whatever ``file_dirs`` says: the instance folder, the database file (resolved)
    forbidden: tuple[str, ...] = ()
    #: host name -> addresses (``socket.getaddrinfo`` by default)
    resolve: Callable[[str, int], list[str]] = field(default=_resolve, compare=False, repr=False)

    @classmethod
    def from_config(cls, config, *, instance_path: str | None = None, database_path: str | None = None
                    ) -> "PrinterPolicy":
        dirs = config.get("PRINTER_FILE_DIRS") or ()
        if isinstance(dirs, str):
            dirs = [d for d in dirs.split(os.pathsep) if d]
        forbidden = [p for p in (instance_path, database_path) if p]
        if database_path:
            forbidden += [database_path + suffix for suffix in ("-wal", "-shm", "-journal")]
        ports = config.get("PRINTER_TCP_PORTS", [9100])
        if isinstance(ports, (int, str)):
            ports = [ports]
        return cls(file_dirs=tuple(os.path.realpath(os.path.expanduser(str(d))) for d in dirs),
                   tcp_ports=_port_set(ports), allow_local=bool(config.get("PRINTER_TCP_ALLOW_LOCAL", False)),
                   forbidden=tuple(os.path.realpath(p) for p in forbidden))

    def path_allowed(self, path: str) -> str:
        """The resolved path (symlinks and ``..`` followed) when it is under an allowed directory and not
        a forbidden one; raises :class:`PrinterURIRefused`."""
        if not path.startswith("/"):
            raise PrinterURIRefused(f"file:// needs an absolute path: {path!r}",
                                    N_("Alamat file:// harus berupa path lengkap, misalnya file:///var/spool/tiket.bin."))
        real = os.path.realpath(path)
        for bad in self.forbidden:
            if real == bad or _inside(real, bad):
                raise PrinterURIRefused(f"file:// may not write to {real} (the server's own data)",
                                        N_("Printer tidak boleh menulis ke folder data atau database server."))
        if not any(_inside(real, d) for d in self.file_dirs):
            if not self.file_dirs:
                raise PrinterURIRefused("file:// printers are not allowed on this server (PRINTER_FILE_DIRS is empty)",
                                        N_("Printer file:// tidak diizinkan di server ini (PRINTER_FILE_DIRS kosong)."))
            raise PrinterURIRefused(f"file:// may only write under {', '.join(self.file_dirs)}, not {real}",
                                    N_("Printer file:// hanya boleh menulis di dalam folder %(dirs)s."),
                                    dirs=", ".join(self.file_dirs))
        return real


def _inside(path: str, directory: str) -> bool:
    try:
        return os.path.commonpath([path, directory]) == directory and path != directory
    except ValueError:
        return False


def check_address(address: str, policy: PrinterPolicy) -> None:
    """Refuse this machine (loopback, unspecified, 0.0.0.0/8), link-local, multicast and reserved
    addresses, IPv4-mapped IPv6 forms included, unless the policy allows local ones."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    local = ip.is_loopback or ip.is_unspecified or ip.is_link_local or (
        ip.version == 4 and ip in ipaddress.ip_network("0.0.0.0/8"))
    if local and policy.allow_local:
        return
    if local or ip.is_multicast or ip.is_reserved:
        raise PrinterURIRefused(f"tcp:// may not reach {ip} (this machine, link-local or reserved)",
                                N_("Printer tcp:// tidak boleh menuju alamat %(address)s (server ini, link-local "
                                   "atau alamat khusus)."), address=str(ip))


def _has_control(text: str) -> bool:
    return any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def check_uri(uri: str, policy: PrinterPolicy) -> str:
    """Whether the server may open ``uri`` under ``policy``. Returns the URI to open (for ``tcp://`` the
    host replaced by the address that was checked, so a later DNS answer cannot point it elsewhere);
    raises :class:`PrinterURIRefused` with a message for the form."""
    schemes = ", ".join(s + "://" for s in known_schemes())
    if not isinstance(uri, str) or not uri or len(uri) > 200 or _has_control(uri):
        raise PrinterURIRefused(f"not a printer URI: {uri!r}",
                                N_("Alamat printer paling banyak 200 karakter, tanpa spasi atau karakter kontrol."))
    try:
        parsed = parse_uri(uri)
        backend = backend_for(parsed.scheme)
    except ValueError:
        raise PrinterURIRefused(f"unknown printer URI {uri!r}; supported: {schemes}",
                                N_("Alamat printer diawali salah satu dari: %(schemes)s"), schemes=schemes) from None
    if backend.validate is None:
        return uri
    return backend.validate(parsed, policy) or uri


def parse_uri(uri: str) -> PrinterURI:
    if not isinstance(uri, str) or "://" not in uri:
        raise ValueError(f"not a printer URI: {uri!r} (expected e.g. tcp://192.168.1.50:9100)")
    parts = urlsplit(uri)
    try:
        port = parts.port
    except ValueError:  # not a number: only an error for kinds that use a port (tcp checks)
        port = None
    return PrinterURI(
        raw=uri,
        scheme=parts.scheme.lower(),
        host=unquote(parts.hostname or ""),
        port=port,
        path=unquote(parts.path),
        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
        netloc=unquote(parts.netloc),
    )


def backend_for(scheme: str) -> Backend:
    scheme = scheme.lower()
    if scheme not in BACKENDS and scheme in _BUILTIN:
        importlib.import_module(f"{__name__}.{scheme}_backend")
    try:
        return BACKENDS[scheme]
    except KeyError:
        known = sorted(set(BACKENDS) | set(_BUILTIN))
        raise ValueError(
            f"unknown printer URI scheme {scheme!r}; supported: {', '.join(s + '://' for s in known)}"
        ) from None


def open_printer(uri: str, profile: str | PrinterProfile, *, timeout: float | None = None):
    """A fresh python-escpos printer object for ``uri`` (one per job: python-escpos 3.1 loses
    the code page when an object is reused). ``timeout`` (seconds) applies where the URI has no
    ``?timeout=``. Raises ValueError for a malformed or unknown URI."""
    from ..escpos_render import escpos_kwargs

    parsed = parse_uri(uri)
    if timeout is not None and "timeout" not in parsed.query:
        parsed = replace(parsed, query={**parsed.query, "timeout": str(timeout)})
    backend = backend_for(parsed.scheme)
    return backend.opener(parsed, escpos_kwargs(get_profile(profile)))
