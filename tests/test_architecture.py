"""The import graph between apps (ADR 0001): no cycle, and the report's model stays below
the workflow that moves it, so a new listener, channel or job is added from above."""

from __future__ import annotations

import ast
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import aduan

SRC = Path(aduan.__file__).parent
# The apps from the bottom up (the README's architecture tree): each imports only apps
# before it here. What lies above plugs in through a registry (ADR 0013).
LAYERS = [
    "core",
    "regions",
    "categories",
    "agencies",
    "accounts",
    "api",
    "reports",
    "programmes",
    "sla",
    "search",
    "workflow",
    "triage",
    "oversight",
    "notifications",
    "integrations",
    "channels",
    "web",
    "exports",
    "demo",
    "config",
]
# Must not be imported by `reports` (the model, its selectors, audit chain and files).
ABOVE_REPORTS = {
    "programmes",
    "workflow",
    "sla",
    "search",
    "triage",
    "notifications",
    "channels",
    "integrations",
    "oversight",
    "web",
    "exports",
    "demo",
    "config",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_modules(path: Path) -> set[str]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:  # annotations only: no import at run time
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
    return found


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "aduan" and len(parts) > 1 else None


def app_graph() -> dict[str, dict[str, set[str]]]:
    """app → imported app → the files (relative to src/aduan) that import it."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC)
        if {"tests", "migrations"} & set(relative.parts):
            continue
        source = _app(_module_name(path))
        for imported in _imported_modules(path):
            target = _app(imported)
            if source and target and target != source:
                graph[source][target].add(str(relative))
    return graph


def _cycle(graph: dict[str, dict[str, set[str]]]) -> list[str] | None:
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(app: str) -> list[str] | None:
        state[app] = "open"
        stack.append(app)
        for target in sorted(graph.get(app, {})):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[app] = "done"
        return None

    for app in sorted(graph):
        if app not in state and (found := visit(app)):
            return found
    return None


def test_no_cycle_between_apps():
    graph = app_graph()
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle or []) + "".join(
        f"\n  {a} -> {b}: {sorted(graph[a][b])}" for a, b in pairwise(cycle or [])
    )


def test_every_app_has_a_layer():
    apps = {path.parent.name for path in SRC.glob("*/__init__.py")}
    assert apps == set(LAYERS)


def test_every_app_imports_only_apps_below_it():
    upward = {
        f"{source} -> {target}": sorted(files)
        for source, targets in app_graph().items()
        for target, files in targets.items()
        if LAYERS.index(target) > LAYERS.index(source)
    }
    assert not upward, upward


def test_reports_import_nothing_that_moves_or_announces_a_report():
    upward = {app: files for app, files in app_graph()["reports"].items() if app in ABOVE_REPORTS}
    assert not upward, upward


def test_the_graph_sees_imports():
    """The walker is not vacuous: known arrows are found, relative ones included."""
    graph = app_graph()
    assert "core" in graph["reports"]
    assert "reports" in graph["workflow"]
    assert "reports" in graph["sla"]
    assert "reports" not in graph["accounts"]  # only under TYPE_CHECKING there
