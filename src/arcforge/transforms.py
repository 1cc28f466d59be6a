"""Task transformations specified by data, so a variation can be recomputed and checked.

A spec is one operation or a list of them, each a JSON object with an ``op``:

- ``{"op": "rot90"}`` and the other rotations/reflections of :data:`grids.DIHEDRAL`
- ``{"op": "permute_colours", "mapping": [0, 3, 1, ...]}``: colour ``c`` becomes ``mapping[c]``
- ``{"op": "swap_train_test", "train": 1, "test": 0}``: train[1] and test[0] trade places
- ``{"op": "reorder", "train": [2, 0, 1], "test": [0]}``: new order of the pairs
"""

from __future__ import annotations

import random
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from arcforge.errors import ArcforgeError
from arcforge.grids import (
    DIHEDRAL,
    DIHEDRAL_INVERSE,
    Grid,
    check_colour_mapping,
    dihedral,
    invert_mapping,
    permute_colours,
)
from arcforge.tasks import Pair, Task

DihedralName = Literal[
    "identity", "rot90", "rot180", "rot270", "flip_h", "flip_v", "transpose", "anti_transpose"
]


class TransformError(ArcforgeError):
    """A spec that is malformed or does not fit the task it is applied to."""


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dihedral(_Op):
    op: DihedralName


class PermuteColours(_Op):
    op: Literal["permute_colours"]
    mapping: list[int]

    @field_validator("mapping")
    @classmethod
    def _permutation(cls, v: list[int]) -> list[int]:
        return check_colour_mapping(v)


class SwapTrainTest(_Op):
    op: Literal["swap_train_test"]
    train: int = Field(ge=0)
    test: int = Field(ge=0)


class Reorder(_Op):
    op: Literal["reorder"]
    train: list[int] | None = None
    test: list[int] | None = None


Operation = Annotated[
    Dihedral | PermuteColours | SwapTrainTest | Reorder, Field(discriminator="op")
]
_SPEC = TypeAdapter(list[Operation])

assert set(DIHEDRAL) == set(DihedralName.__args__)  # type: ignore[attr-defined]


MAX_OPS = 32  # operations in one spec: more never make another task than a few do


def parse_spec(spec: Any) -> list[Operation]:
    """Validate a spec (one operation or a list of at most :data:`MAX_OPS`); raise
    :class:`TransformError` naming the field."""
    items = [spec] if isinstance(spec, dict) else spec
    if isinstance(items, list) and len(items) > MAX_OPS:
        raise TransformError(f"transform: at most {MAX_OPS} operations, got {len(items)}")
    try:
        return _SPEC.validate_python(items)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
            lines.append(f"transform{loc}: {err['msg']}")
        raise TransformError("\n".join(lines)) from None


def spec_to_data(ops: list[Operation]) -> list[dict[str, Any]]:
    return [op.model_dump(exclude_none=True) for op in ops]


def _map_pairs(task: Task, fn: Any) -> Task:
    def one(p: Pair) -> Pair:
        return Pair(fn(p.input), None if p.output is None else fn(p.output))

    return task.with_(train=tuple(map(one, task.train)), test=tuple(map(one, task.test)))


def _permutation(order: list[int] | None, n: int, name: str) -> list[int]:
    if order is None:
        return list(range(n))
    if sorted(order) != list(range(n)):
        raise TransformError(f"reorder.{name}: {order} is not a permutation of 0..{n - 1}")
    return order


def _apply_one(task: Task, op: Operation) -> Task:
    if isinstance(op, Dihedral):
        return _map_pairs(task, lambda g: dihedral(g, op.op))
    if isinstance(op, PermuteColours):
        return _map_pairs(task, lambda g: permute_colours(g, op.mapping))
    if isinstance(op, SwapTrainTest):
        if op.train >= len(task.train):
            raise TransformError(f"swap_train_test.train: no train[{op.train}] in {task.id}")
        if op.test >= len(task.test):
            raise TransformError(f"swap_train_test.test: no test[{op.test}] in {task.id}")
        if task.test[op.test].output is None:
            raise TransformError(
                f"swap_train_test: test[{op.test}] of {task.id} has no output to make a train pair"
            )
        train, test = list(task.train), list(task.test)
        train[op.train], test[op.test] = test[op.test], train[op.train]
        return task.with_(train=tuple(train), test=tuple(test))
    train_order = _permutation(op.train, len(task.train), "train")
    test_order = _permutation(op.test, len(task.test), "test")
    return task.with_(
        train=tuple(task.train[i] for i in train_order),
        test=tuple(task.test[i] for i in test_order),
    )


