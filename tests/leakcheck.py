"""Finding answer grids in anything the studio sends: JSON, markdown, HTML, WebSocket events.

A grid may be written as JSON (compact, spaced or over several lines, inside a string or as
a value) or as rows of digits (``764`` / ``7 6 4`` / ``7,6,4`` one row a line, as model
traces print predicted outputs, also inside ``<pre>`` blocks). :func:`grids_in` collects
every grid written in any of these forms; :func:`leaks` intersects them with the secrets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

Grid = tuple[tuple[int, ...], ...]

_JSON_GRID = re.compile(r"\[\s*\[[\d,\s\[\]]*\]\s*\]")
_DIGIT_ROW = re.compile(r"^\s*\d(?:[ ,]?\d)*\s*,?\s*$")
_TAG = re.compile(r"<[^>]*>")


def as_grid(value: Any) -> Grid | None:
    """``value`` as a grid when it is a non-empty rectangular list of lists of ints 0-9."""
    if not isinstance(value, list) or not value or not all(isinstance(r, list) for r in value):
        return None
    width = len(value[0])
    if width == 0 or any(len(r) != width for r in value):
        return None
    if not all(type(c) is int and 0 <= c <= 9 for r in value for c in r):
        return None
    return tuple(tuple(r) for r in value)


def _row(line: str) -> tuple[int, ...]:
    return tuple(int(ch) for ch in line if ch.isdigit())


def _text_grids(text: str) -> Iterable[Grid]:
    for match in _JSON_GRID.finditer(text):
        try:
            grid = as_grid(json.loads(match.group()))
        except ValueError:
            continue
        if grid is not None:
            yield grid
    block: list[tuple[int, ...]] = []
    for line in [*_TAG.sub("\n", text).split("\n"), ""]:
        if _DIGIT_ROW.match(line):
            block.append(_row(line))
            continue
        for start in range(len(block)):  # every run of rows of one width inside the block
            for end in range(start + 1, len(block) + 1):
                rows = block[start:end]
                if len({len(r) for r in rows}) == 1:
                    yield tuple(rows)
        block = []


def grids_in(value: Any) -> set[Grid]:
    """Every grid in a decoded JSON value (or a text), in any of the forms above."""
    found: set[Grid] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.update(_text_grids(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            grid = as_grid(item)
            if grid is not None:
                found.add(grid)
            stack.extend(item)
    return found


def leaks(value: Any, secrets: set[Grid]) -> set[Grid]:
    """The secret grids that appear in ``value``."""
    return grids_in(value) & secrets


def secret_outputs(tasks: Iterable[dict[str, Any]]) -> tuple[set[Grid], set[Grid]]:
    """(test outputs, public grids) of task contents; a test output equal to a public grid
    (some train grid or test input) cannot be told apart from it and is left out."""
    public: set[Grid] = set()
    outputs: set[Grid] = set()
    tasks = list(tasks)
    for task in tasks:
        for pair in task["train"]:
            public.update(filter(None, (as_grid(pair["input"]), as_grid(pair["output"]))))
        for pair in task["test"]:
            public.update(filter(None, (as_grid(pair["input"]),)))
            grid = as_grid(pair.get("output"))
            if grid is not None:
                outputs.add(grid)
    return outputs - public, public

