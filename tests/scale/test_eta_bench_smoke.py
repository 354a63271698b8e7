"""The wait-estimate benchmark at its smallest (``--smoke``): it drives the real services through simulated
days, records and calibrates, reports every figure it claims and exits non-zero when a request fails. The
targets themselves are for the full run (``python bench/eta_simulation.py``), not for a smoke run."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def test_eta_simulation_smoke(tmp_path):
    out = tmp_path / "eta.json"
    proc = subprocess.run([sys.executable, "bench/eta_simulation.py", "--smoke", "--no-targets", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["errors"] == 0
    assert report["config"]["smoke"] and report["config"]["warmup_days"] == 1
    (day_set,) = report["sets"]
    assert [d["scored"] for d in day_set["days"]] == [False, True]
    overall = report["overall"]
    assert overall["n"] > 20 and overall["unestimated"] == 0
    for key in ("mae_min", "bias_min", "coverage_p10_p90", "model_coverage"):
        assert key in overall["eta"]
    assert set(report["by_hour"]) == {f"{h:02d}" for h in range(8, 14)}
    assert set(report["targets"]["checks"]) == {"mae_at_most_half_naive", "abs_bias_at_most_1_min",
                                                "coverage_75_85_overall", "coverage_65_every_hour"}
    assert "target MAE <= 0.5 x naive" in proc.stdout and "simulated requests failed: 0" in proc.stdout


def test_exit_status_of_the_benchmark():
    import importlib.util
    spec = importlib.util.spec_from_file_location("eta_simulation", ROOT / "bench" / "eta_simulation.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # its dataclasses look their module up
    try:
        spec.loader.exec_module(bench)
    finally:
        del sys.modules[spec.name]
    met, missed = {"errors": 0, "targets": {"all_met": True}}, {"errors": 0, "targets": {"all_met": False}}
    failed = {"errors": 3, "targets": {"all_met": True}}
    assert bench.exit_status(met) == 0 and bench.exit_status(missed) == 1
    assert bench.exit_status(missed, no_targets=True) == 0
    assert bench.exit_status(failed) == 2 and bench.exit_status(failed, no_targets=True) == 2
