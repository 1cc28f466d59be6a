"""Grids on the sandbox wire: each row as a string of digits (``[[1, 2], [3, 0]]`` is
``["12", "30"]``).

JSON of short strings is several times cheaper to write and read than JSON of nested int
lists, and the conversions run in C (``bytes``, ``translate``). Standard library only:
the sandbox worker imports this module too. :func:`decode` trusts nothing.
"""

from __future__ import annotations

from typing import Any

MAX_SIDE = 30
_TO_DIGITS = bytes.maketrans(bytes(range(10)), b"0123456789")
_FROM_DIGITS = bytes.maketrans(b"0123456789", bytes(range(10)))


def encode(grid: list[list[int]]) -> list[str]:
    """Rows of ints 0-9 as digit strings. Only for grids already checked to be valid."""
    return [bytes(row).translate(_TO_DIGITS).decode("ascii") for row in grid]


def decode(rows: Any) -> list[list[int]] | None:
    """Fresh lists of ints from digit strings; None unless it is a valid encoded grid."""
    if type(rows) is not list or not 0 < len(rows) <= MAX_SIDE:
        return None
    first = rows[0]
    if type(first) is not str or not 0 < len(first) <= MAX_SIDE:
        return None
    width = len(first)
    grid = []
    for row in rows:
        if type(row) is not str or len(row) != width or not (row.isascii() and row.isdigit()):
            return None
        grid.append(list(row.encode("ascii").translate(_FROM_DIGITS)))
    return grid
