"""What a few operations mean, on hand-made grids."""

from __future__ import annotations

import numpy as np
import pytest

from arcforge.models.builtin.ops import geometry, logic, objects, painting, symmetry


def a(rows: list[list[int]]) -> np.ndarray:
    return np.array(rows, dtype=np.int64)


def test_gravity_keeps_order_and_background() -> None:
    g = a([[1, 0], [0, 2], [3, 0]])
    assert painting.gravity(g, "down").tolist() == [[0, 0], [1, 0], [3, 2]]
    assert painting.gravity(g, "right").tolist() == [[0, 1], [0, 2], [0, 3]]


def test_fill_enclosed_leaves_regions_open_to_the_edge() -> None:
    g = a([[1, 1, 1, 0], [1, 0, 1, 0], [1, 1, 1, 0]])
    assert painting.fill_enclosed(g, 4).tolist() == [[1, 1, 1, 0], [1, 4, 1, 0], [1, 1, 1, 0]]


def test_holes_are_counted_per_object() -> None:
    ring = a([[1, 1, 1], [1, 0, 1], [1, 1, 1]]) == 1
    bar = a([[1, 1, 1]]) == 1
    assert objects.count_holes(ring) == 1
    assert objects.count_holes(bar) == 0


def test_symmetry_completion_uses_an_off_centre_mirror() -> None:
    # mirror axis between columns 2 and 3 of a 6-wide grid, with column 5 masked (9)
    g = a([[0, 1, 2, 2, 1, 9], [3, 4, 5, 5, 4, 9]])
    with pytest.raises(ValueError):
        symmetry.complete_masked(a([[9, 9], [9, 9]]), 9, "symmetry", False)
    assert symmetry.complete_masked(g, 9, "symmetry", False).tolist() == [
        [0, 1, 2, 2, 1, 0], [3, 4, 5, 5, 4, 3]]


def test_period_completion_and_crop() -> None:
    g = a([[1, 2, 1, 2], [3, 4, 9, 9], [1, 2, 1, 2]])
    assert symmetry.complete_masked(g, 9, "period", True).tolist() == [[3, 4]]


def test_logic_parts_split_at_the_separator() -> None:
    g = a([[1, 0, 5, 1, 1], [0, 0, 5, 0, 1]])
    assert logic.logic_parts(g, "h", "and", 2, 0).tolist() == [[2, 0], [0, 0]]
    assert logic.logic_parts(g, "h", "xor", 2, 0).tolist() == [[0, 2], [0, 2]]


def test_untile_and_separator_blocks() -> None:
    assert geometry.untile(a([[1, 2, 1, 2], [3, 4, 3, 4]])).tolist() == [[1, 2], [3, 4]]
    g = a([[1, 0, 5, 1, 0, 5, 0, 1], [0, 1, 5, 0, 1, 5, 1, 0]])
    assert geometry.pick_cell(g, "unique").tolist() == [[0, 1], [1, 0]]


def test_object_choice_needs_a_single_winner() -> None:
    g = a([[1, 0, 2], [0, 0, 0], [3, 0, 0]])  # three one-cell objects of distinct colours
    with pytest.raises(ValueError):
        objects.select_object(g, "unique_colour")
    assert objects.crop_object(a([[1, 1, 0, 2]]), "largest").tolist() == [[1, 1]]


def test_symmetrize_fills_background_from_mirror_images() -> None:
    g = a([[1, 0, 0], [0, 0, 2], [0, 0, 0]])
    assert symmetry.symmetrize(g, "h").tolist() == [[1, 0, 1], [2, 0, 2], [0, 0, 0]]
    assert symmetry.symmetrize(g, "hv").tolist() == [[1, 0, 1], [2, 0, 2], [1, 0, 1]]
