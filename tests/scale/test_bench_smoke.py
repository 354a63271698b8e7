"""Smoke runs of the benchmark scripts at tiny sizes: they start their server, measure, print a table and
write JSON with the figures they claim (no target is checked here: benchmarks are not timed tests)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _run(args, tmp_path, name):
    out = tmp_path / f"{name}.json"
    proc = subprocess.run([sys.executable, *args, "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)
    return proc, json.loads(out.read_text()) if out.exists() else None


def test_run_py_quick(tmp_path):
    proc, report = _run(["bench/run.py", "--quick", "--configs", "sqlite:1"], tmp_path, "run")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Targets" in proc.stdout and "req/s" in proc.stdout
    (result,) = report["results"]
    assert [x["clients"] for x in result["issue"]] == [1, 8]
    assert all(x["requests"] > 0 and x["errors"] == 0 for x in result["issue"])
    assert result["call_next"]["requests"] > 0 and result["call_next"]["errors"] == 0
    assert result["kiosk"]["errors"] == 0, result["kiosk"]
    rt = result["realtime"]
    assert rt["connected"] == rt["clients"] and rt["missing"] == 0 and rt["p99_ms"] is not None
    assert report["printer"]["results"] and report["forecast"]["series"] == 6


def test_soak_tiny(tmp_path):
    proc, result = _run(["bench/soak.py", "--tickets", "30", "--seconds", "3", "--displays", "2",
                         "--status-per-minute", "2"], tmp_path, "soak")
    assert result is not None, proc.stderr[-2000:]
    assert result["tickets_issued"] == 30 and result["errors"] == 0, result["error_sample"]
    assert result["display_missed_calls"] == 0 and result["calls"] >= 30
    assert result["rss_mb"]["start"] > 0 and result["rss_mb"]["peak"] >= result["rss_mb"]["end"]
    assert proc.returncode == 0, proc.stdout[-2000:]


@pytest.mark.parametrize("client,mode", [("raw", "gevent"), ("socketio", "threading")])
def test_realtime_latency_tiny(client, mode):
    proc = subprocess.run([sys.executable, "bench/realtime_latency.py", "--clients", "6", "--procs", "1",
                           "--calls", "3", "--gap", "0.05", "--client", client, "--async-mode", mode, "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["connected"] == 6 and out["calls"] == 3 and out["deliveries"] == 18 and out["missing"] == 0
    assert out["async_mode"] == mode and out["client"] == client and out["p99_ms"] > 0