def apply(task: Task, spec: Any) -> Task:
    """Return a new task: ``spec`` applied to ``task``, with parent and transform recorded.

    The result's version is left for the store to number (it keeps the parent's).
    """
    ops = parse_spec(spec)
    result = task
    for op in ops:
        result = _apply_one(result, op)
    return result.with_(
        parent=(task.id, task.version),
        transform=tuple(spec_to_data(ops)),
        signed_by=(),
    )


def random_colour_mapping(seed: int | None = None, keep_zero: bool = True) -> list[int]:
    """A random permutation of the colours, leaving 0 (the background) fixed if asked."""
    rng = random.Random(seed)
    colours = list(range(1, 10)) if keep_zero else list(range(10))
    shuffled = colours[:]
    rng.shuffle(shuffled)
    mapping = list(range(10))
    for old, new in zip(colours, shuffled, strict=True):
        mapping[old] = new
    return mapping


# --- augmentation: the same task seen in another frame ------------------------------------

COLOURS = "colours"  # a permutation of colours 1-9 (0, the background, stays)
AUGMENTATIONS = (*DIHEDRAL, COLOURS)


def parse_augment(text: str | None, option: str = "--augment") -> list[str]:
    """Names from a comma-separated list: rotations/reflections and ``colours``, each
    alone or joined by ``+`` (``rot90+colours``); an empty list means no augmentation."""
    if not text or not text.strip():
        return []
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        for part in name.split("+"):
            if part not in AUGMENTATIONS:
                raise TransformError(f"{option}: {part!r} is not one of "
                                     f"{', '.join(AUGMENTATIONS)} (join them with '+')")
    return names


def augmentation_spec(name: str, seed: int) -> list[dict[str, Any]]:
    """The transform spec of augmentation ``name``; ``colours`` draws its permutation
    from ``seed`` (the same seed always gives the same spec)."""
    ops: list[dict[str, Any]] = []
    for part in name.split("+"):
        if part == COLOURS:
            ops.append({"op": "permute_colours", "mapping": random_colour_mapping(seed)})
        elif part != "identity":
            ops.append({"op": part})
    return spec_to_data(parse_spec(ops)) if ops else []


def _grid_op(grid: Grid, op: Operation) -> Grid:
    if isinstance(op, Dihedral):
        return dihedral(grid, op.op)
    if isinstance(op, PermuteColours):
        return permute_colours(grid, op.mapping)
    raise TransformError(f"{op.op} does not apply to a single grid")


def map_grid(grid: Grid, spec: Any) -> Grid:
    """One grid under a spec of rotations, reflections and colour permutations."""
    for op in parse_spec(spec) if spec else []:
        grid = _grid_op(grid, op)
    return grid


def inverse_spec(spec: Any) -> list[dict[str, Any]]:
    """The spec that undoes ``spec`` on grids: each operation's inverse, in reverse order."""
    inverse: list[dict[str, Any]] = []
    for op in reversed(parse_spec(spec) if spec else []):
        if isinstance(op, Dihedral):
            inverse.append({"op": DIHEDRAL_INVERSE[op.op]})
        elif isinstance(op, PermuteColours):
            inverse.append({"op": "permute_colours", "mapping": invert_mapping(op.mapping)})
        else:
            raise TransformError(f"{op.op} cannot be undone on a single grid")
    return inverse


def unmap_grid(grid: Grid, spec: Any) -> Grid:
    """Bring a grid seen under ``spec`` back to the original frame."""
    return map_grid(grid, inverse_spec(spec))
