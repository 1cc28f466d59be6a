"""Standalone ``solve_task`` source for a DSL program: numpy and the standard library only.

The sources of the operations a program uses (and of the helpers they call) are copied
verbatim from the op modules, so the generated code computes exactly what the search
computed; the inferred arguments are written as literals.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Sequence
from functools import cache

from arcforge.models.builtin.dsl import FUNCTIONS, Step

# names the op modules import, with the import line the generated code needs for each
IMPORTS = {"deque": "from collections import deque", "np": "import numpy as np"}


@cache
def _source(name: str) -> str:
    return textwrap.dedent(inspect.getsource(FUNCTIONS[name]))


@cache
def _names(name: str) -> frozenset[str]:
    """Every plain name the function's source mentions."""
    tree = ast.parse(_source(name))
    return frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))


def _closure(roots: Sequence[str]) -> list[str]:
    """The functions in ``roots`` and every op function they call, in a stable order."""
    needed: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        todo += [n for n in _names(name) if n in FUNCTIONS and n not in needed]
    order = list(FUNCTIONS)
    return sorted(needed, key=order.index)


def _call(step: Step) -> str:
    args = "".join(f", {key}={value!r}" for key, value in step.kwargs)
    return f"{step.func}(grid{args})"


def generate_code(steps: Sequence[Step]) -> str:
    """The complete program: imports, the operations used, and ``solve_task``."""
    if not steps:
        raise ValueError("a program needs at least one step")
    functions = _closure([s.func for s in steps])
    used = set().union(*(_names(f) for f in functions))
    imports = [line for name, line in IMPORTS.items() if name in used]
    lines = [
        '"""Solve the task by applying, in order:',
        *(f"{i}. {step.text}" for i, step in enumerate(steps, 1)),
        '"""',
        "",
        "from __future__ import annotations",
        "",
        *imports[:-1],
        *([""] if len(imports) > 1 else []),
        *imports[-1:],
        "",
    ]
    for name in functions:
        lines += ["", _source(name).rstrip(), ""]
    lines += [
        "",
        "def solve_task(input_grid: list[list[int]]) -> list[list[int]]:",
        "    grid = np.array(input_grid, dtype=np.int64)",
        *(f"    grid = {_call(step)}" for step in steps),
        "    return [[int(v) for v in row] for row in grid.tolist()]",
        "",
    ]
    return "\n".join(lines)
