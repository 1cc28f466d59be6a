"""The package's imports follow the layers of docs/architecture.md: no module imports
one above it (lazy imports inside functions included), and no import cycle exists."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[2] / "src"
# lowest first: a module may import its own layer and the ones before it
LAYERS: list[set[str]] = [
    {"arcforge", "errors", "grids", "tasks", "transforms", "verification", "atomic", "render",
     "taskfiles", "config", "lineage"},
    {"runfiles"},
    {"store"},
    {"data"},
    {"sandbox"},
    {"models", "agents"},
    {"runs", "tracecheck"},
    {"scoring"},
    {"export", "report", "compare"},
    {"finish"},
    {"web"},
    {"cli", "__main__"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}
# the sandbox's inside code is loaded inside the sandbox as its own package
SEPARATE = "arcforge.sandbox.inside"


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[:len(package) - node.level + 1], *filter(None, [base])])
            # ``from package import submodule`` depends on the submodule, not on the names
            # the package's __init__ re-exports
            subs = [f"{base}.{alias.name}" for alias in node.names]
            names = subs if all(s in modules for s in subs) else [base, *subs]
        for target in names:
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules and target != name and target.startswith("arcforge"):
                targets.add(target)
    return targets


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_no_import_runs_up_the_layers() -> None:
    unknown = sorted({_area(m) for m in _graph()} - set(LAYER))
    assert not unknown, f"areas missing from the layer list: {unknown}"
    upward = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if LAYER[_area(target)] > LAYER[_area(module)]
    ]
    assert not upward, "\n".join(sorted(upward))


def test_the_sandbox_inside_code_imports_only_itself() -> None:
    stray = [f"{m} imports {t}" for m, targets in _graph().items() if m.startswith(SEPARATE)
             for t in targets if not t.startswith(SEPARATE)]
    assert not stray, stray


def test_no_import_cycle() -> None:
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    # a package's __init__ re-exporting its submodules is not a cycle of behaviour
    real = [c for c in cycles if not _only_reexports(c, graph)]
    assert not real, "\n".join(" <-> ".join(c) for c in real)


def _only_reexports(component: list[str], graph: dict[str, set[str]]) -> bool:
    """A cycle made only by submodules importing their own package's ``__init__``."""
    members = set(component)
    for module in component:
        for target in graph[module] & members:
            if not module.startswith(target + "."):
                return False
    return True


def test_the_checker_sees_a_planted_upward_import(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("def f():\n    from arcforge.web import app\n")
    modules = {"arcforge.tasks": tmp_path / "m.py", "arcforge.web": tmp_path / "m.py"}
    assert _imports("arcforge.tasks", tmp_path / "m.py", modules) == {"arcforge.web"}
