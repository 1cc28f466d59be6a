"""Every DSL operation: its generated standalone code agrees with the in-process op."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from arcforge.models.builtin.codegen import generate_code
from arcforge.models.builtin.dsl import FIXED, FUNCTIONS, INFERRED, Step
from arcforge.models.builtin.ops import MODULES

from .conftest import run_programs

ALLOWED_IMPORTS = {"numpy", "collections", "__future__"}

# inferred operations with arguments of the kinds their inference produces
INFERRED_STEPS = [
    Step("colour_map", "colour_map", (("mapping", {1: 2, 3: 0}),)),
    Step("fill_enclosed", "fill_enclosed", (("colour", 4),)),
    Step("surround", "surround", (("colour", 5),)),
    Step("border", "border", (("colour", 8),)),
    Step("complete", "complete_masked", (("mask", 0), ("method", "symmetry"), ("crop", False))),
    Step("complete", "complete_masked", (("mask", 0), ("method", "period"), ("crop", True))),
    Step("logic", "logic_parts", (("axis", "h"), ("op", "xor"), ("on", 3), ("off", 0))),
    Step("logic", "logic_parts", (("axis", "v"), ("op", "and"), ("on", 2), ("off", 0))),
    Step("recolour", "recolour_objects",
         (("key", "size"), ("table", {"1": 7, "2": 8}), ("diagonal", False))),
    Step("recolour", "recolour_objects",
         (("key", "rank"), ("table", {"1": 6}), ("diagonal", True))),
    Step("recolour", "recolour_objects",
         (("key", "shape"), ("table", {"1x2:11": 9}), ("diagonal", False))),
    Step("recolour", "recolour_objects",
         (("key", "holes"), ("table", {"1": 3, "0": 4}), ("diagonal", True))),
    Step("recolour", "recolour_objects",
         (("key", "edge"), ("table", {"edge": 5}), ("diagonal", False))),
    Step("crop_colour", "crop_colour", (("colour", 1), ("inner", True))),
    Step("scale_up", "scale_up", (("rows", 1), ("cols", 3))),
    Step("tile", "tile", (("rows", 3), ("cols", 1))),
    Step("scale_down", "scale_down", (("rows", 2), ("cols", 1))),
    Step("fill_boxes", "fill_boxes", (("colour", 3),)),
    Step("paint_inside", "paint_inside", (("colour", 2),)),
    Step("window", "window", (("corner", "br"), ("rows", 2), ("cols", 3))),
]
STEPS = [op.step() for op in FIXED] + INFERRED_STEPS


def sample_grids(training: dict) -> list[list[list[int]]]:
    """Hand-made corner cases plus train inputs of a few varied ARC tasks."""
    rng = np.random.default_rng(7)
    grids = [
        [[0]],
        [[1, 1], [1, 1]],
        rng.integers(0, 4, (5, 7)).tolist(),
        np.where(rng.random((6, 6)) < 0.7, 0, rng.integers(1, 10, (6, 6))).tolist(),
        [[1, 1, 1, 1], [1, 0, 0, 1], [1, 0, 0, 1], [1, 1, 1, 1]],
        [[2, 0, 2], [5, 5, 5], [0, 2, 0]],
        [[1, 0, 5, 1, 0, 5, 0, 1], [0, 1, 5, 0, 1, 5, 1, 0]],
        [[0, 0, 0], [0, 4, 0], [0, 4, 0], [0, 0, 0]],
    ]
    for tid in ("007bbfb7", "00d62c1b", "0520fde7", "1f85a75f", "3631a71a", "a416b8f3"):
        grids += [p.input for p in training[tid].train[:2]]
    return grids


def in_process(step: Step, grid: list[list[int]]) -> object:
    try:
        return step.apply(np.array(grid, dtype=np.int64)).tolist()
    except ValueError:
        return "error"


def test_the_dsl_has_at_least_40_operations() -> None:
    assert len(FIXED) + len(INFERRED) >= 40
    assert len({op.name for op in FIXED}) == len(FIXED)


def test_function_names_are_unique_across_op_modules() -> None:
    names = [n for m in MODULES for n, f in vars(m).items()
             if callable(f) and getattr(f, "__module__", None) == m.__name__]
    assert len(names) == len(set(names)) == len(FUNCTIONS)


@pytest.mark.parametrize("step", STEPS, ids=lambda s: f"{s.op}-{s.kwargs}"[:60])
def test_generated_code_imports_only_stdlib_and_numpy(step: Step) -> None:
    tree = ast.parse(generate_code([step]))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert {a.name.split(".")[0] for a in node.names} <= ALLOWED_IMPORTS
        elif isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] in ALLOWED_IMPORTS
    assert "arcforge" not in generate_code([step])


def test_standalone_code_agrees_with_every_op(training: dict) -> None:
    grids = sample_grids(training)
    jobs = [(generate_code([step]), grids) for step in STEPS]
    results = run_programs(jobs)
    applied = 0
    for step, outputs in zip(STEPS, results, strict=True):
        for grid, got in zip(grids, outputs, strict=True):
            want = in_process(step, grid)
            if want == "error":
                assert isinstance(got, dict) and "ValueError" in got["error"], (step.op, grid)
            else:
                applied += 1
                assert got == want, (step.op, step.kwargs, grid)
    # the sample grids exercise every operation at least once
    for step, outputs in zip(STEPS, results, strict=True):
        assert any(isinstance(o, list) for o in outputs), f"{step.op} never applied"
    assert applied > len(STEPS) * 3


def test_composed_program_chains_the_ops(training: dict) -> None:
    steps = [next(op for op in FIXED if op.name == n).step() for n in ("rot90", "scale_up_2")]
    steps.append(INFERRED_STEPS[0])
    grid = training["a416b8f3"].train[0].input
    want = np.array(grid)
    for step in steps:
        want = step.apply(want)
    [[got]] = run_programs([(generate_code(steps), [grid])])
    assert got == want.tolist()


def test_shape_rules_tell_the_truth(training: dict) -> None:
    """The search skips ops by their shape rule; a wrong rule would hide solutions."""
    from arcforge.models.builtin.search import shape_fits

    for grid in sample_grids(training):
        g = np.array(grid, dtype=np.int64)
        for op in FIXED:
            out = in_process(op.step(), grid)
            if out == "error":
                continue
            out_shape = (len(out), len(out[0]))
            if op.shape in ("shrink", "grow") and out_shape == g.shape:
                assert out == grid, op.name  # same size only when nothing changed
                continue
            assert shape_fits(op.shape, g.shape, out_shape), (op.name, g.shape, out_shape)


def test_docs_list_every_operation() -> None:
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "builtin.md").read_text("utf-8")
    for name in [op.name for op in FIXED] + [op.name for op in INFERRED]:
        assert f"| `{name}` |" in docs, name
