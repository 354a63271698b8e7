"""``dummy://[name]`` — in memory (python-escpos ``Dummy``), for development and tests.

Each job gets a fresh object; what it wrote is appended to a shared buffer per name, read with
:func:`output` and emptied with :func:`clear`.
"""
from __future__ import annotations

import threading

from .._escpos import Dummy
from . import PrinterURI, register

_LOCK = threading.Lock()
_SINKS: dict[str, bytearray] = {}


class SinkDummy(Dummy):
    def __init__(self, sink: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sink = sink

    def _raw(self, msg: bytes) -> None:
        super()._raw(msg)
        with _LOCK:
            _SINKS.setdefault(self.sink, bytearray()).extend(msg)


def output(name: str = "") -> bytes:
    with _LOCK:
        return bytes(_SINKS.get(name, b""))


def clear(name: str | None = None) -> None:
    with _LOCK:
        if name is None:
            _SINKS.clear()
        else:
            _SINKS.pop(name, None)


@register("dummy")
def open_dummy(uri: PrinterURI, kwargs: dict) -> SinkDummy:
    return SinkDummy(uri.host or uri.path.strip("/"), **kwargs)
