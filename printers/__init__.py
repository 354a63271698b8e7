"""Ticket printers: layout (pure), python-escpos rendering, back-ends by URI, status, preview.

Kept light: importing ``printers`` or ``printers.layout`` does not import python-escpos or Flask.
The names below load their module on first use.

    from printers import TicketPrint, get_profile, print_ticket
    print_ticket("tcp://192.168.1.50:9100", "TM-T20II", TicketPrint(...))
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "TicketPrint": "layout", "layout_ticket": "layout",
    "PrinterProfile": "profiles", "get_profile": "profiles", "register_profile": "profiles",
    "custom_profile": "profiles", "PROFILES": "profiles",
    "PrinterError": "errors", "PrinterOffline": "errors", "PrinterTimeout": "errors",
    "PaperOut": "errors", "PaperNearEnd": "errors", "PrinterWarning": "errors",
    "render_bytes": "escpos_render",
    "open_printer": "backends", "register_backend": "backends",
    "print_ticket": "printing", "send_bytes": "printing",
    "query_status": "status", "PrinterStatus": "status",
    "preview_png": "preview", "preview_image": "preview",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'printers' has no attribute {name!r}")
    attr = "register" if name == "register_backend" else name
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    globals()[name] = value
    return value
