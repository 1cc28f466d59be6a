"""Parameter inference: propose arguments of the final operation from the train pairs.

Each function gets the grids the program has produced so far (one per train pair) and
the expected outputs, and returns candidate keyword arguments. Proposals are only
guesses: the search keeps one only when applying it reproduces every output exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arcforge.models.builtin.ops.helpers import background, mask_bbox, object_masks
from arcforge.models.builtin.ops.logic import split_parts
from arcforge.models.builtin.ops.objects import object_key

Grids = list[np.ndarray]
Proposals = list[dict[str, Any]]


def same_shapes(xs: Grids, ys: Grids) -> bool:
    return all(x.shape == y.shape for x, y in zip(xs, ys, strict=True))


def infer_colour_map(xs: Grids, ys: Grids) -> Proposals:
    """One consistent colour-to-colour substitution over every cell of every pair."""
    if not same_shapes(xs, ys):
        return []
    mapping: dict[int, int] = {}
    for x, y in zip(xs, ys, strict=True):
        pairs = np.unique(x.ravel() * 10 + y.ravel())
        for code in pairs.tolist():
            old, new = divmod(code, 10)
            if mapping.setdefault(old, new) != new:
                return []
    changed = {old: new for old, new in sorted(mapping.items()) if old != new}
    return [{"mapping": changed}] if changed else []


def painted_colour(xs: Grids, ys: Grids) -> int | None:
    """The one colour every changed cell takes, when shapes agree and there is one."""
    if not same_shapes(xs, ys):
        return None
    colours: set[int] = set()
    for x, y in zip(xs, ys, strict=True):
        colours.update(np.unique(y[x != y]).tolist())
    return colours.pop() if len(colours) == 1 else None


def infer_paint_colour(xs: Grids, ys: Grids) -> Proposals:
    """The colour painted by fills, outlines and borders."""
    colour = painted_colour(xs, ys)
    return [] if colour is None else [{"colour": colour}]


def infer_masked_colour(xs: Grids, ys: Grids) -> Proposals:
    """Completion in place: a colour in every input and in no output."""
    if not same_shapes(xs, ys):
        return []
    present = set(range(10))
    for x, y in zip(xs, ys, strict=True):
        present &= set(np.unique(x).tolist()) - set(np.unique(y).tolist())
    return [
        {"mask": m, "method": method, "crop": False}
        for m in sorted(present)
        for method in ("symmetry", "period")
    ]


def infer_masked_crop(xs: Grids, ys: Grids) -> Proposals:
    """Completion of a hidden patch: a colour whose bounding box has each output's size."""
    if not smaller(xs, ys):
        return []
    found = []
    for m in range(10):
        ok = True
        for x, y in zip(xs, ys, strict=True):
            hit = x == m
            if not hit.any():
                ok = False
                break
            top, bottom, left, right = mask_bbox(hit)
            if (bottom - top, right - left) != y.shape:
                ok = False
                break
        if ok:
            found += [{"mask": m, "method": k, "crop": True} for k in ("symmetry", "period")]
    return found


def infer_logic(xs: Grids, ys: Grids) -> Proposals:
    """Logic combinations of the two parts whose size matches the outputs."""
    colours = set()
    for y in ys:
        colours.update(np.unique(y).tolist())
    if not 1 <= len(colours) <= 2:
        return []
    found = []
    for axis in ("h", "v"):
        try:
            if any(split_parts(x, axis)[0].shape != y.shape for x, y in zip(xs, ys, strict=True)):
                continue
        except ValueError:
            continue
        off_first = sorted(colours, key=lambda c: -sum(int((y == c).sum()) for y in ys))
        options = [(off_first[-1], off_first[0])]
        if len(off_first) == 2:
            options.append((off_first[0], off_first[1]))
        for on, off in options:
            for op in ("and", "or", "xor", "nor", "first_only", "second_only"):
                found.append({"axis": axis, "op": op, "on": on, "off": off})
    return found


