"""The package layout is a pipeline: each step imports only the steps below it, and no module
imports itself back through others.

Every import written in the source counts, wherever it stands: at the top, inside a function,
or under ``if TYPE_CHECKING:`` (a type-only import still ties the two modules together for a
reader and for mypy).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "rulepack"

# Lowest first. A module may import modules of its own step and of steps before it.
LAYERS = ("core", "lang", "model", "facts", "loading", "verdict", "engine", "analysis",
          "library", "batch", "spark", "change", "testing", "cli")
# The façade modules at the top re-export; nothing below may import them.
TOP = ("rulepack", "rulepack.__main__")


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The rulepack modules ``name`` imports (a name imported from a package that is itself a
    module counts as that module)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "rulepack")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if base.split(".")[0] != "rulepack":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    found.discard(name)
    return {m for m in found if m in known}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _layer(module: str) -> int:
    if module in TOP:
        return len(LAYERS)
    step = module.split(".")[1]
    assert step in LAYERS, f"{module}: a step not in LAYERS (add it where it belongs)"
    return LAYERS.index(step)


def test_every_module_belongs_to_a_step() -> None:
    for module in _modules():
        _layer(module)


def test_no_step_imports_a_later_step() -> None:
    upward = sorted(f"{m} imports {d}" for m, deps in _graph().items() for d in deps
                    if _layer(d) > _layer(m) or (d in TOP and m not in TOP))
    assert upward == []


def test_imports_form_no_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}  # 1 on the path being walked, 2 done
    cycles: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep] if dep in path else [node, dep])
            elif dep not in state:
                walk(dep, [*path, dep])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    assert cycles == []


def test_the_check_sees_imports() -> None:
    """The checks above would pass on a graph with no edges; this one cannot."""
    graph = _graph()
    assert "rulepack.core.errors" in graph["rulepack.library"]
    assert graph["rulepack.core.errors"] == set()


@pytest.mark.parametrize("extra", ["hypothesis"])
def test_the_core_of_the_package_does_not_import_optional_dependencies(extra: str) -> None:
    """Hypothesis belongs to the ``test`` and ``verify`` extras: only the modules that
    generate documents may import it."""
    allowed = {"rulepack.testing.strategies", "rulepack.testing.verify"}
    users = sorted(
        name for name, path in _modules().items()
        if any(isinstance(n, (ast.Import, ast.ImportFrom))
               and any((getattr(n, "module", None) or a.name).split(".")[0] == extra
                       for a in n.names)
               for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))))
    assert set(users) <= allowed, users


def test_no_subpackage_shadows_a_public_name() -> None:
    """Importing a subpackage binds its name on its parent: a package named like a public
    function (``rulepack.load``) would replace the function once someone imports it."""
    import importlib

    import rulepack

    packages = {name.split(".")[1] for name in _modules() if name.count(".") >= 1}
    assert packages.isdisjoint(rulepack.__all__)
    for name in sorted(set(_modules()) - {"rulepack.__main__"}):  # that one runs the command
        try:
            importlib.import_module(name)
        except ImportError:  # an optional dependency (pyarrow, pyspark) that is not installed
            continue
    assert callable(rulepack.load) and callable(rulepack.impact)
