"""Execution feedback for refinement rounds (``codegen --rounds R``): what running a
program on the task told us, written for the model, and never what a test output is.

Per train pair: the verdict, the error (trimmed), or the produced grid next to the
expected one with the differing cells marked. Per test input: only whether the program
ran and the shape of what it returned: test verdicts are never passed on, so the
feedback says the same whether the program's test output is right or wrong.
The message comes from a replaceable template (``--feedback-prompt FILE``); variables:
``round``, ``rounds``, ``passed``, ``total``, ``problem`` (why there is no program to
run, else None), ``train`` and ``tests`` (lists of :class:`TrainFeedback` and
:class:`TestFeedback`), ``encoding_note``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arcforge.agents.encoding import ENCODINGS, Encoding, encode_grid
from arcforge.agents.templates import PromptTemplate, bundled_template, load_template
from arcforge.grids import Grid, grid_problem
from arcforge.tasks import Task
from arcforge.verification import PairVerdict, Verification

TEMPLATE = "feedback"
OPTION = "--feedback-prompt"
MAX_ERROR_CHARS = 600  # of an error message: its end, where Python puts the cause

_TRAIN_VERDICTS = {
    "pass": "right",
    "fail": "wrong output",
    "error": "the program raised an error",
    "timeout": "the program ran out of time",
    "invalid_output": "the program returned something that is not a grid",
    "pending": "not run",
    "missing": "not run",
}


@dataclass(frozen=True, slots=True)
class TrainFeedback:
    index: int  # from 1
    status: str  # pass | fail | error | timeout | invalid_output | missing
    verdict: str  # the status in words
    error: str | None
    expected: str  # the expected output, encoded like the prompt's grids
    expected_shape: str  # "3x4" (rows x columns)
    output: str | None  # the program's output (a valid grid), encoded
    output_shape: str | None
    diff: str | None  # same shapes: one row per grid row, "." equal cell, "X" differing
    differing: int  # cells that differ (0 when the shapes differ)
    cells: int


@dataclass(frozen=True, slots=True)
class TestFeedback:
    index: int  # from 1
    status: str  # ran | error | timeout | invalid_output | not run
    error: str | None
    shape: str | None  # of the program's output, when it returned a grid
    summary: str  # all of the above in words


def feedback_template(path: str | None = None) -> PromptTemplate:
    """The bundled feedback template, or the file given with ``--feedback-prompt``."""
    if path is None:
        return bundled_template(TEMPLATE, OPTION)
    return load_template(path, OPTION)


def shape(grid: Grid) -> str:
    return f"{len(grid)}x{len(grid[0]) if grid else 0}"


def trim(message: str | None, limit: int = MAX_ERROR_CHARS) -> str | None:
    """The end of a long message (a traceback's cause is its last line)."""
    if not message:
        return None
    message = message.strip()
    return message if len(message) <= limit else "..." + message[-limit:]


def _diff(expected: Grid, output: Grid) -> tuple[str | None, int]:
    if shape(expected) != shape(output):
        return None, 0
    rows = [["." if a == b else "X" for a, b in zip(e, o, strict=True)]
            for e, o in zip(expected, output, strict=True)]
    return "\n".join(" ".join(row) for row in rows), sum(row.count("X") for row in rows)


def _train(index: int, pair: PairVerdict | None, expected: Grid,
           encoding: Encoding) -> TrainFeedback:
    status = pair.status if pair is not None else "missing"
    output = pair.output if pair is not None else None
    if output is not None and grid_problem(output) is not None:
        output = None
    diff, differing = _diff(expected, output) if output is not None else (None, 0)
    if status == "pass":  # nothing to show for a pair it got right
        output = diff = None
    return TrainFeedback(
        index=index + 1, status=status, verdict=_TRAIN_VERDICTS.get(status, status),
        error=trim(pair.error) if pair is not None else None,
        expected=encode_grid(expected, encoding), expected_shape=shape(expected),
        output=encode_grid(output, encoding) if output is not None else None,
        output_shape=shape(output) if output is not None else None,
        diff=diff, differing=differing, cells=len(expected) * len(expected[0]),
    )


def _test(index: int, pair: PairVerdict | None) -> TestFeedback:
    """What a test input may tell: whether the program ran, never whether it was right."""
    raw = pair.status if pair is not None else "missing"
    status = "ran" if raw in ("pass", "fail", "unchecked") else raw
    if status in ("missing", "pending"):
        status = "not run"
    error = trim(pair.error) if pair is not None and status != "ran" else None
    output = pair.output if pair is not None and status == "ran" else None
    grid_shape = shape(output) if output is not None and grid_problem(output) is None else None
    summary = {
        "ran": f"ran, returned a {grid_shape} grid",
        "error": "the program raised an error",
        "timeout": "the program ran out of time",
        "invalid_output": "the program returned something that is not a grid",
    }.get(status, status)
    if error:
        summary += f": {error}"
    return TestFeedback(index + 1, status, error, grid_shape, summary)


def feedback_values(task: Task, verification: Verification | None, problem: str | None,
                    encoding: Encoding) -> dict[str, Any]:
    """The template's variables for one round. ``task`` and ``verification`` are in the
    frame the model saw; ``task``'s test outputs are not read."""
    by_key = {(p.split, p.index): p for p in verification.pairs} if verification else {}
    train = [_train(i, by_key.get(("train", i)), pair.output, encoding)
             for i, pair in enumerate(task.train) if pair.output is not None]
    tests = [_test(i, by_key.get(("test", i))) for i in range(len(task.test))]
    return {
        "problem": problem,
        "passed": sum(t.status == "pass" for t in train),
        "total": len(train),
        "train": train if problem is None else [],
        "tests": tests if problem is None else [],
        "encoding_note": ENCODINGS[encoding],
    }


def render_feedback(template: PromptTemplate, values: dict[str, Any], round_: int,
                    rounds: int) -> str:
    """The feedback message (a user message's content)."""
    messages = template.render(round=round_, rounds=rounds, **values)
    return "\n\n".join(m["content"] for m in messages)
