"""The package's layers: a lower floor never imports a higher one, and no module imports itself back.

Floors, bottom up (README "Layout"): ``paths`` and ``terms``; ``io``; ``shacl``, ``query``, ``reason``;
``curate``; ``publish``; ``pipeline``; ``cli``. Modules of one floor may import each other, but the
module import graph has no cycle. Function-local imports count: a cycle hidden in a function is
still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "exo_onto"
FLOORS = {"paths": 0, "terms": 0, "io": 1, "shacl": 2, "query": 2, "reason": 2, "curate": 3, "publish": 4,
          "pipeline": 5, "cli": 6}


def module_name(path: Path) -> str:
    parts = ["exo_onto", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def floor(module: str) -> int | None:
    parts = module.split(".")
    return FLOORS.get(parts[1]) if len(parts) > 1 else None  # exo_onto itself: the public API, above all


def imports(path: Path, own: str | None = None) -> set[str]:
    """The exo_onto modules ``path`` imports (``from exo_onto.x import y`` counts x, or x.y if y is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = own or module_name(path)
    package = own if path.name == "__init__.py" else own.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("exo_onto")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("exo_onto"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if (SRC / Path(*sub.split(".")[1:])).with_suffix(".py").exists()
                          or (SRC / Path(*sub.split(".")[1:]) / "__init__.py").exists() else target)
    return found - {own}


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}
GRAPH = {name: imports(path) for name, path in MODULES.items()}


def test_every_module_is_on_a_floor():
    assert [m for m in MODULES if m != "exo_onto" and floor(m) is None] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_lower_floor_never_imports_a_higher_one(module):
    if module == "exo_onto":
        return  # the public API re-exports from every floor
    upward = sorted(m for m in GRAPH[module] if m != "exo_onto" and floor(m) > floor(module))
    assert upward == [], f"{module} (floor {floor(module)}) imports a higher floor"
    assert "exo_onto" not in GRAPH[module] or module.startswith("exo_onto.cli"), \
        f"{module} imports the public API package; import the module that defines the name"


def test_the_module_graph_has_no_cycle():
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(GRAPH.get(node, ())):
            if nxt not in GRAPH:
                continue
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_contract_can_fail(tmp_path):
    """The checker itself: an upward import written into a copy of a low module is found."""
    low = tmp_path / "paths.py"
    low.write_text("from exo_onto.pipeline.check import run_check\n", encoding="utf-8")
    found = {m for m in imports(low, "exo_onto.paths") if floor(m) is not None and floor(m) > 0}
    assert found == {"exo_onto.pipeline.check"}


def test_every_name_the_benchmarks_and_scripts_import_exists():
    """benchmarks/ imports inside functions (each step in a fresh process), so a renamed module or constant
    only shows when the hour-long run reaches it: it did once (STEP_LIMIT moved to pipeline.check)."""
    import importlib

    root = SRC.parents[1]
    missing = []
    for path in sorted([*root.glob("benchmarks/*.py"), *root.glob("scripts/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("exo_onto"):
                module = importlib.import_module(node.module)
                missing += [f"{path.name}: {node.module}.{a.name}" for a in node.names if not hasattr(module, a.name)]
    assert missing == []
