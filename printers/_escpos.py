"""The one place that imports python-escpos.

``escpos.capabilities`` creates a new temporary directory on every import unless
``ESCPOS_CAPABILITIES_PICKLE_DIR`` is set, so point it at a stable cache directory first
(``$ADMINDUK_ESCPOS_CACHE``, else ``$XDG_CACHE_HOME``/``~/.cache``/adminduk-queue/escpos, else a
fixed directory under the system temp dir).
"""
from __future__ import annotations

import os
import sys
import tempfile


def _cache_dir() -> str:
    candidates = []
    if os.environ.get("ADMINDUK_ESCPOS_CACHE"):
        candidates.append(os.environ["ADMINDUK_ESCPOS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidates.append(os.path.join(base, "adminduk-queue", "escpos"))
    uid = getattr(os, "getuid", lambda: "user")()
    candidates.append(os.path.join(tempfile.gettempdir(), f"adminduk-escpos-{uid}"))
    for path in candidates:
        try:
            os.makedirs(path, exist_ok=True)
        except OSError:
            continue
        if os.access(path, os.W_OK):
            return path
    return tempfile.gettempdir()


if "escpos.capabilities" not in sys.modules:
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", _cache_dir())

from escpos import constants  # noqa: E402
from escpos.exceptions import DeviceNotFoundError  # noqa: E402
from escpos.escpos import Escpos  # noqa: E402
from escpos.printer import CupsPrinter, Dummy, File, Network, Serial, Usb  # noqa: E402

__all__ = ["constants", "DeviceNotFoundError", "Escpos", "CupsPrinter", "Dummy", "File", "Network", "Serial", "Usb"]
