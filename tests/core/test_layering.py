"""The house's layering holds: pure leaves import no Flask; printers never reaches up; no import cycles.

Imports are read with ``ast`` and relative ones resolved against the importing module, so ``from .x import y``
counts like ``from pkg.x import y``. Cycles are looked for among the imports a module runs when it is imported
(module level, outside ``if TYPE_CHECKING``); any cycle fails, with its modules named.
"""
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
        "printers.layout", "inventory.forecast", "kiosk.qr",
        "queue_service.domain.calendar", "inventory.booking_cap",
        "bookings.slots", "bookings.availability", "bookings.checkin", "bookings.codes", "bookings.messages",
        "bookings.limits", "bookings.advice"]

#: the printer driver runs on a kiosk PC beside the print agent: no database, no Flask app
NO_DATABASE = ["printers.agent", "printers.backends", "printers.layout", "printers.payload", "printers.printing",
               "printers.status", "printers.cli"]

PACKAGES = ("queue_service", "kiosk", "printers", "printjobs", "inventory", "bookings", "templates")
FEATURES = ("kiosk", "printers", "printjobs", "inventory", "bookings")


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_no_flask_or_sqlalchemy(module):
    # every listed leaf is part of the build: a missing one fails below (it cannot be imported), never a skip
    code = (f"import sys, {module}; bad = [m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy') "
            f"if m in sys.modules]; print(','.join(bad)); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f"{module} pulls in {r.stdout.strip() or r.stderr}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _import_nodes(tree: ast.Module, top_level_only: bool) -> list[ast.Import | ast.ImportFrom]:
    if not top_level_only:
        return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    found = []

    def walk(body):
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(node)
            elif isinstance(node, ast.If) and not _is_type_checking(node.test):
                walk(node.body)
                walk(node.orelse)
            elif isinstance(node, ast.Try):
                walk(node.body)
                walk(node.orelse)
                walk(node.finalbody)
                for handler in node.handlers:
                    walk(handler.body)
    walk(tree.body)
    return found


def _resolve(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The absolute names ``node`` imports: relative imports resolved, ``from pkg import sub`` -> ``pkg.sub``."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names}
    base = node.module or ""
    if node.level:
        parts = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        parts = parts[:len(parts) - (node.level - 1)]
        base = ".".join(parts + ([node.module] if node.module else []))
    return {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names}


def _imports(path: Path, top_level_only: bool = False) -> set[str]:
    module = _module_name(path)
    names = set()
    for node in _import_nodes(ast.parse(path.read_text()), top_level_only):
        names |= _resolve(module, path, node)
    return names


def _package_imports(pkg: str) -> dict[str, set[str]]:
    return {str(p.relative_to(ROOT)): _imports(p) for p in (ROOT / pkg).rglob("*.py")}


def _own_module(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """module -> the first-party modules it imports when it is imported."""
    graph = {}
    for module, path in MODULES.items():
        targets = {_own_module(n) for n in _imports(path, top_level_only=True)}
        graph[module] = {t for t in targets if t and t != module}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle():
    # the check above can fail: a two-module and a three-module circle are both found, a chain is not
    assert find_cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_relative_imports_are_resolved():
    graph = import_graph()
    assert all(not name.startswith(".") for targets in graph.values() for name in targets)
    assert MODULES, "no modules found"


@pytest.mark.parametrize("module", NO_DATABASE)
def test_printer_driver_imports_no_database(module):
    code = (f"import sys, {module}; bad = [m for m in ('sqlalchemy', 'flask_sqlalchemy', 'printjobs') "
            f"if m in sys.modules]; print(','.join(bad)); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f"{module} pulls in {r.stdout.strip() or r.stderr}"


def test_services_and_domain_never_import_flask():
    for pkg in ("queue_service/domain", "queue_service/services"):
        for path, names in _package_imports(pkg).items():
            assert not any(n == "flask" or n.startswith("flask.") or n.startswith("flask_") for n in names), path


def test_printers_never_imports_kiosk_or_inventory():
    for path, names in _package_imports("printers").items():
        assert not any(n.split(".")[0] in ("kiosk", "inventory", "printjobs") for n in names), path


def test_kiosk_and_inventory_never_import_each_other():
    for path, names in _package_imports("kiosk").items():
        assert not any(n.split(".")[0] == "inventory" for n in names), path
    for path, names in _package_imports("inventory").items():
        assert not any(n.split(".")[0] == "kiosk" for n in names), path


def test_bookings_and_the_other_features_never_import_each_other():
    # bookings ask inventory's blank cap and the print-job feature through queue_service.hooks only
    others = ("kiosk", "printers", "printjobs", "inventory")
    for path, names in _package_imports("bookings").items():
        assert not any(n.split(".")[0] in others for n in names), path
    for package in others:
        for path, names in _package_imports(package).items():
            assert not any(n.split(".")[0] == "bookings" for n in names), path


def test_core_never_imports_features_except_the_composition_root():
    allowed = {"queue_service/app.py"}  # it names the feature packages (by string) and imports them
    for path, names in _package_imports("queue_service").items():
        if path in allowed:
            continue
        bad = [n for n in names if n.split(".")[0] in FEATURES]
        assert not bad, f"{path} imports {bad}"


def test_only_realtime_emits_and_only_sockets_handles():
    for path, _ in _package_imports("queue_service").items():
        text = (ROOT / path).read_text()
        if path != "queue_service/realtime.py":
            assert "socketio.emit(" not in text, f"{path} emits directly; use queue_service.realtime.emit"
        if path != "queue_service/sockets.py":
            assert "@socketio.on(" not in text, f"{path} has a socket handler; put it in queue_service/sockets.py"


def test_no_source_file_over_450_lines_without_a_reason():
    # one subject per file: a longer module says why in its opening docstring ("Reason: ...")
    long = []
    for module, path in MODULES.items():
        lines = path.read_text().splitlines()
        doc = ast.get_docstring(ast.parse("\n".join(lines))) or ""
        if len(lines) > 450 and "Reason:" not in doc:
            long.append(f"{path.relative_to(ROOT)} ({len(lines)} lines)")
    assert not long, "files over 450 lines without a Reason: line: " + ", ".join(long)
