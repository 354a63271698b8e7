"""The feedback package's pure modules import neither Flask nor SQLAlchemy."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE = ["feedback", "feedback.questionnaire", "feedback.survey", "feedback.ikm", "feedback.sample",
        "feedback.periods", "feedback.privacy", "feedback.complaints", "feedback.limits", "feedback.lapor",
        "feedback.chart"]


@pytest.mark.parametrize("module", PURE)
def test_pure_module(module):
    code = (f"import sys, {module}; bad = [m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy', 'flask_babel') "
            f"if m in sys.modules]; print(','.join(bad)); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f"{module} pulls in {r.stdout.strip() or r.stderr}"
