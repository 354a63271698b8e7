"""Smoke runs of the reports benchmark and the staffing check at tiny sizes (no target is checked: benchmarks are
not timed tests): they run, print their table, write JSON with the figures they claim."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def test_reports_bench_tiny_on_both_databases(tmp_path, postgres_server):
    out = tmp_path / "reports.json"
    proc = subprocess.run([sys.executable, "bench/reports_bench.py", "--db", "both", "--offices", "2", "--days", "35",
                           "--per-day", "40", "--repeat", "1", "--no-targets", "--raw", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "office_month" in proc.stdout
    report = json.loads(out.read_text())
    assert [r["db"] for r in report["runs"]] == ["sqlite", "postgres"] and not report["failures"]
    for run in report["runs"]:
        assert run["tickets"] == 2 * 35 * 40 and run["rollup_check"]["same_figures"]
        assert run["results"]["office_month"]["issued"] == 31 * 40
        assert run["results"]["office_month"]["raw_seconds"] > 0


def test_reports_bench_exits_non_zero_on_a_missed_target(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "bench"))
    import reports_bench

    monkeypatch.setitem(reports_bench.TARGETS, "sqlite", {"office_year": 0.0})
    rc = reports_bench.main(["--db", "sqlite", "--offices", "1", "--days", "10", "--per-day", "20", "--repeat", "1",
                             "--out", str(tmp_path / "r.json")])
    assert rc == 1 and json.loads((tmp_path / "r.json").read_text())["failures"]


def test_staffing_check_tiny(tmp_path):
    out = tmp_path / "staff.json"
    proc = subprocess.run([sys.executable, "bench/staffing_check.py", "--sizes", "120", "--days", "4",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (r,) = json.loads(out.read_text())["results"]
    assert r["rows"] and r["counter_hours"]["erlang"] > 0 and r["simpy_check"]
    assert "SimPy vs recursion" in proc.stdout
