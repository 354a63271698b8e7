"""The report arithmetic, staffing and chart modules stay pure: importing them pulls in no Flask or SQLAlchemy."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["reports.figures", "reports.staffing", "reports.charts"])
def test_pure(module):
    code = (f"import sys, {module}; bad = [m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy') "
            f"if m in sys.modules]; print(','.join(bad)); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f"{module} pulls in {r.stdout.strip() or r.stderr}"
