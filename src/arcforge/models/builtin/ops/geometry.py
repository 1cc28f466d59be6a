"""Whole-grid geometry: rotations, reflections, scaling, tiling, halves, deduplication."""

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


def scale_up(g: np.ndarray, factor: int) -> np.ndarray:
    """Every cell becomes a factor x factor block."""
    return np.repeat(np.repeat(g, factor, axis=0), factor, axis=1)


def scale_down(g: np.ndarray, factor: int) -> np.ndarray:
    """Every factor x factor block becomes one cell of the block's most frequent colour."""
    h, w = g.shape
    if h % factor or w % factor or (h == factor and w == factor):
        raise ValueError(f"{h}x{w} is not divisible into {factor}x{factor} blocks")
    blocks = g.reshape(h // factor, factor, w // factor, factor).transpose(0, 2, 1, 3)
    flat = blocks.reshape(h // factor, w // factor, factor * factor)
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
