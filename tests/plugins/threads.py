"""Threads whose failures are never lost (tests and bench/ use it; plain Python, no pytest needed).

An ``assert`` or an exception inside a worker thread only ends that thread: the test goes on, the other threads
finish the work, and a count at the end can still come out right. Everything here records what every thread
raised and raises :class:`ThreadFailure` (an ``AssertionError``) naming each failed or hung thread with its
traceback.

``run_threads(n, target, barrier=True, timeout=120)``
    ``target(i)`` in ``n`` threads, released together by a barrier; returns their results in order.
``ThreadGroup``
    For threads that run beside the test's own steps: ``group.start(fn, *args)``, then ``group.join(timeout)``
    (raises on any failure or on a thread still alive at the deadline) or ``group.check()`` (raises on a failure
    so far, without waiting). ``group.failures`` lists them for callers that count rather than raise (bench/).

As a safety net the suite also turns pytest's "unhandled exception in a thread" warning into an error
(``setup.cfg``), so a thread started some other way cannot fail silently either.
"""
from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any


class ThreadFailure(AssertionError):
    """One or more threads raised, or did not finish in time."""


class ThreadGroup:
    def __init__(self, name: str = "worker"):
        self.name = name
        self.threads: list[threading.Thread] = []
        self.results: dict[int, Any] = {}
        self.failures: list[tuple[str, BaseException, str]] = []  # (thread name, exception, traceback text)
        self._lock = threading.Lock()

    def start(self, target: Callable[..., Any], *args: Any, name: str | None = None,
              daemon: bool = True) -> threading.Thread:
        index = len(self.threads)
        tname = name or f"{self.name}-{index}"

        def run() -> None:
            try:
                result = target(*args)
            except BaseException as exc:  # noqa: BLE001 - every failure is reported by join()/check()
                with self._lock:
                    self.failures.append((tname, exc, traceback.format_exc()))
            else:
                with self._lock:
                    self.results[index] = result

        thread = threading.Thread(target=run, name=tname, daemon=daemon)
        self.threads.append(thread)
        thread.start()
        return thread

    def report(self, hung: Sequence[str] = ()) -> str:
        lines = []
        with self._lock:
            failures = list(self.failures)
        if failures:
            lines.append(f"{len(failures)} of {len(self.threads)} thread(s) raised:")
            for tname, _exc, text in failures:
                lines.append(f"--- {tname}\n{text.rstrip()}")
        if hung:
            lines.append(f"{len(hung)} thread(s) still running at the deadline: {', '.join(hung)}")
        return "\n".join(lines)

    def _raise(self, hung: Sequence[str] = ()) -> None:
        if self.failures or hung:
            error = ThreadFailure(self.report(hung))
            if self.failures:
                error.__cause__ = self.failures[0][1]
            raise error

    def check(self) -> None:
        """Raise at once if any thread has failed so far (does not wait)."""
        self._raise()

    def join(self, timeout: float = 120.0) -> list[Any]:
        """Wait for every thread (``timeout`` for all of them together); raise on a failure or a hung thread.
        Returns the results in start order."""
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        hung = [t.name for t in self.threads if t.is_alive()]
        self._raise(hung)
        return [self.results.get(i) for i in range(len(self.threads))]

    def alive(self) -> list[str]:
        return [t.name for t in self.threads if t.is_alive()]


def run_threads(n: int, target: Callable[[int], Any], *, barrier: bool = True, timeout: float = 120.0,
                name: str = "worker") -> list[Any]:
    """``target(i)`` for i in range(n), each in its own thread, started together when ``barrier``.
    Raises :class:`ThreadFailure` if any of them raised or is still running after ``timeout``."""
    gate = threading.Barrier(n, timeout=timeout) if barrier and n > 1 else None

    def run(i: int) -> Any:
        if gate is not None:
            gate.wait()
        return target(i)

    group = ThreadGroup(name)
    for i in range(n):
        group.start(run, i)
    return group.join(timeout)


__all__ = ["ThreadFailure", "ThreadGroup", "run_threads"]
