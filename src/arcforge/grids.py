"""Grids: validation, distance and the pure transformations used by variations.

A grid is a rectangular list of rows, 1-30 rows by 1-30 columns, of ints 0-9.
Booleans, floats and strings are not cells, even when they compare equal to an int.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

Grid = list[list[int]]

MAX_SIDE = 30
COLOURS = range(10)
_DIGITS = frozenset(COLOURS)
_LIST, _INT = {list}, {int}


class GridError(ValueError):
    """A value that is not a valid grid; ``path`` says where, ``reason`` what."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path else reason)


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def grid_problem(value: Any) -> str | None:
    """Return what is wrong with ``value`` as a grid, or None when it is valid."""
    if not isinstance(value, list):
        return f"expected a list of rows, got {_type_name(value)}"
    if not value:
        return "grid has no rows"
    if len(value) > MAX_SIDE:
        return f"grid has {len(value)} rows, at most {MAX_SIDE} allowed"
    # Fast path: whole-grid checks run in C; the slow scan below only explains a failure.
    if (
        set(map(type, value)) == _LIST
        and len(set(map(len, value))) == 1
        and 0 < len(value[0]) <= MAX_SIDE
        and set(map(type, chain.from_iterable(value))) == _INT  # no bool, float, ...
        and _DIGITS.issuperset(chain.from_iterable(value))
    ):
        return None
    return _explain(value)


def _explain(value: list[Any]) -> str:
    first = value[0]
    if not isinstance(first, list):
        return f"row 0 is {_type_name(first)}, expected a list of cells"
    width = len(first)
    if width == 0:
        return "row 0 has no cells"
    if width > MAX_SIDE:
        return f"grid has {width} columns, at most {MAX_SIDE} allowed"
    for r, row in enumerate(value):
        if not isinstance(row, list):
            return f"row {r} is {_type_name(row)}, expected a list of cells"
        if len(row) != width:
            return f"row {r} has {len(row)} cells, expected {width}"
        for c, cell in enumerate(row):
            if type(cell) is not int:
                return f"row {r} column {c}: {cell!r} is {_type_name(cell)}, expected an int 0-9"
            if not 0 <= cell <= 9:
                return f"row {r} column {c}: {cell} is outside 0-9"
    raise AssertionError("unreachable: the grid was valid")


def validate_grid(value: Any, path: str = "") -> Grid:
    """Return ``value`` when it is a valid grid, else raise :class:`GridError` at ``path``."""
    problem = grid_problem(value)
    if problem is not None:
        raise GridError(path, problem)
    return value


def is_grid(value: Any) -> bool:
    return grid_problem(value) is None


def shape(grid: Grid) -> tuple[int, int]:
    """(rows, columns) of a valid grid."""
    return len(grid), len(grid[0])


def copy_grid(grid: Grid) -> Grid:
    return [list(row) for row in grid]


@dataclass(frozen=True, slots=True)
class GridDistance:
    """How far a grid is from another: a size mismatch is its own result."""

    same_shape: bool
    differing: int | None = None
    total: int | None = None

    @property
    def fraction(self) -> float | None:
        """Fraction of differing cells, or None when the shapes differ."""
        if not self.same_shape or not self.total:
            return None
        return self.differing / self.total

    @property
    def exact(self) -> bool:
        return self.same_shape and self.differing == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "same_shape": self.same_shape,
            "differing": self.differing,
            "total": self.total,
            "fraction": self.fraction,
        }


def distance(a: Grid, b: Grid) -> GridDistance:
    """Compare two valid grids cell by cell."""
    if shape(a) != shape(b):
        return GridDistance(same_shape=False)
    differing = sum(
        x != y for ra, rb in zip(a, b, strict=True) for x, y in zip(ra, rb, strict=True)
    )
    return GridDistance(same_shape=True, differing=differing, total=len(a) * len(a[0]))


# --- the dihedral group of the square -------------------------------------------------


def _identity(g: Grid) -> Grid:
    return copy_grid(g)


def _rot90(g: Grid) -> Grid:
    """Quarter turn clockwise."""
    return [list(col) for col in zip(*g[::-1], strict=True)]


def _rot180(g: Grid) -> Grid:
    return [row[::-1] for row in g[::-1]]


def _rot270(g: Grid) -> Grid:
    """Quarter turn counter-clockwise."""
    return [list(col) for col in zip(*g, strict=True)][::-1]


def _flip_h(g: Grid) -> Grid:
    """Mirror left-right."""
    return [row[::-1] for row in g]


def _flip_v(g: Grid) -> Grid:
    """Mirror top-bottom."""
    return [list(row) for row in g[::-1]]


def _transpose(g: Grid) -> Grid:
    """Mirror across the main diagonal."""
    return [list(col) for col in zip(*g, strict=True)]


def _anti_transpose(g: Grid) -> Grid:
    """Mirror across the anti-diagonal."""
    return [list(col)[::-1] for col in zip(*g, strict=True)][::-1]


DIHEDRAL: dict[str, Callable[[Grid], Grid]] = {
    "identity": _identity,
    "rot90": _rot90,
    "rot180": _rot180,
    "rot270": _rot270,
    "flip_h": _flip_h,
    "flip_v": _flip_v,
    "transpose": _transpose,
    "anti_transpose": _anti_transpose,
}

DIHEDRAL_INVERSE: dict[str, str] = {
    "identity": "identity",
    "rot90": "rot270",
    "rot180": "rot180",
    "rot270": "rot90",
    "flip_h": "flip_h",
    "flip_v": "flip_v",
    "transpose": "transpose",
    "anti_transpose": "anti_transpose",
}


def dihedral(grid: Grid, name: str) -> Grid:
    """Apply one of the 8 rotations/reflections by name."""
    try:
        op = DIHEDRAL[name]
    except KeyError:
        raise ValueError(
            f"unknown rotation/reflection {name!r}; expected one of {', '.join(DIHEDRAL)}"
        ) from None
    return op(grid)


def check_colour_mapping(mapping: Sequence[int]) -> list[int]:
    """Validate a colour permutation given as ``mapping[old] = new`` over the 10 colours."""
    mapping = list(mapping)
    if len(mapping) != 10 or any(type(c) is not int for c in mapping):
        raise ValueError("a colour mapping lists 10 ints: mapping[old colour] = new colour")
    if sorted(mapping) != list(COLOURS):
        raise ValueError(f"colour mapping {mapping} is not a permutation of 0-9")
    return mapping


def permute_colours(grid: Grid, mapping: Sequence[int]) -> Grid:
    """Recolour every cell: colour ``c`` becomes ``mapping[c]``."""
    return [[mapping[c] for c in row] for row in grid]


def invert_mapping(mapping: Sequence[int]) -> list[int]:
    inverse = [0] * 10
    for old, new in enumerate(mapping):
        inverse[new] = old
    return inverse