def infer_recolour(xs: Grids, ys: Grids) -> Proposals:
    """A feature (size, shape, size rank, holes, edge) -> colour table explaining every object."""
    if not same_shapes(xs, ys):
        return []
    found = []
    bgs = [background(x) for x in xs]
    if any((y[x == bg] != bg).any() for x, y, bg in zip(xs, ys, bgs, strict=True)):
        return []
    if all(np.array_equal(x, y) for x, y in zip(xs, ys, strict=True)):
        return []
    for diagonal in (False, True):
        objects = []
        for x, y, bg in zip(xs, ys, bgs, strict=True):
            masks = object_masks(x, bg, diagonal, False)
            objects.append((masks, [int(m.sum()) for m in masks], y))
        for key in ("size", "shape", "rank", "holes", "edge"):
            table: dict[str, int] = {}
            ok = True
            for masks, sizes, y in objects:
                for mask in masks:
                    colours = np.unique(y[mask])
                    k = object_key(mask, key, sizes)
                    if colours.size != 1 or table.setdefault(k, int(colours[0])) != colours[0]:
                        ok = False
                        break
                if not ok:
                    break
            if ok and table:
                found.append({"key": key, "table": dict(sorted(table.items())),
                              "diagonal": diagonal})
    return found


def smaller(xs: Grids, ys: Grids) -> bool:
    """Every output fits inside its input and at least one is smaller."""
    return all(y.shape[0] <= x.shape[0] and y.shape[1] <= x.shape[1]
               for x, y in zip(xs, ys, strict=True)) and not same_shapes(xs, ys)


def infer_crop_colour(xs: Grids, ys: Grids) -> Proposals:
    """Colours whose bounding box (with or without its frame) has each output's size."""
    if not smaller(xs, ys):
        return []
    found = []
    for inner in (False, True):
        for m in range(10):
            ok = True
            for x, y in zip(xs, ys, strict=True):
                hit = x == m
                if not hit.any() or hit.all():
                    ok = False
                    break
                top, bottom, left, right = mask_bbox(hit)
                size = (bottom - top - 2 * inner, right - left - 2 * inner)
                if size != y.shape:
                    ok = False
                    break
            if ok:
                found.append({"colour": m, "inner": inner})
    return found


def _ratio(xs: Grids, ys: Grids, grow: bool) -> tuple[int, int] | None:
    """The integer size ratio (rows, cols) shared by every pair, when there is one."""
    found = set()
    for x, y in zip(xs, ys, strict=True):
        big, small = (y.shape, x.shape) if grow else (x.shape, y.shape)
        if big[0] % small[0] or big[1] % small[1]:
            return None
        found.add((big[0] // small[0], big[1] // small[1]))
    if len(found) != 1:
        return None
    ratio = found.pop()
    return None if ratio == (1, 1) else ratio


def infer_growth(xs: Grids, ys: Grids) -> Proposals:
    """Scale or tile factors from the output/input size ratio."""
    ratio = _ratio(xs, ys, grow=True)
    return [] if ratio is None else [{"rows": ratio[0], "cols": ratio[1]}]


def infer_shrink(xs: Grids, ys: Grids) -> Proposals:
    """Scale-down factors from the input/output size ratio."""
    ratio = _ratio(xs, ys, grow=False)
    return [] if ratio is None else [{"rows": ratio[0], "cols": ratio[1]}]


def infer_window(xs: Grids, ys: Grids) -> Proposals:
    """Corner windows of the (common) output size that hold each output."""
    if len({y.shape for y in ys}) != 1:
        return []
    rows, cols = ys[0].shape
    found = []
    for corner in ("tl", "tr", "bl", "br"):
        ok = True
        for x, y in zip(xs, ys, strict=True):
            h, w = x.shape
            if rows > h or cols > w or (rows, cols) == (h, w):
                ok = False
                break
            top = 0 if corner[0] == "t" else h - rows
            left = 0 if corner[1] == "l" else w - cols
            if not np.array_equal(x[top : top + rows, left : left + cols], y):
                ok = False
                break
        if ok:
            found.append({"corner": corner, "rows": rows, "cols": cols})
    return found
