"""What every benchmark's exit status means (stdlib only, so the pure benches can use it too).

A script records its stated targets (``check``) and its failures (``error``: a failed request, a thread or
process that raised, a requested configuration that could not run) in a :class:`Verdict`, prints
``verdict.table()`` beside its figures and ends with ``return verdict.exit_status()``:

* 0: no failure, and every target met;
* 1: a failure of any kind, or (unless ``--smoke``) a target missed.

``--smoke`` (alias ``--no-targets``) is for CI's smoke runs at tiny sizes, where speed figures mean nothing:
targets are still measured and printed ("not checked"), failures still fail.
"""
from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, field
from typing import Any


def add_smoke_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--smoke", "--no-targets", dest="smoke", action="store_true",
                        help="smoke run: exit 1 on any failed request or configuration that could not run, "
                             "but do not check the targets (speed figures at smoke sizes mean nothing)")


@dataclass
class Target:
    name: str
    target: str  # as stated, e.g. "<= 50 ms"
    measured: Any
    met: bool


@dataclass
class Verdict:
    smoke: bool = False
    targets: list[Target] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self, name: str, measured: Any, target: str, met: bool) -> bool:
        """Record a target; ``measured`` None (nothing measured) always counts as missed."""
        met = bool(met) and measured is not None
        self.targets.append(Target(name, target, measured, met))
        return met

    def at_most(self, name: str, measured: float | None, limit: float, unit: str = "") -> bool:
        return self.check(name, measured, f"<= {limit:g}{unit}", measured is not None and measured <= limit)

    def at_least(self, name: str, measured: float | None, limit: float, unit: str = "") -> bool:
        return self.check(name, measured, f">= {limit:g}{unit}", measured is not None and measured >= limit)

    def error(self, what: str) -> None:
        self.errors.append(what)

    def errors_from(self, what: str, count: int, sample: list | tuple = ()) -> None:
        """``count`` failed requests of ``what`` (with a few examples)."""
        if count:
            self.error(f"{what}: {count} failed" + (f", e.g. {list(sample)[:3]}" if sample else ""))

    @property
    def missed(self) -> list[Target]:
        return [t for t in self.targets if not t.met]

    @property
    def ok(self) -> bool:
        return not self.errors and (self.smoke or not self.missed)

    def exit_status(self) -> int:
        return 0 if self.ok else 1

    def table(self) -> str:
        rows = [("target", "stated", "measured", "result")]
        for t in self.targets:
            result = "met" if t.met else ("missed (not checked: --smoke)" if self.smoke else "MISSED")
            rows.append((t.name, t.target, _fmt(t.measured), result))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        if not self.targets:
            lines.append("(no target for what was run)")
        if self.errors:
            lines.append(f"FAILURES ({len(self.errors)}):")
            lines += [f"  - {e}" for e in self.errors]
        else:
            lines.append("failures: none")
        verdict = "OK" if self.ok else "FAILED"
        why = ("failures" if self.errors else "target missed") if not self.ok else (
            "smoke run: no failure, targets not checked" if self.smoke else "every target met, no failure")
        lines.append(f"verdict: {verdict} ({why}) -> exit status {self.exit_status()}")
        return "\n".join(lines)

    def as_json(self) -> dict:
        return {"smoke": self.smoke, "ok": self.ok, "exit_status": self.exit_status(),
                "targets": [asdict(t) for t in self.targets], "errors": list(self.errors)}


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)
