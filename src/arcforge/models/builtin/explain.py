"""The model's answer in words: the rule found, checked step by step, in markdown."""

from __future__ import annotations

from collections.abc import Sequence

from arcforge.models.builtin.dsl import FIXED, INFERRED
from arcforge.models.builtin.search import Grid, Program, SearchResult
from arcforge.tasks import Task

Shape = tuple[int, int]


def _size(shape: Sequence[int]) -> str:
    return f"{shape[0]}x{shape[1]}"


def _sizes(shapes: Sequence[Shape]) -> str:
    return " → ".join(_size(s) for s in shapes)


def grid_block(grid: Grid) -> str:
    """A grid as a fenced block of digit rows."""
    return "```\n" + "\n".join("".join(str(v) for v in row) for row in grid) + "\n```"


def _colours(grid: Grid) -> str:
    return ", ".join(str(c) for c in sorted({v for row in grid for v in row}))


def observations(task: Task) -> list[str]:
    """What the train pairs show at a glance: sizes and colours of each."""
    lines = [f"I compared the {len(task.train)} train pair(s):"]
    for i, pair in enumerate(task.train, 1):
        size_in = _size((len(pair.input), len(pair.input[0])))
        size_out = _size((len(pair.output), len(pair.output[0])))
        lines.append(f"- train {i}: {size_in} → {size_out}; colours "
                     f"{_colours(pair.input)} → {_colours(pair.output)}")
    return lines


def _search_line(result: SearchResult) -> str:
    line = (
        f"The search ran {result.candidates:,} candidate programs over "
        f"{result.states:,} distinct intermediate grids "
        f"({len(FIXED)} fixed and {len(INFERRED)} inferred operations, programs of up to "
        f"{result.max_depth} steps)."
    )
    if result.rejected_on_test:
        line += (f" {result.rejected_on_test} program(s) fit the train pairs but could not be "
                 "applied to a test input, so they were dropped.")
    if result.exhausted:
        line += (f" Budget exhausted: the {result.budget_s:g} s time budget ran out after every "
                 f"program of up to {result.depth_done} step(s) was tried.")
    return line


def explain_program(
    task: Task, result: SearchResult, program: Program, rank: int, repeated: bool
) -> str:
    """Explain a program that reproduces every train pair, and its test predictions."""
    steps = program.steps
    distinct = len(result.distinct())
    parts = [
        "## Observations",
        *observations(task),
        "",
        "I looked for the shortest program of grid operations that turns every train input "
        "into its output exactly, trying the simplest programs first.",
        "",
        "## The rule",
    ]
    parts += [f"{i}. **{step.op}**: {step.text}." for i, step in enumerate(steps, 1)]
    parts += ["", "## Checking the train pairs", "| pair | size after each step | result |",
              "|---|---|---|"]
    parts += [
        f"| train {i} | {_sizes(shapes)} | matches the expected {_size(shapes[-1])} output "
        "cell for cell |"
        for i, shapes in enumerate(program.train_shapes, 1)
    ]
    parts += ["", "## Applying it to the test input(s)"]
    for i, (shapes, grid) in enumerate(zip(program.test_shapes, program.test_outputs,
                                            strict=True), 1):
        parts += [f"Test {i}: {_sizes(shapes)}. Predicted output:", grid_block(grid)]
    parts += ["", "## Search", _search_line(result)]
    if repeated:
        parts.append(f"Only {distinct} program(s) with distinct predictions fit; this answer "
                     "repeats the best one.")
    elif distinct > 1 or rank > 0:
        parts.append(f"{distinct} programs with distinct predictions fit; this is number "
                     f"{rank + 1} in order of simplicity.")
    return "\n".join(parts)


def explain_failure(task: Task, result: SearchResult) -> str:
    """Say plainly that no program fits, and how far the search went."""
    return "\n".join([
        "## No rule found",
        *observations(task),
        "",
        f"No program of up to {result.depth_done} step(s) reproduces every train pair, so I "
        "give no answer rather than a guess.",
        "",
        "## Search",
        _search_line(result),
    ])
