"""Scripted models for the fake server: they read the task out of the prompt (JSON grid
encoding) and answer as a model that found the rule would, in whatever frame they see it.

The tasks of :func:`dihedral_tasks` follow one rotation or reflection; the solver finds,
among the 8, the one that maps every demonstration input to its output *in the prompt's
frame* (under an augmentation that is another one of the 8), and applies it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from arcforge.grids import DIHEDRAL, Grid, dihedral
from arcforge.tasks import Pair, Task

# each of the 8 as a pure-Python expression of the grid ``g``
CODE = {
    "identity": "[list(r) for r in g]",
    "rot90": "[list(r) for r in zip(*g[::-1])]",
    "rot180": "[list(r)[::-1] for r in g[::-1]]",
    "rot270": "[list(r) for r in zip(*g)][::-1]",
    "flip_h": "[list(r)[::-1] for r in g]",
    "flip_v": "[list(r) for r in g[::-1]]",
    "transpose": "[list(r) for r in zip(*g)]",
    "anti_transpose": "[list(r)[::-1] for r in zip(*g)][::-1]",
}
_GRID = re.compile(r"\[\s*\[[\d,\s\[\]]*\]\s*\]")


def dihedral_tasks(n: int) -> list[Task]:
    """n tasks, each following one of the non-trivial rotations/reflections; grids have no
    symmetry, so every frame shows a different rule and wrong inverses show."""
    names = [n for n in DIHEDRAL if n != "identity"]
    tasks = []
    for i in range(n):
        rule = names[i % len(names)]

        def grid(seed: int, rows: int = 3, cols: int = 4) -> Grid:
            return [[(seed * 7 + r * 5 + c * 3 + r * c) % 9 + 1 for c in range(cols)]
                    for r in range(rows)]

        def pair(seed: int, rows: int = 3, cols: int = 4, *, rule: str = rule) -> Pair:
            g = grid(seed, rows, cols)
            g[0][0] = 0  # a corner of background makes every orientation distinct
            return Pair(g, dihedral(g, rule))

        tests = (pair(100 + i), pair(200 + i, 2, 3))
        tasks.append(Task(f"d{i:03d}", (pair(i), pair(i + 50, 4, 2)), tests))
    return tasks


MODEL = ["--model", "openai-compatible/fake-model"]  # the CLI's model against the fake server


def write_tasks(folder: Path, n: int) -> Path:
    """A dataset file of ``n`` dihedral tasks in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dataset.json"
    path.write_text(json.dumps([t.to_dict() for t in dihedral_tasks(n)]))
    return path


def _grids(text: str) -> list[Grid]:
    return [json.loads(m) for m in _GRID.findall(text)]


def parse_prompt(prompt: str) -> tuple[list[tuple[Grid, Grid]], list[Grid]]:
    """The demonstration pairs and the test inputs of a prompt (JSON encoding)."""
    head, _, tail = prompt.partition("Test")
    grids = _grids(head)
    pairs = list(zip(grids[0::2], grids[1::2], strict=True))
    return pairs, _grids(tail)


def find_rule(pairs: list[tuple[Grid, Grid]]) -> str | None:
    for name in DIHEDRAL:
        if all(dihedral(i, name) == o for i, o in pairs):
            return name
    return None


def answer_grid(prompt: str) -> str:
    """A direct answer: the test input under the rule seen in the demonstrations."""
    pairs, tests = parse_prompt(prompt)
    rule = find_rule(pairs)
    if rule is None or not tests:
        return "I cannot tell."
    return f"The rule is {rule}.\n\n\\boxed{{{json.dumps(dihedral(tests[0], rule))}}}"


def answer_code(prompt: str) -> str:
    """A program for the rule seen in the demonstrations."""
    rule = find_rule(parse_prompt(prompt)[0]) or "identity"
    return (f"The rule is {rule}.\n\n```python\ndef solve_task(g):\n"
            f"    return {CODE[rule]}\n```\n")


def answer(prompt: str) -> str:
    return answer_code(prompt) if "solve_task" in prompt else answer_grid(prompt)


def formats(grid: Grid) -> dict[str, str]:
    """One answer per way a grid may be written, and some that hold none."""
    rows = "\n".join(" ".join(map(str, r)) for r in grid)
    return {
        "boxed": f"So the output is \\boxed{{{json.dumps(grid)}}}",
        "json": f"Output:\n{json.dumps(grid)}\nDone.",
        "fenced": f"The grid:\n```\n{rows}\n```",
        "digits": f"Here it is:\n{rows}",
        "wrong": f"\\boxed{{{json.dumps([[9] * len(grid[0])] * len(grid))}}}",
        "no grid": "I think the colours move around but I am not sure.",
        "invalid": "\\boxed{[[1, 2], [3]]}",
    }


IDENTITY_CODE = ("The output is the input.\n\n```python\ndef solve_task(g):\n"
                 "    return [list(r) for r in g]\n```\n")
FEEDBACK_MARK = "Your solve_task was run"  # the bundled feedback template's first words


def fixes_on_feedback(prompt: str) -> str:
    """A coder that first answers the identity, and the right program once it is shown
    what its program did (the conversation holds feedback)."""
    return answer_code(prompt) if FEEDBACK_MARK in prompt else IDENTITY_CODE


def never_fixes(prompt: str) -> str:
    return IDENTITY_CODE
