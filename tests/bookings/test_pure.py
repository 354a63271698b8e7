"""The bookings package's rules are pure: importing them pulls in neither Flask nor SQLAlchemy."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE = ["bookings", "bookings.slots", "bookings.availability", "bookings.checkin", "bookings.codes",
        "bookings.messages", "bookings.limits", "bookings.advice", "queue_service.domain.calendar",
        "inventory.booking_cap"]


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_flask_or_sqlalchemy(module):
    code = (f"import sys, {module}; bad = [m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy') "
            f"if m in sys.modules]; print(','.join(bad)); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f"{module} pulls in {r.stdout.strip() or r.stderr}"


def test_bookings_never_imports_kiosk_printers_or_inventory():
    import ast

    for path in (ROOT / "bookings").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            bad = [n for n in names if n.split(".")[0] in ("kiosk", "printers", "inventory")]
            assert not bad, f"{path} imports {bad}"
