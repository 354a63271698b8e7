"""Printer back-ends, chosen by URI scheme.

A back-end is one small module that calls :func:`register` at import time::

    @register("tcp", reads_status=True)
    def open_tcp(uri: PrinterURI, kwargs: dict) -> Escpos: ...

``kwargs`` are the python-escpos constructor arguments for the profile (profile name, pinned
code page); the opener adds its own connection arguments and returns a *fresh*, not yet
connected python-escpos printer object (python-escpos connects on first write). Built-in kinds:
tcp, usb, serial, cups, file, dummy. Importing this package imports python-escpos.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from typing import Callable
from urllib.parse import parse_qsl, unquote, urlsplit

from ..profiles import PrinterProfile, get_profile

__all__ = ["PrinterURI", "Backend", "register", "backend_for", "parse_uri", "open_printer", "BACKENDS",
           "print_ticket", "send_bytes"]


def __getattr__(name: str):
    # convenience re-exports; printers.printing imports this package, so load it lazily
    if name in ("print_ticket", "send_bytes"):
        from .. import printing

        return getattr(printing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


BACKENDS: dict[str, Backend] = {}
_BUILTIN = ("tcp", "usb", "serial", "cups", "file", "dummy")


def register(scheme: str, *, reads_status: bool = False, finish: Callable[[object], None] | None = None):
    """Decorator: make ``scheme://...`` URIs open with the decorated function."""

    def deco(opener):
        BACKENDS[scheme.lower()] = Backend(scheme.lower(), opener, reads_status, finish)
        return opener

    return deco


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
