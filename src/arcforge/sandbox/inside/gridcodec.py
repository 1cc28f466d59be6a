"""Grids on the sandbox wire: each row as a string of digits (``[[1, 2], [3, 0]]`` is
``["12", "30"]``).

JSON of short strings is several times cheaper to write and read than JSON of nested int
lists, and the conversions run in C (``bytes``, ``translate``). Standard library only:
the host and the sandbox worker both import it. :func:`decode` trusts nothing.
"""

from __future__ import annotations

from typing import Any

from .protocol import MAX_SIDE

_TO_DIGITS = bytes.maketrans(bytes(range(10)), b"0123456789")
_FROM_DIGITS = bytes.maketrans(b"0123456789", bytes(range(10)))
_CELLS = bytes(range(10))
_INT_ONLY = {int}


def encode(grid: list[list[int]]) -> list[str]:
    """Rows of ints 0-9 as digit strings. Only for grids already checked to be valid."""
    return [bytes(row).translate(_TO_DIGITS).decode("ascii") for row in grid]


def encode_checked(grid: Any) -> list[str] | None:
    """:func:`encode` of a plain grid (a list of equal-length lists of ints 0-9, 1-30 on
    each side, exact types), checked row by row in C; None for anything else."""
    if type(grid) is not list or not 0 < len(grid) <= MAX_SIDE or type(grid[0]) is not list:
        return None
    width = len(grid[0])
    if not 0 < width <= MAX_SIDE:
        return None
    rows = []
    for row in grid:
        if type(row) is not list or len(row) != width or set(map(type, row)) != _INT_ONLY:
            return None
        try:
            data = bytes(row)  # ValueError outside 0-255
        except ValueError:
            return None
        if data.translate(None, _CELLS):  # a cell above 9 is left over
            return None
        rows.append(data.translate(_TO_DIGITS).decode("ascii"))
    return rows


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
