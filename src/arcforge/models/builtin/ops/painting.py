"""Cell painting: colour maps, gravity, enclosed fill, lines, borders, outlines, counts."""

from __future__ import annotations

from collections import deque

import numpy as np

from arcforge.models.builtin.ops.helpers import background


def colour_map(g: np.ndarray, mapping: dict) -> np.ndarray:
    """Substitute colours cell by cell; colours not in ``mapping`` stay."""
    lut = np.arange(10)
    for old, new in mapping.items():
        lut[old] = new
    return lut[g]


def gravity(g: np.ndarray, direction: str) -> np.ndarray:
    """Let every non-background cell fall towards one side, keeping their order."""
    bg = background(g)
    turns = {"down": 0, "left": 1, "up": 2, "right": 3}[direction]
    work = np.rot90(g, turns)
    out = np.full_like(work, bg)
    for c in range(work.shape[1]):
        col = work[:, c]
        cells = col[col != bg]
        if cells.size:
            out[-cells.size :, c] = cells
    return np.rot90(out, -turns)


def fill_enclosed(g: np.ndarray, colour: int) -> np.ndarray:
    """Paint ``colour`` into every background cell that cannot reach the edge through
    background cells (4-connected)."""
    bg = background(g)
    h, w = g.shape
    free = g == bg
    outside = np.zeros((h, w), dtype=bool)
    queue = deque()
    for r in range(h):
        for c in range(w):
            if (r in (0, h - 1) or c in (0, w - 1)) and free[r, c]:
                outside[r, c] = True
                queue.append((r, c))
    while queue:
        y, x = queue.popleft()
        for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
            if 0 <= ny < h and 0 <= nx < w and free[ny, nx] and not outside[ny, nx]:
                outside[ny, nx] = True
                queue.append((ny, nx))
    return np.where(free & ~outside, colour, g)


def draw_lines(g: np.ndarray, axis: str) -> np.ndarray:
    """Join consecutive same-colour cells of a row (``h``), a column (``v``) or both
    with a line of their colour over the background between them."""
    bg = background(g)
    out = g.copy()
    views = []
    if axis in ("h", "hv"):
        views.append((g, out))
    if axis in ("v", "hv"):
        views.append((g.T, out.T))
    for src, dst in views:
        for r in range(src.shape[0]):
            cols = np.flatnonzero(src[r] != bg)
            for i in range(len(cols) - 1):
                a, b = cols[i], cols[i + 1]
                if b > a + 1 and src[r, a] == src[r, b]:
                    seg = dst[r, a + 1 : b]
                    seg[seg == bg] = src[r, a]
    return out


def border(g: np.ndarray, colour: int) -> np.ndarray:
    """Paint the outermost ring of cells."""
    out = g.copy()
    out[0, :] = out[-1, :] = colour
    out[:, 0] = out[:, -1] = colour
    return out


def surround(g: np.ndarray, colour: int) -> np.ndarray:
    """Paint ``colour`` on every background cell that touches an object (corners too)."""
    bg = background(g)
    fg = np.pad(g != bg, 1)
    near = np.zeros_like(fg)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            near |= np.roll(np.roll(fg, dy, axis=0), dx, axis=1)
    near = near[1:-1, 1:-1]
    return np.where(near & (g == bg), colour, g)


def count_colour(g: np.ndarray, which: str) -> np.ndarray:
    """A 1x1 grid of the most (``most``) or least (``least``) frequent non-background
    colour (the smallest colour on ties)."""
    counts = np.bincount(g.ravel(), minlength=10)
    counts[background(g)] = 0
    present = np.flatnonzero(counts)
    if present.size == 0:
        raise ValueError("grid has only background")
    least = int(present[np.argmin(counts[present])])
    colour = int(np.argmax(counts)) if which == "most" else least
    return np.array([[colour]])


def rays(g: np.ndarray, direction: str) -> np.ndarray:
    """Extend every coloured cell into a line towards one side, over background only,
    until the edge or another coloured cell."""
    bg = background(g)
    turns = {"down": 0, "left": 1, "up": 2, "right": 3}[direction]
    work = np.rot90(g, turns).copy()
    for r in range(1, work.shape[0]):
        fill = (work[r] == bg) & (work[r - 1] != bg)
        work[r][fill] = work[r - 1][fill]
    return np.rot90(work, -turns)


def paint_inside(g: np.ndarray, colour: int) -> np.ndarray:
    """Paint ``colour`` on the inner cells of objects (all 4 neighbours of their colour)."""
    h, w = g.shape
    inner = np.zeros((h, w), dtype=bool)
    if h >= 3 and w >= 3:
        core = g[1:-1, 1:-1]
        inner[1:-1, 1:-1] = (
            (core != background(g))
            & (g[:-2, 1:-1] == core)
            & (g[2:, 1:-1] == core)
            & (g[1:-1, :-2] == core)
            & (g[1:-1, 2:] == core)
        )
    return np.where(inner, colour, g)


def count_to_row(g: np.ndarray) -> np.ndarray:
    """A 1 x n row of the grid's one non-background colour, n = how many cells have it."""
    bg = background(g)
    cells = g[g != bg]
    if cells.size == 0 or cells.size > 30 or (cells != cells[0]).any():
        raise ValueError("not 1-30 cells of a single non-background colour")
    return np.full((1, cells.size), cells[0])


def fill_majority(g: np.ndarray) -> np.ndarray:
    """Paint the whole grid in its most frequent colour (all colours counted)."""
    return np.full_like(g, int(np.argmax(np.bincount(g.ravel(), minlength=10))))
