"""Whole-grid geometry: rotations, reflections, scaling, tiling, halves, blocks, shifts."""

from __future__ import annotations

import numpy as np

from arcforge.models.builtin.ops.helpers import background


def rot90(g: np.ndarray) -> np.ndarray:
    """Quarter turn clockwise."""
    return np.rot90(g, -1)


def rot180(g: np.ndarray) -> np.ndarray:
    return np.rot90(g, 2)


def rot270(g: np.ndarray) -> np.ndarray:
    """Quarter turn counter-clockwise."""
    return np.rot90(g, 1)


def flip_h(g: np.ndarray) -> np.ndarray:
    """Mirror left-right."""
    return g[:, ::-1]


def flip_v(g: np.ndarray) -> np.ndarray:
    """Mirror top-bottom."""
    return g[::-1, :]


def transpose(g: np.ndarray) -> np.ndarray:
    """Mirror across the main diagonal."""
    return g.T


def anti_transpose(g: np.ndarray) -> np.ndarray:
    """Mirror across the anti-diagonal."""
    return np.rot90(g, 2).T


def scale_up(g: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Every cell becomes a rows x cols block."""
    return np.repeat(np.repeat(g, rows, axis=0), cols, axis=1)


def scale_down(g: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Every rows x cols block becomes one cell of the block's most frequent colour."""
    h, w = g.shape
    if h % rows or w % cols or (h == rows and w == cols):
        raise ValueError(f"{h}x{w} is not divisible into {rows}x{cols} blocks")
    blocks = g.reshape(h // rows, rows, w // cols, cols).transpose(0, 2, 1, 3)
    flat = blocks.reshape(h // rows, w // cols, rows * cols)
    counts = (flat[..., None] == np.arange(10)).sum(axis=2)
    return counts.argmax(axis=2)


def tile(g: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Repeat the grid rows x cols times."""
    return np.tile(g, (rows, cols))


def mirror_tile(g: np.ndarray, layout: str) -> np.ndarray:
    """Place the grid beside/below its mirror images.

    ``h``: grid | mirrored; ``v``: grid over flipped; ``hv``: 2x2 of all four;
    the ``_rev`` layouts put the mirror image first.
    """
    lr, ud, both = g[:, ::-1], g[::-1, :], g[::-1, ::-1]
    if layout == "h":
        return np.hstack([g, lr])
    if layout == "h_rev":
        return np.hstack([lr, g])
    if layout == "v":
        return np.vstack([g, ud])
    if layout == "v_rev":
        return np.vstack([ud, g])
    if layout == "hv":
        return np.vstack([np.hstack([g, lr]), np.hstack([ud, both])])
    if layout == "hv_rev":
        return np.vstack([np.hstack([both, ud]), np.hstack([lr, g])])
    raise ValueError(f"unknown mirror layout {layout!r}")


def half(g: np.ndarray, side: str) -> np.ndarray:
    """The top, bottom, left or right half (the middle line of an odd size is dropped)."""
    h, w = g.shape
    if side == "top":
        part = g[: h // 2]
    elif side == "bottom":
        part = g[h - h // 2 :]
    elif side == "left":
        part = g[:, : w // 2]
    elif side == "right":
        part = g[:, w - w // 2 :]
    else:
        raise ValueError(f"unknown half {side!r}")
    if part.size == 0:
        raise ValueError("grid too small to halve")
    return part


def dedup_rows(g: np.ndarray) -> np.ndarray:
    """Collapse runs of identical consecutive rows into one row."""
    keep = [0] + [i for i in range(1, g.shape[0]) if not np.array_equal(g[i], g[i - 1])]
    return g[keep]


def dedup_cols(g: np.ndarray) -> np.ndarray:
    """Collapse runs of identical consecutive columns into one column."""
    return dedup_rows(g.T).T


def drop_background_lines(g: np.ndarray) -> np.ndarray:
    """Remove every row and column made only of the background colour."""
    fg = g != background(g)
    rows, cols = fg.any(axis=1), fg.any(axis=0)
    if not rows.any():
        raise ValueError("grid has only background")
    return g[rows][:, cols]


def fractal(g: np.ndarray, inverse: bool) -> np.ndarray:
    """Each cell becomes a copy of the whole grid when it is foreground (background when
    ``inverse``), else a block of background."""
    bg = background(g)
    h, w = g.shape
    if h * h > 30 or w * w > 30:
        raise ValueError("fractal would exceed 30x30")
    on = (g == bg) if inverse else (g != bg)
    out = np.full((h * h, w * w), bg, dtype=g.dtype)
    for r in range(h):
        for c in range(w):
            if on[r, c]:
                out[r * h : (r + 1) * h, c * w : (c + 1) * w] = g
    return out


def untile(g: np.ndarray) -> np.ndarray:
    """The smallest block whose repetition (from the top-left corner) gives the grid."""
    h, w = g.shape
    pr = next(p for p in range(1, h + 1) if p == h or np.array_equal(g[p:], g[: h - p]))
    pc = next(p for p in range(1, w + 1) if p == w or np.array_equal(g[:, p:], g[:, : w - p]))
    if pr == h and pc == w:
        raise ValueError("the grid is not a repetition of a smaller block")
    return g[:pr, :pc]


def separator_lines(g: np.ndarray) -> tuple[list[int], list[int]]:
    """Rows and columns drawn entirely in one non-background colour (the same for all)."""
    bg = background(g)
    colour = None
    for line in (*g, *g.T):
        if line[0] != bg and (line == line[0]).all():
            colour = line[0]
            break
    if colour is None:
        raise ValueError("no separator line")
    rows = [r for r in range(g.shape[0]) if (g[r] == colour).all()]
    cols = [c for c in range(g.shape[1]) if (g[:, c] == colour).all()]
    return rows, cols


def square_blocks(g: np.ndarray) -> list[np.ndarray]:
    """A grid whose long side is a multiple of its short side, cut into squares."""
    h, w = g.shape
    if h > w and h % w == 0:
        return [g[i : i + w] for i in range(0, h, w)]
    if w > h and w % h == 0:
        return [g[:, i : i + h] for i in range(0, w, h)]
    raise ValueError("no separator line and not a row or column of squares")


def grid_cells(g: np.ndarray) -> list[np.ndarray]:
    """The blocks between separator lines, in reading order (without separator lines:
    the squares of a grid made of a row or column of squares)."""
    try:
        rows, cols = separator_lines(g)
    except ValueError:
        return square_blocks(g)

    def spans(lines: list[int], n: int) -> list[tuple[int, int]]:
        edges = [-1, *lines, n]
        return [(edges[i] + 1, edges[i + 1]) for i in range(len(edges) - 1)
                if edges[i + 1] > edges[i] + 1]

    cells = [g[r0:r1, c0:c1] for r0, r1 in spans(rows, g.shape[0])
             for c0, c1 in spans(cols, g.shape[1])]
    if len(cells) < 2:
        raise ValueError("separator lines make fewer than 2 cells")
    return cells


def pick_cell(g: np.ndarray, which: str) -> np.ndarray:
    """One block between separator lines: the one with the ``most`` or ``fewest``
    non-background cells, or the ``unique`` one whose content no other block repeats."""
    bg = background(g)
    cells = grid_cells(g)
    if which == "unique":
        keys = [c.tobytes() + bytes(c.shape) for c in cells]
        chosen = [c for c, k in zip(cells, keys, strict=True) if keys.count(k) == 1]
    else:
        counts = [int((c != bg).sum()) for c in cells]
        best = max(counts) if which == "most" else min(counts)
        chosen = [c for c, n in zip(cells, counts, strict=True) if n == best]
    if len(chosen) != 1:
        raise ValueError(f"{len(chosen)} blocks qualify as {which}, expected exactly 1")
    return chosen[0]


def overlay_cells(g: np.ndarray, last_on_top: bool) -> np.ndarray:
    """Lay all blocks (see ``grid_cells``) over each other; occupied cells hide the ones
    beneath. The first block is on top unless ``last_on_top``."""
    bg = background(g)
    cells = grid_cells(g)
    if len({c.shape for c in cells}) != 1:
        raise ValueError("blocks of different sizes")
    order = cells if last_on_top else cells[::-1]
    out = order[0].copy()
    for cell in order[1:]:
        out = np.where(cell != bg, cell, out)
    return out


def shift(g: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Move the whole picture by (dy, dx) cells; cells shifted in are background."""
    h, w = g.shape
    out = np.full_like(g, background(g))
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = \
        g[max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)]
    return out


def window(g: np.ndarray, corner: str, rows: int, cols: int) -> np.ndarray:
    """The rows x cols window at one corner (``tl``, ``tr``, ``bl`` or ``br``)."""
    h, w = g.shape
    if rows > h or cols > w:
        raise ValueError(f"a {rows}x{cols} window does not fit in {h}x{w}")
    top = 0 if corner[0] == "t" else h - rows
    left = 0 if corner[1] == "l" else w - cols
    return g[top : top + rows, left : left + cols]
