"""Reading an output grid out of a model's answer text (direct-answer runs).

Methods, in this order of trust; the first that finds a grid-like candidate decides:

1. ``\\boxed{...}``: the last one; JSON inside, or a LaTeX ``matrix``/``bmatrix``/
   ``pmatrix`` (rows by ``\\\\``, cells by ``&``), or rows of digits;
2. the last JSON list of lists anywhere in the text (``[[1, 2], [3, 4]]``);
3. a fenced code block (the last one holding rows): JSON, or rows of digits;
4. rows of digits: the last run of lines made only of digits (``0 1 2``, ``012``,
   ``0,1,2``, ``|0|1|2|``).

A candidate that is not a valid grid (1-30 rows of 1-30 ints 0-9, all rows the same
length) is refused with ``invalid_grid`` and the reason; no candidate at all is
``no_grid``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from arcforge.grids import Grid, grid_problem

NO_GRID = "no_grid"
INVALID_GRID = "invalid_grid"
_BOXED = re.compile(r"\\boxed\s*\{")
_FENCE = re.compile(r"```[^\n`]*\n(.*?)```", re.DOTALL)
_MATRIX = re.compile(r"\\begin\{[pbvBV]?matrix\}(.*?)\\end\{[pbvBV]?matrix\}", re.DOTALL)
_DIGIT_ROW = re.compile(r"^[\s|,\[\]]*\d(?:[\s|,]*\d)*[\s|,\[\]]*$")


@dataclass(frozen=True, slots=True)
class Extraction:
    """What was read: a valid ``grid`` (with the ``method`` that found it), or why not."""

    grid: Grid | None
    method: str | None = None  # boxed | json | fenced | digits
    error: str | None = None  # no_grid | invalid_grid
    message: str | None = None


def _brace_body(text: str, start: int) -> str | None:
    """The text inside the braces opening at ``start`` (``text[start - 1] == '{'``)."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start:i]
    return None


def _bracket_spans(text: str) -> list[tuple[int, int]]:
    """Outermost balanced ``[...]`` spans, in order (one linear pass)."""
    spans, stack = [], []
    for i, char in enumerate(text):
        if char == "[":
            stack.append(i)
        elif char == "]" and stack:
            start = stack.pop()
            if not stack:
                spans.append((start, i + 1))
    return spans


def _list_of_lists(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, list) for r in value)


def _json_candidate(text: str) -> Any | None:
    """The last JSON list of lists in ``text``, as parsed (not yet checked as a grid)."""
    for start, end in reversed(_bracket_spans(text)):
        try:
            value = json.loads(text[start:end])
        except ValueError:
            continue
        if _list_of_lists(value):
            return value
    return None


def _digit_rows(lines: list[str]) -> list[list[int]] | None:
    """The last run of consecutive digit-only lines, as rows of ints."""
    run: list[str] = []
    best: list[str] = []
    for line in lines:
        if line.strip() and _DIGIT_ROW.match(line):
            run.append(line)
            best = run
        elif run:
            run = []
    if not best:
        return None
    rows = []
    for line in best:
        cells = re.findall(r"\d+", line)
        if len(cells) == 1 and len(cells[0]) > 1:  # contiguous digits: one per cell
            cells = list(cells[0])
        rows.append([int(c) for c in cells])
    return rows


def _matrix(body: str) -> list[list[int]] | None:
    match = _MATRIX.search(body)
    if match is None:
        return None
    rows = []
    for row in re.split(r"\\\\", match.group(1)):
        cells = [c.strip() for c in row.split("&")]
        if not any(cells):
            continue
        if not all(c.isdigit() for c in cells):
            return None
        rows.append([int(c) for c in cells])
    return rows or None


def _boxed(text: str) -> Any | None:
    bodies = [b for m in _BOXED.finditer(text) if (b := _brace_body(text, m.end())) is not None]
    for body in reversed(bodies):
        found = _json_candidate(body) or _matrix(body) or _digit_rows(body.splitlines())
        if found is not None:
            return found
    return None


def _fenced(text: str) -> Any | None:
    for body in reversed(_FENCE.findall(text)):
        found = _json_candidate(body) or _digit_rows(body.splitlines())
        if found is not None:
            return found
    return None


METHODS = (("boxed", _boxed), ("json", _json_candidate), ("fenced", _fenced),
           ("digits", lambda text: _digit_rows(text.splitlines())))


def extract_grid(text: str | None) -> Extraction:
    """Read the answer grid out of ``text`` (see the module's order of trust)."""
    if not text:
        return Extraction(None, error=NO_GRID, message="the answer is empty")
    for method, find in METHODS:
        candidate = find(text)
        if candidate is None:
            continue
        problem = grid_problem(candidate)
        if problem is not None:
            return Extraction(None, method, INVALID_GRID, f"the {method} answer is not a "
                              f"valid grid: {problem}")
        return Extraction(candidate, method)
    return Extraction(None, error=NO_GRID, message="no grid found in the answer (no \\boxed{}, "
                      "JSON list of lists, fenced block or rows of digits)")
