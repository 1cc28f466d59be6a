"""Pattern completion: fill the cells of a mask colour from the grid's symmetries or period."""

from __future__ import annotations

import numpy as np

from arcforge.models.builtin.ops.helpers import background, mask_bbox


def symmetry_maps(h: int, w: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Candidate symmetries of an h x w grid as (row, column) index maps: left-right and
    top-bottom mirrors about every axis, diagonal mirrors about every diagonal, and the
    quarter and half turns about the centre."""
    rows, cols = np.indices((h, w))
    maps = []
    for s in range(1, 2 * w - 2):
        maps.append((rows, s - cols))
    for s in range(1, 2 * h - 2):
        maps.append((s - rows, cols))
    for d in range(-(h - 1), w):
        maps.append((cols - d, rows + d))
    for s in range(0, h + w - 1):
        maps.append((s - cols, s - rows))
    maps.append((h - 1 - rows, w - 1 - cols))
    if h == w:
        maps.append((cols, h - 1 - rows))
        maps.append((h - 1 - cols, rows))
    return maps


def symmetry_complete(g: np.ndarray, mask: int) -> np.ndarray:
    """Replace every cell of colour ``mask`` by its mirror/rotation image, using each
    symmetry that covers at least half of the grid and that every unmasked cell obeys."""
    h, w = g.shape
    known = g != mask
    chosen = []
    for rr, cc in symmetry_maps(h, w):
        inside = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
        if inside.sum() * 2 < h * w:
            continue
        src_r, src_c = np.nonzero(inside)
        dst_r, dst_c = rr[inside], cc[inside]
        both = known[src_r, src_c] & known[dst_r, dst_c]
        if not both.any():
            continue
        if np.array_equal(g[src_r, src_c][both], g[dst_r, dst_c][both]):
            chosen.append((src_r, src_c, dst_r, dst_c))
    out = g.copy()
    filled = known.copy()
    for _ in range(4):
        if filled.all():
            break
        for src_r, src_c, dst_r, dst_c in chosen:
            take = ~filled[src_r, src_c] & filled[dst_r, dst_c]
            out[src_r[take], src_c[take]] = out[dst_r[take], dst_c[take]]
            filled[src_r[take], src_c[take]] = True
    if not filled.all():
        raise ValueError("the grid's symmetries do not cover every masked cell")
    return out


def shift_periods(g: np.ndarray, known: np.ndarray) -> list[int]:
    """Row shifts p (1..rows) under which every pair of known cells p rows apart agree."""
    h = g.shape[0]
    found = []
    for p in range(1, h + 1):
        both = known[p:] & known[: h - p]
        if np.array_equal(g[p:][both], g[: h - p][both]):
            found.append(p)
    return found


def periodic_complete(g: np.ndarray, mask: int) -> np.ndarray:
    """Replace every cell of colour ``mask`` using the smallest rows x columns period that
    every unmasked cell obeys."""
    h, w = g.shape
    known = g != mask
    rows, cols = np.indices((h, w))
    periods = sorted(
        (pr * pc, pr, pc)
        for pr in shift_periods(g, known)
        for pc in shift_periods(g.T, known.T)
        if pr < h or pc < w
    )
    for _, pr, pc in periods:
        key = (rows % pr) * pc + cols % pc
        lo = np.full(pr * pc, 10)
        hi = np.full(pr * pc, -1)
        np.minimum.at(lo, key[known], g[known])
        np.maximum.at(hi, key[known], g[known])
        if (hi >= 0).all() and (lo == hi).all():
            return hi[key]
    raise ValueError("no period fits the unmasked cells")


def complete_masked(g: np.ndarray, mask: int, method: str, crop: bool) -> np.ndarray:
    """Complete the grid by ``symmetry`` or ``period``; with ``crop`` return only the
    rectangle that the mask colour covered."""
    if not (g == mask).any():
        raise ValueError(f"colour {mask} does not occur")
    if method == "symmetry":
        out = symmetry_complete(g, mask)
    elif method == "period":
        out = periodic_complete(g, mask)
    else:
        raise ValueError(f"unknown completion method {method!r}")
    if not crop:
        return out
    top, bottom, left, right = mask_bbox(g == mask)
    return out[top:bottom, left:right]


def symmetrize(g: np.ndarray, kind: str) -> np.ndarray:
    """Give the picture a mirror symmetry about the grid's centre: every background cell
    takes the colour of its image (left-right ``h``, top-bottom ``v``, or both ``hv``)."""
    bg = background(g)
    out = g.copy()
    flips = {"h": [(False, True)], "v": [(True, False)],
             "hv": [(False, True), (True, False), (True, True)]}[kind]
    for _ in range(2):
        for rows, cols in flips:
            image = out[::-1 if rows else 1, ::-1 if cols else 1]
            out = np.where(out == bg, image, out)
    return out
