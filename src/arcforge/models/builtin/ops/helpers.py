"""Helpers shared by the grid operations: background colour, objects, bounding boxes."""

from __future__ import annotations

from collections import deque

import numpy as np


def background(g: np.ndarray) -> int:
    """Black (0) when the grid has any, else its most frequent colour."""
    counts = np.bincount(g.ravel(), minlength=10)
    return 0 if counts[0] else int(np.argmax(counts))


def object_masks(g: np.ndarray, bg: int, diagonal: bool, multicolour: bool) -> list[np.ndarray]:
    """Connected groups of non-background cells as boolean masks, in reading order.

    ``diagonal`` joins cells that touch by a corner; ``multicolour`` joins touching
    cells of different colours into one object.
    """
    h, w = g.shape
    cells = g.tolist()
    seen = [[False] * w for _ in range(h)]
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if diagonal:
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    masks = []
    for r in range(h):
        for c in range(w):
            if seen[r][c] or cells[r][c] == bg:
                continue
            colour = cells[r][c]
            seen[r][c] = True
            queue = deque([(r, c)])
            ys, xs = [], []
            while queue:
                y, x = queue.popleft()
                ys.append(y)
                xs.append(x)
                for dy, dx in steps:
                    ny, nx = y + dy, x + dx
                    if 0 <= ny < h and 0 <= nx < w and not seen[ny][nx]:
                        v = cells[ny][nx]
                        if v != bg and (multicolour or v == colour):
                            seen[ny][nx] = True
                            queue.append((ny, nx))
            mask = np.zeros((h, w), dtype=bool)
            mask[ys, xs] = True
            masks.append(mask)
    return masks


def mask_bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the true cells, bottom and right exclusive."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        raise ValueError("empty mask has no bounding box")
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def shape_key(mask: np.ndarray) -> str:
    """A text key of an object's shape: its cropped mask, position-independent."""
    top, bottom, left, right = mask_bbox(mask)
    crop = mask[top:bottom, left:right]
    bits = "".join("1" if v else "0" for v in crop.ravel().tolist())
    return f"{crop.shape[0]}x{crop.shape[1]}:{bits}"
