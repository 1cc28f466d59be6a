"""Two-part grids: split at a separator line (or the middle) and combine the parts."""

from __future__ import annotations

import numpy as np

from arcforge.models.builtin.ops.helpers import background


def split_parts(g: np.ndarray, axis: str) -> tuple[np.ndarray, np.ndarray]:
    """The two parts either side of a one-colour middle line, or the two halves when the
    size is even; ``axis`` ``h`` splits left/right, ``v`` splits top/bottom."""
    work = g if axis == "v" else g.T
    n = work.shape[0]
    if n % 2 == 1:
        middle = work[n // 2]
        if n < 3 or not (middle == middle[0]).all():
            raise ValueError("odd size without a one-colour middle line")
        first, second = work[: n // 2], work[n // 2 + 1 :]
    else:
        first, second = work[: n // 2], work[n // 2 :]
    if axis == "v":
        return first, second
    return first.T, second.T


def logic_parts(g: np.ndarray, axis: str, op: str, on: int, off: int) -> np.ndarray:
    """Combine the occupied cells (not background) of the two parts with a logic operation;
    cells where it holds become ``on``, the others ``off``."""
    bg = background(g)
    first, second = split_parts(g, axis)
    a, b = first != bg, second != bg
    if op == "and":
        hit = a & b
    elif op == "or":
        hit = a | b
    elif op == "xor":
        hit = a ^ b
    elif op == "nor":
        hit = ~(a | b)
    elif op == "first_only":
        hit = a & ~b
    elif op == "second_only":
        hit = ~a & b
    else:
        raise ValueError(f"unknown logic operation {op!r}")
    return np.where(hit, on, off)


def overlay_parts(g: np.ndarray, axis: str, first_on_top: bool) -> np.ndarray:
    """Lay one part over the other: its occupied cells hide the cells beneath."""
    bg = background(g)
    first, second = split_parts(g, axis)
    top, under = (first, second) if first_on_top else (second, first)
    return np.where(top != bg, top, under)
