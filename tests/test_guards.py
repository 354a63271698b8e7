"""The suite's own guards fail when they should: a thread's failure is never lost, and with
ADMINDUK_REQUIRE_SERVICES=1 nothing can skip (tests/plugins/threads.py, tests/plugins/servers.py)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.plugins.threads import ThreadFailure, ThreadGroup, run_threads

ROOT = Path(__file__).resolve().parents[1]


def test_run_threads_returns_results_in_order():
    assert run_threads(5, lambda i: i * i) == [0, 1, 4, 9, 16]


def test_a_failed_assertion_in_one_thread_fails_even_when_the_others_do_the_work():
    done = []

    def work(i):
        assert i != 2, "counter 2 got a 500"
        done.append(i)

    with pytest.raises(ThreadFailure, match=r"1 of 4 thread\(s\) raised(.|\n)*counter 2 got a 500"):
        run_threads(4, work)
    assert sorted(done) == [0, 1, 3]  # the others finished: a count alone would not have noticed


def test_a_hung_thread_fails_at_the_deadline():
    release = threading.Event()
    group = ThreadGroup("stuck")
    group.start(release.wait)
    try:
        with pytest.raises(ThreadFailure, match="still running at the deadline: stuck-0"):
            group.join(0.2)
    finally:
        release.set()


def test_check_raises_while_others_still_run():
    release = threading.Event()
    group = ThreadGroup()
    group.start(release.wait)
    failed = group.start(lambda: 1 / 0)
    failed.join(10)
    with pytest.raises(ThreadFailure) as info:
        group.check()
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    release.set()
    with pytest.raises(ThreadFailure):
        group.join(10)


SKIPPING = '''
import threading
import pytest

def test_plain_skip():
    pytest.skip("nothing to run it on")

@pytest.mark.skipif(True, reason="a mark")
def test_marked():
    pass

def test_ok():
    pass
'''
SKIPPING_MODULE = '''
import pytest
pytest.importorskip("no_such_module_for_adminduk")

def test_never_collected():
    pass
'''
THREAD = '''
import threading

def test_a_raw_thread_that_raises():
    t = threading.Thread(target=lambda: 1 / 0)
    t.start()
    t.join()
'''


def _pytest(tmp_path, files: dict, require: bool):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ADMINDUK_REQUIRE_SERVICES": "1" if require else "0"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(ROOT / "setup.cfg"),
                           "--rootdir", str(tmp_path), "-p", "tests.plugins.servers", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)


def test_every_kind_of_skip_fails_under_the_switch(tmp_path):
    tests_dir, module_dir = tmp_path / "tests", tmp_path / "module"
    tests_dir.mkdir(), module_dir.mkdir()
    local = _pytest(tests_dir, {"test_skipping.py": SKIPPING}, require=False)
    assert local.returncode == 0 and "1 passed, 2 skipped" in local.stdout, local.stdout[-2000:]
    ci = _pytest(tests_dir, {"test_skipping.py": SKIPPING}, require=True)
    assert ci.returncode == 1 and "1 failed, 1 passed, 1 error" in ci.stdout, ci.stdout[-2000:]  # skipif: at setup
    assert ci.stdout.count("SKIPPED under ADMINDUK_REQUIRE_SERVICES=1") >= 2, ci.stdout[-3000:]

    local = _pytest(module_dir, {"test_skipping_module.py": SKIPPING_MODULE}, require=False)
    assert local.returncode == 5 and "1 skipped" in local.stdout, local.stdout[-2000:]  # 5: no test ran
    ci = _pytest(module_dir, {"test_skipping_module.py": SKIPPING_MODULE}, require=True)
    assert ci.returncode not in (0, 5) and "SKIPPED under ADMINDUK_REQUIRE_SERVICES=1" in ci.stdout, ci.stdout[-2000:]


def test_an_uncaught_exception_in_any_thread_fails_the_test(tmp_path):
    run = _pytest(tmp_path, {"test_thread.py": THREAD}, require=False)
    assert run.returncode == 1 and "1 failed" in run.stdout, run.stdout[-2000:]
    assert "ZeroDivisionError" in run.stdout
