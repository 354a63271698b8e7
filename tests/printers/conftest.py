"""The print tests' printers are tests/plugins/printer.py's (a real TCP listener on 127.0.0.1)."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _loopback_printers_allowed(request):
    """These tests' printers listen on 127.0.0.1 at random ports: allow that here (a deployment refuses
    loopback and every port but 9100 by default, see tests/hardening/test_printer_destinations.py)."""
    for name in ("app", "any_app", "pg_app"):
        if name in request.fixturenames:
            request.getfixturevalue(name).config.update(PRINTER_TCP_ALLOW_LOCAL=True,
                                                        PRINTER_TCP_PORTS=["1024-65535"])
