"""Object operations: pick, crop, keep, remove, hollow and recolour connected objects."""

from __future__ import annotations

import numpy as np

from arcforge.models.builtin.ops.helpers import background, mask_bbox, object_masks, shape_key


def select_object(g: np.ndarray, which: str) -> np.ndarray:
    """The mask of one object (corner-connected, any colours) chosen by ``which``.

    ``largest``/``smallest`` by cell count (first in reading order on ties);
    ``unique_colour``: the only object whose main colour no other object has;
    ``unique_shape``: the only object whose shape no other object has;
    ``common_shape``: the first object of the shape that most objects share;
    ``most_colours``: the object with the most distinct colours (must be unique).
    """
    bg = background(g)
    masks = object_masks(g, bg, True, True)
    if len(masks) < 2 and which != "largest":
        raise ValueError("fewer than 2 objects to choose from")
    if not masks:
        raise ValueError("no objects")
    if which in ("largest", "smallest"):
        sizes = [int(m.sum()) for m in masks]
        best = max(sizes) if which == "largest" else min(sizes)
        return masks[sizes.index(best)]
    if which == "unique_colour":
        keys = [int(np.bincount(g[m], minlength=10).argmax()) for m in masks]
    elif which == "unique_shape":
        keys = [shape_key(m) for m in masks]
    elif which == "common_shape":
        keys = [shape_key(m) for m in masks]
        counts = [keys.count(k) for k in keys]
        top = max(counts)
        if top < 2 or len({k for k, n in zip(keys, counts, strict=True) if n == top}) != 1:
            raise ValueError("no single most common shape")
        return masks[counts.index(top)]
    elif which == "most_colours":
        counts = [len(set(g[m].tolist())) for m in masks]
        top = max(counts)
        if counts.count(top) != 1:
            raise ValueError("no single object has the most colours")
        return masks[counts.index(top)]
    else:
        raise ValueError(f"unknown object choice {which!r}")
    unique = [m for m, k in zip(masks, keys, strict=True) if keys.count(k) == 1]
    if len(unique) != 1:
        raise ValueError(f"{len(unique)} objects qualify as {which}, expected exactly 1")
    return unique[0]


def crop_object(g: np.ndarray, which: str) -> np.ndarray:
    """The rectangle around the chosen object (see ``select_object``)."""
    top, bottom, left, right = mask_bbox(select_object(g, which))
    return g[top:bottom, left:right]


def keep_object(g: np.ndarray, which: str) -> np.ndarray:
    """Keep only the chosen object in place; every other cell becomes background."""
    mask = select_object(g, which)
    return np.where(mask, g, background(g))


def crop_bbox(g: np.ndarray) -> np.ndarray:
    """The smallest rectangle holding every non-background cell."""
    top, bottom, left, right = mask_bbox(g != background(g))
    return g[top:bottom, left:right]


def remove_small_objects(g: np.ndarray, max_size: int) -> np.ndarray:
    """Erase same-colour objects (corner-connected) of at most ``max_size`` cells."""
    bg = background(g)
    out = g.copy()
    for mask in object_masks(g, bg, True, False):
        if mask.sum() <= max_size:
            out[mask] = bg
    return out


def hollow(g: np.ndarray) -> np.ndarray:
    """Erase the inside of every object: cells whose 4 neighbours all share their colour."""
    bg = background(g)
    h, w = g.shape
    inner = np.zeros((h, w), dtype=bool)
    if h >= 3 and w >= 3:
        core = g[1:-1, 1:-1]
        inner[1:-1, 1:-1] = (
            (core != bg)
            & (g[:-2, 1:-1] == core)
            & (g[2:, 1:-1] == core)
            & (g[1:-1, :-2] == core)
            & (g[1:-1, 2:] == core)
        )
    return np.where(inner, bg, g)


def count_holes(mask: np.ndarray) -> int:
    """How many regions of non-object cells the object encloses (4-connected)."""
    top, bottom, left, right = mask_bbox(mask)
    free = np.pad(~mask[top:bottom, left:right], 1, constant_values=True)
    regions = object_masks(free.astype(np.int64), 0, False, False)
    return len(regions) - 1


def object_key(mask: np.ndarray, key: str, sizes: list[int]) -> str:
    """The feature an object is recoloured by: its size, size rank, shape, hole count or
    whether it touches the edge of the grid."""
    size = int(mask.sum())
    if key == "size":
        return str(size)
    if key == "rank":
        return str(sorted(set(sizes), reverse=True).index(size) + 1)
    if key == "shape":
        return shape_key(mask)
    if key == "holes":
        return str(count_holes(mask))
    if key == "edge":
        touches = mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any()
        return "edge" if touches else "inside"
    raise ValueError(f"unknown object key {key!r}")


def recolour_objects(g: np.ndarray, key: str, table: dict, diagonal: bool) -> np.ndarray:
    """Recolour each same-colour object by ``table[feature]`` (size, size rank, shape,
    number of holes, touching the edge);
    objects whose feature is not in the table keep their colour."""
    masks = object_masks(g, background(g), diagonal, False)
    sizes = [int(m.sum()) for m in masks]
    out = g.copy()
    for mask in masks:
        colour = table.get(object_key(mask, key, sizes))
        if colour is not None:
            out[mask] = colour
    return out


def crop_colour(g: np.ndarray, colour: int, inner: bool) -> np.ndarray:
    """The rectangle around every cell of ``colour``; with ``inner``, without its edge."""
    top, bottom, left, right = mask_bbox(g == colour)
    if inner:
        top, bottom, left, right = top + 1, bottom - 1, left + 1, right - 1
    if bottom <= top or right <= left:
        raise ValueError(f"nothing inside the frame of colour {colour}")
    return g[top:bottom, left:right]


def fill_boxes(g: np.ndarray, colour: int) -> np.ndarray:
    """Paint ``colour`` on the background cells inside each object's bounding box."""
    bg = background(g)
    out = g.copy()
    for mask in object_masks(g, bg, True, True):
        top, bottom, left, right = mask_bbox(mask)
        box = out[top:bottom, left:right]
        box[box == bg] = colour
    return out
