"""Printers: staff page, reprint, print preview, print-agent API, and the print-job worker."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from printers import models  # noqa: F401  (tables on the shared metadata)
