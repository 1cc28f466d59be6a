"""Grid validation, distance, and the algebra of the pure transformations."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arcforge.grids import (
    DIHEDRAL,
    DIHEDRAL_INVERSE,
    GridError,
    distance,
    grid_problem,
    invert_mapping,
    permute_colours,
    validate_grid,
)

grids = st.integers(1, 30).flatmap(
    lambda h: st.integers(1, 30).flatmap(
        lambda w: st.lists(
            st.lists(st.integers(0, 9), min_size=w, max_size=w), min_size=h, max_size=h
        )
    )
)
mappings = st.permutations(list(range(10)))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([[1, True]], "row 0 column 1: True is bool"),
        ([[1.0]], "row 0 column 0: 1.0 is float"),
        ([["1"]], "row 0 column 0: '1' is str"),
        ([[None]], "row 0 column 0: None is null"),
        ([[1, 2], [3]], "row 1 has 1 cells, expected 2"),
        ([], "grid has no rows"),
        ([[]], "row 0 has no cells"),
        ([[0] * 31], "31 columns, at most 30"),
        ([[0]] * 31, "31 rows, at most 30"),
        ([[10]], "10 is outside 0-9"),
        ([[-1]], "-1 is outside 0-9"),
        ({"a": 1}, "expected a list of rows, got dict"),
        ([1, 2], "row 0 is int"),
        ([[0, 0], 5], "row 1 is int"),
    ],
)
def test_invalid_grids_say_what_is_wrong(value, message):
    problem = grid_problem(value)
    assert problem is not None and message in problem
    with pytest.raises(GridError) as info:
        validate_grid(value, "train[0].input")
    assert str(info.value).startswith("train[0].input: ")


def test_valid_grid_extremes():
    assert validate_grid([[0]]) == [[0]]
    assert grid_problem([[9] * 30] * 30) is None


def test_distance_counts_differing_cells_and_reports_size_mismatch():
    d = distance([[1, 2], [3, 4]], [[1, 0], [3, 0]])
    assert (d.same_shape, d.differing, d.total, d.fraction) == (True, 2, 4, 0.5)
    assert distance([[1]], [[1]]).exact
    mismatch = distance([[1, 2]], [[1], [2]])
    assert not mismatch.same_shape and mismatch.fraction is None and not mismatch.exact


@given(grids)
def test_four_quarter_turns_are_the_identity(g):
    turned = g
    for _ in range(4):
        turned = DIHEDRAL["rot90"](turned)
    assert turned == g


@given(grids)
def test_every_dihedral_op_has_its_inverse_among_the_8(g):
    for name, op in DIHEDRAL.items():
        assert DIHEDRAL[DIHEDRAL_INVERSE[name]](op(g)) == g


@given(grids)
def test_the_8_ops_are_closed_under_composition(g):
    results = {name: op(g) for name, op in DIHEDRAL.items()}
    for a, b in itertools.product(DIHEDRAL.values(), repeat=2):
        assert b(a(g)) in results.values()


def test_the_8_ops_are_distinct_on_an_asymmetric_grid():
    g = [[1, 2, 3], [4, 5, 6]]
    outputs = [op(g) for op in DIHEDRAL.values()]
    assert len({str(o) for o in outputs}) == 8
    assert DIHEDRAL["rot90"](g) == [[4, 1], [5, 2], [6, 3]]
    assert DIHEDRAL["flip_h"](g) == [[3, 2, 1], [6, 5, 4]]
    assert DIHEDRAL["anti_transpose"](g) == [[6, 3], [5, 2], [4, 1]]


@given(grids, mappings)
def test_colour_permutation_then_its_inverse_is_the_identity(g, mapping):
    assert permute_colours(permute_colours(g, mapping), invert_mapping(mapping)) == g


@given(grids)
def test_ops_do_not_mutate_their_input(g):
    before = [list(r) for r in g]
    for op in DIHEDRAL.values():
        op(g)
    assert g == before
