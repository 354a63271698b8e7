"""The house's layering holds: pure leaves import no Flask; printers never reaches up."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PURE = ["queue_service.domain", "queue_service.domain.clock", "queue_service.domain.status",
        "queue_service.domain.priority", "queue_service.domain.speech", "queue_service.domain.eta",
        "queue_service.domain.urls", "queue_service.domain.codes", "queue_service.domain.events",
        "queue_service.domain.text",
        "queue_service.domain.voice", "queue_service.voice", "queue_service.launch",
        "printers.layout", "inventory.forecast", "kiosk.qr"]


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_no_flask_or_sqlalchemy(module):
    # every listed leaf is part of the build: a missing one fails below (it cannot be imported), never a skip
    code = (f"import sys, {module}; bad = [m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy') "
            f"if m in sys.modules]; print(','.join(bad)); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f"{module} pulls in {r.stdout.strip() or r.stderr}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _package_imports(pkg: str) -> dict[str, set[str]]:
    return {str(p.relative_to(ROOT)): _imports(p) for p in (ROOT / pkg).rglob("*.py")}


def test_services_and_domain_never_import_flask():
    for pkg in ("queue_service/domain", "queue_service/services"):
        for path, names in _package_imports(pkg).items():
            assert not any(n == "flask" or n.startswith("flask.") or n.startswith("flask_") for n in names), path


def test_printers_never_imports_kiosk_or_inventory():
    for path, names in _package_imports("printers").items():
        assert not any(n.split(".")[0] in ("kiosk", "inventory") for n in names), path


def test_kiosk_and_inventory_never_import_each_other():
    for path, names in _package_imports("kiosk").items():
        assert not any(n.split(".")[0] == "inventory" for n in names), path
    for path, names in _package_imports("inventory").items():
        assert not any(n.split(".")[0] == "kiosk" for n in names), path


def test_core_never_imports_features_except_the_composition_root():
    allowed = {"queue_service/app.py", "queue_service/cli.py"}
    for path, names in _package_imports("queue_service").items():
        if path in allowed:
            continue
        bad = [n for n in names if n.split(".")[0] in ("kiosk", "printers", "inventory")]
        assert not bad, f"{path} imports {bad}"


def test_only_realtime_emits_and_only_sockets_handles():
    for path, _ in _package_imports("queue_service").items():
        text = (ROOT / path).read_text()
        if path != "queue_service/realtime.py":
            assert "socketio.emit(" not in text, f"{path} emits directly; use queue_service.realtime.emit"
        if path != "queue_service/sockets.py":
            assert "@socketio.on(" not in text, f"{path} has a socket handler; put it in queue_service/sockets.py"
