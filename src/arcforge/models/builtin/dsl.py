"""The DSL: every operation the search may use, with what it does in words.

Fixed operations have their arguments written here. Inferred operations get theirs from
the train pairs and can only end a program (they need the expected outputs).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from arcforge.models.builtin import infer
from arcforge.models.builtin.ops import MODULES

# every public function of the op modules, by name (names are unique across modules)
FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    name: fn
    for module in MODULES
    for name, fn in inspect.getmembers(module, inspect.isfunction)
    if fn.__module__ == module.__name__
}

# how an op's output size relates to its input size: equal, transposed, smaller in some
# side and larger in none (or the very same grid), larger in some side and smaller in
# none, or anything
ShapeRule = Literal["same", "swap", "shrink", "grow", "any"]


@dataclass(frozen=True, slots=True)
class Step:
    """One operation of a program with its arguments."""

    op: str
    func: str
    kwargs: tuple[tuple[str, Any], ...] = ()
    text: str = ""

    def apply(self, grid: np.ndarray) -> np.ndarray:
        return FUNCTIONS[self.func](grid, **dict(self.kwargs))


@dataclass(frozen=True, slots=True)
class FixedOp:
    name: str
    func: str
    kwargs: tuple[tuple[str, Any], ...]
    shape: ShapeRule  # how the output size relates to the input size
    text: str

    def step(self) -> Step:
        return Step(self.name, self.func, self.kwargs, self.text)


@dataclass(frozen=True, slots=True)
class InferredOp:
    name: str
    func: str
    infer: Callable[[list[np.ndarray], list[np.ndarray]], list[dict[str, Any]]]
    describe: Callable[[dict[str, Any]], str]
    # the costly ones only end programs of at most this many steps before them
    max_prefix: int = 2

    def step(self, kwargs: dict[str, Any]) -> Step:
        return Step(self.name, self.func, tuple(kwargs.items()), self.describe(kwargs))


def _fixed(name: str, func: str, shape: ShapeRule, text: str, **kwargs: Any) -> FixedOp:
    return FixedOp(name, func, tuple(kwargs.items()), shape, text)


_OBJECT_CHOICE = {
    "largest": "the largest object (cells touching by a side or corner, any colours)",
    "smallest": "the smallest object",
    "unique_colour": "the only object whose colour no other object has",
    "unique_shape": "the only object whose shape no other object has",
    "common_shape": "an object of the shape that most objects share",
    "most_colours": "the object with the most distinct colours",
}

FIXED: tuple[FixedOp, ...] = (
    _fixed("rot90", "rot90", "swap", "rotate the grid a quarter turn clockwise"),
    _fixed("rot180", "rot180", "same", "rotate the grid a half turn"),
    _fixed("rot270", "rot270", "swap", "rotate the grid a quarter turn counter-clockwise"),
    _fixed("flip_h", "flip_h", "same", "mirror the grid left-right"),
    _fixed("flip_v", "flip_v", "same", "mirror the grid top-bottom"),
    _fixed("transpose", "transpose", "swap", "mirror the grid across its main diagonal"),
    _fixed("anti_transpose", "anti_transpose", "swap",
           "mirror the grid across its anti-diagonal"),
    _fixed("crop_bbox", "crop_bbox", "shrink",
           "crop to the smallest rectangle holding every non-background cell"),
    *(
        _fixed(f"crop_{which}_object", "crop_object", "shrink", f"crop to {text}", which=which)
        for which, text in _OBJECT_CHOICE.items()
    ),
    *(
        _fixed(f"keep_{which}_object", "keep_object", "same",
               f"keep only {text}; erase everything else", which=which)
        for which in ("largest", "smallest")
        for text in [_OBJECT_CHOICE[which]]
    ),
    _fixed("remove_noise", "remove_small_objects", "same",
           "erase isolated single cells (noise)", max_size=1),
    _fixed("remove_small_objects", "remove_small_objects", "same",
           "erase objects of at most 2 cells", max_size=2),
    _fixed("hollow", "hollow", "same",
           "hollow out every object, keeping only its outline"),
    *(
        _fixed(f"gravity_{d}", "gravity", "same",
               f"let every coloured cell fall {d} as far as it can, keeping order", direction=d)
        for d in ("down", "up", "left", "right")
    ),
    _fixed("lines_h", "draw_lines", "same",
           "join same-colour cells of each row with a line of their colour", axis="h"),
    _fixed("lines_v", "draw_lines", "same",
           "join same-colour cells of each column with a line of their colour", axis="v"),
    _fixed("lines_hv", "draw_lines", "same",
           "join same-colour cells of each row and column with lines", axis="hv"),
    *(
        _fixed(f"scale_up_{k}", "scale_up", "grow",
               f"scale up: every cell becomes a {k}x{k} block", rows=k, cols=k)
        for k in (2, 3, 4)
    ),
    *(
        _fixed(f"scale_down_{k}", "scale_down", "shrink",
               f"scale down: every {k}x{k} block becomes one cell of its main colour",
               rows=k, cols=k)
        for k in (2, 3)
    ),
    *(
        _fixed(f"tile_{r}x{c}", "tile", "grow", f"repeat the grid {r} x {c} times", rows=r, cols=c)
        for r, c in ((1, 2), (2, 1), (2, 2), (3, 3))
    ),
    _fixed("mirror_h", "mirror_tile", "grow",
           "place the grid's left-right mirror image to its right", layout="h"),
    _fixed("mirror_h_rev", "mirror_tile", "grow",
           "place the grid's left-right mirror image to its left", layout="h_rev"),
    _fixed("mirror_v", "mirror_tile", "grow",
           "place the grid's top-bottom mirror image below it", layout="v"),
    _fixed("mirror_v_rev", "mirror_tile", "grow",
           "place the grid's top-bottom mirror image above it", layout="v_rev"),
    _fixed("mirror_hv", "mirror_tile", "grow",
           "make a 2x2 block of the grid and its three mirror images", layout="hv"),
    _fixed("mirror_hv_rev", "mirror_tile", "grow",
           "make a 2x2 block of the grid's mirror images, the grid itself at bottom right",
           layout="hv_rev"),
    *(
        _fixed(f"half_{side}", "half", "shrink", f"keep the {side} half of the grid", side=side)
        for side in ("top", "bottom", "left", "right")
    ),
    *(
        _fixed(f"pick_cell_{which}", "pick_cell", "shrink",
               f"keep the block between separator lines that {text}", which=which)
        for which, text in (("most", "has the most coloured cells"),
                            ("fewest", "has the fewest coloured cells"),
                            ("unique", "no other block repeats"))
    ),
    _fixed("overlay_blocks", "overlay_cells", "shrink",
           "lay all blocks between separator lines over each other, the first on top",
           last_on_top=False),
    _fixed("overlay_blocks_rev", "overlay_cells", "shrink",
           "lay all blocks between separator lines over each other, the last on top",
           last_on_top=True),
    _fixed("count_to_row", "count_to_row", "any",
           "answer a row with one cell per coloured cell, in that colour"),
    *(
        _fixed(f"shift_{d}", "shift", "same", f"move the whole picture one cell {d}",
               dy=dy, dx=dx)
        for d, dy, dx in (("down", 1, 0), ("up", -1, 0), ("left", 0, -1), ("right", 0, 1))
    ),
    *(
        _fixed(f"rays_{d}", "rays", "same",
               f"extend every coloured cell {d} over the background until something stops it",
               direction=d)
        for d in ("down", "up", "left", "right")
    ),
    _fixed("untile", "untile", "shrink",
           "keep the smallest block whose repetition makes up the grid"),
    _fixed("dedup_rows", "dedup_rows", "shrink", "collapse repeated consecutive rows into one"),
    _fixed("dedup_cols", "dedup_cols", "shrink", "collapse repeated consecutive columns into one"),
    _fixed("drop_background_lines", "drop_background_lines", "shrink",
           "remove every row and column that holds only background"),
    _fixed("fractal", "fractal", "grow",
           "replace each coloured cell by a copy of the whole grid (background cells by blanks)",
           inverse=False),
    _fixed("fractal_inverse", "fractal", "grow",
           "replace each background cell by a copy of the whole grid (others by blanks)",
           inverse=True),
    _fixed("symmetrize_h", "symmetrize", "same",
           "make the picture left-right symmetric: background cells copy their mirror image",
           kind="h"),
    _fixed("symmetrize_v", "symmetrize", "same",
           "make the picture top-bottom symmetric: background cells copy their mirror image",
           kind="v"),
    _fixed("symmetrize_hv", "symmetrize", "same",
           "make the picture symmetric both ways: background cells copy their mirror images",
           kind="hv"),
    _fixed("fill_majority", "fill_majority", "same",
           "paint the whole grid in its most frequent colour"),
    _fixed("majority_colour", "count_colour", "any",
           "answer a 1x1 grid of the most frequent non-background colour", which="most"),
    _fixed("minority_colour", "count_colour", "any",
           "answer a 1x1 grid of the least frequent non-background colour", which="least"),
    *(
        _fixed(f"overlay_{axis}_{order}", "overlay_parts", "shrink",
               f"split the grid into its {parts} parts and lay the {order} part over the other",
               axis=axis, first_on_top=order == "first")
        for axis, parts in (("h", "left/right"), ("v", "top/bottom"))
        for order in ("first", "second")
    ),
)


def _describe_map(kw: dict[str, Any]) -> str:
    pairs = ", ".join(f"{old}→{new}" for old, new in kw["mapping"].items())
    return f"substitute colours cell by cell ({pairs}); other colours stay"


def _describe_completion(kw: dict[str, Any]) -> str:
    how = ("its mirror/rotation symmetries" if kw["method"] == "symmetry"
           else "the smallest repeating period of the pattern")
    what = "answer only the patch that colour covered" if kw["crop"] else "keep the whole grid"
    return f"fill every cell of colour {kw['mask']} from {how}; {what}"


def _describe_logic(kw: dict[str, Any]) -> str:
    parts = "left and right" if kw["axis"] == "h" else "top and bottom"
    words = {"and": "both parts are occupied", "or": "either part is occupied",
             "xor": "exactly one part is occupied", "nor": "neither part is occupied",
             "first_only": "only the first part is occupied",
             "second_only": "only the second part is occupied"}
    return (f"split the grid into {parts} parts (at the separator line or the middle); "
            f"colour {kw['on']} where {words[kw['op']]}, {kw['off']} elsewhere")


def _describe_recolour(kw: dict[str, Any]) -> str:
    feature = {"size": "size (cells)", "shape": "shape", "rank": "size rank (1 = largest)",
               "holes": "number of holes", "edge": "place (touching the edge or inside)"}
    table = ", ".join(
        f"{k if kw['key'] != 'shape' else 'shape ' + k} → {v}" for k, v in kw["table"].items()
    )
    return f"recolour each one-colour object by its {feature[kw['key']]}: {table}"


def _describe_crop_colour(kw: dict[str, Any]) -> str:
    inner = "the inside of the frame drawn by" if kw["inner"] else "the rectangle around"
    return f"crop to {inner} colour {kw['colour']}"


INFERRED: tuple[InferredOp, ...] = (
    InferredOp("colour_map", "colour_map", infer.infer_colour_map, _describe_map),
    InferredOp("fill_enclosed", "fill_enclosed", infer.infer_paint_colour,
               lambda kw: f"paint colour {kw['colour']} into every enclosed background region"),
    InferredOp("surround", "surround", infer.infer_paint_colour,
               lambda kw: f"outline every object with colour {kw['colour']} (corners too)"),
    InferredOp("border", "border", infer.infer_paint_colour,
               lambda kw: f"paint the outer ring of the grid with colour {kw['colour']}"),
    InferredOp("complete", "complete_masked", infer.infer_masked_colour, _describe_completion,
               max_prefix=1),
    InferredOp("complete_crop", "complete_masked", infer.infer_masked_crop, _describe_completion,
               max_prefix=1),
    InferredOp("logic", "logic_parts", infer.infer_logic, _describe_logic),
    InferredOp("recolour", "recolour_objects", infer.infer_recolour, _describe_recolour,
               max_prefix=1),
    InferredOp("scale_up", "scale_up", infer.infer_growth,
               lambda kw: f"scale up: every cell becomes a {kw['rows']}x{kw['cols']} block"),
    InferredOp("tile", "tile", infer.infer_growth,
               lambda kw: f"repeat the grid {kw['rows']} x {kw['cols']} times"),
    InferredOp("scale_down", "scale_down", infer.infer_shrink,
               lambda kw: f"scale down: every {kw['rows']}x{kw['cols']} block becomes one cell "
               "of its main colour"),
    InferredOp("fill_boxes", "fill_boxes", infer.infer_paint_colour,
               lambda kw: f"paint colour {kw['colour']} on the background inside each "
               "object's bounding box"),
    InferredOp("paint_inside", "paint_inside", infer.infer_paint_colour,
               lambda kw: f"paint colour {kw['colour']} on the inner cells of every object"),
    InferredOp("window", "window", infer.infer_window,
               lambda kw: f"keep the {kw['rows']}x{kw['cols']} window at the "
               + {"tl": "top-left", "tr": "top-right", "bl": "bottom-left",
                  "br": "bottom-right"}[kw["corner"]] + " corner"),
    InferredOp("crop_colour", "crop_colour", infer.infer_crop_colour, _describe_crop_colour),
)
