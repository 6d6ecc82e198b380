"""The package structure: no import cycles among the modules of autograd/ and nn/, no
import of our own modules hidden inside a function, and layers that know nothing of
training."""
from __future__ import annotations

import ast
import importlib
import types
from pathlib import Path

import pytest

import nn

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_submodule(base: str, name: str, known: set[str]) -> bool:
    """`from base import name` imports a module (not a function the package exports)."""
    if f"{base}.{name}" not in known:
        return False
    return isinstance(getattr(importlib.import_module(base), name, None), types.ModuleType)


def _imports(module: str, path: Path, known: set[str]) -> list[tuple[str, int, bool]]:
    """(imported project module, line, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text())
    top = set(map(id, tree.body))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, module, path.name == "__init__.py")
            names = [f"{base}.{a.name}" if _is_submodule(base, a.name, known) else base
                     for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.append((name, node.lineno, id(node) in top))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph = {m: set() for m in modules}
    for module, path in modules.items():
        for name, _, _ in _imports(module, path, known):
            # importing a submodule runs its package's __init__ first, which is no cycle
            if not module.startswith(name + "."):
                graph[module].add(name)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    for start in graph:
        if state.get(start):
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path, state[start] = [start], 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if state.get(child) == 1:
                    return path[path.index(child):] + [child]
                if not state.get(child):
                    state[child] = 1
                    path.append(child)
                    stack.append((child, iter(sorted(graph[child]))))
                    break
            else:
                state[node] = 2
                path.pop()
                stack.pop()
    return None


def test_the_project_modules_import_each_other_without_a_cycle():
    assert _cycle(_graph()) is None, " -> ".join(_cycle(_graph()))


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = _graph()
    graph["autograd.primitive"].add("autograd.tensor")  # the circle dispatch used to make
    assert _cycle(graph) is not None


def test_no_import_of_our_own_modules_is_deferred_into_a_function():
    modules = _modules()
    deferred = [f"{path.relative_to(ROOT)}:{line} imports {name}"
                for module, path in modules.items()
                for name, line, at_top in _imports(module, path, set(modules)) if not at_top]
    assert deferred == []


def test_nn_never_imports_autograd_internals_and_autograd_never_imports_nn():
    modules = _modules()
    public = {"autograd", "autograd.extend", "autograd.ops", "autograd.gradcheck",
              "autograd.testing", "autograd.viz"}
    for module, path in modules.items():
        names = {name for name, _, _ in _imports(module, path, set(modules))}
        if module.startswith("nn"):
            assert {n for n in names if n.startswith("autograd")} <= public, module
        else:
            assert not any(n == "nn" or n.startswith("nn.") for n in names), module


def test_records_know_nothing_of_the_nodes_they_run_on():
    path = ROOT / "autograd" / "primitive.py"
    names = {name for name, _, _ in _imports("autograd.primitive", path, set(_modules()))}
    assert names == set()


@pytest.mark.parametrize("layer", [nn.ReLU(), nn.Linear(2, 3), nn.Dropout(0.5), nn.Module()],
                         ids=lambda m: type(m).__name__)
def test_a_layer_has_no_training_methods(layer):
    assert not hasattr(layer, "fit") and not hasattr(layer, "compile")


def test_sequential_is_a_model_with_the_keras_methods():
    model = nn.Sequential(nn.Linear(2, 1))
    assert isinstance(model, nn.Model) and all(
        callable(getattr(model, name)) for name in ("compile", "fit", "evaluate", "predict"))


def test_a_module_imported_by_name_is_not_shadowed_by_a_function_of_the_same_name():
    """`autograd.tensor` is the factory function and `autograd.primitive` the decorator, so
    `from . import tensor` inside the package gets a function once autograd is imported
    (and the module only by the luck of import order)."""
    shadowed = []
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:  # within the package
                base = _resolve(node, module, path.name == "__init__.py")
                for alias in node.names:
                    if f"{base}.{alias.name}" in _modules() and not _is_submodule(
                            base, alias.name, set(_modules())):
                        shadowed.append(f"{path.relative_to(ROOT)}:{node.lineno} "
                                        f"from {base} import {alias.name}")
    assert shadowed == []
