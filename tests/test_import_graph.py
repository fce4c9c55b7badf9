"""The package's modules import each other without a circle, counting imports inside functions: every
`import` and `from ... import` in fer/ is an arrow from its module to the module it names."""
from __future__ import annotations

import ast
from pathlib import Path

import fer

PACKAGE = Path(fer.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported(node: ast.AST, here: str, is_package: bool, known: dict[str, Path]) -> list[str]:
    """The fer modules an import statement names (a `from X import name` where name is a module: that module)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in known]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = here.split(".") if is_package else here.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    found = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
    return found + ([target] if target in known and len(found) < len(node.names) else [])


def import_graph() -> dict[str, set[str]]:
    known = modules()
    graph = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        graph[name] = {target for node in ast.walk(tree)
                       for target in imported(node, name, path.name == "__init__.py", known) if target != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of modules (first == last), or None. A package's __init__ importing its own submodules is an
    arrow too: a submodule that imports its package back closes a circle."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_walk_sees_function_level_imports():
    graph = import_graph()
    assert "fer.checksum" in graph["fer.version.card"]     # module level
    assert "fer.defaults" in graph["fer.version.card"]     # `from ..defaults import data_dirs` inside a function
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)
