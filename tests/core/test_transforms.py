"""Transformations specified by data, applied to whole tasks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arcforge.grids import invert_mapping
from arcforge.tasks import Pair, Task
from arcforge.transforms import (
    AUGMENTATIONS,
    TransformError,
    apply,
    augmentation_spec,
    inverse_spec,
    map_grid,
    parse_augment,
    parse_spec,
    random_colour_mapping,
    unmap_grid,
)


def make_task() -> Task:
    return Task(
        id="t1",
        train=(Pair([[1, 2]], [[2, 1]]), Pair([[3, 0]], [[0, 3]]), Pair([[4]], [[4]])),
        test=(Pair([[5, 6]], [[6, 5]]), Pair([[7]], [[7]])),
    )


def test_apply_records_parent_and_spec_and_returns_a_new_task():
    task = make_task()
    out = apply(task, [{"op": "rot90"}, {"op": "flip_h"}])
    assert out.parent == ("t1", 0)
    assert out.transform == ({"op": "rot90"}, {"op": "flip_h"})
    assert task.train[0].input == [[1, 2]]
    assert out.train[0].input == [[1], [2]]  # rot90 -> [[1],[2]], flip_h keeps a column


def test_single_op_dict_is_accepted():
    assert apply(make_task(), {"op": "rot180"}).train[0].input == [[2, 1]]


@given(st.integers(0, 2), st.integers(0, 1))
def test_swapping_twice_is_the_identity(i, j):
    task = make_task()
    spec = {"op": "swap_train_test", "train": i, "test": j}
    twice = apply(apply(task, spec), spec)
    assert twice.content() == task.content()


def test_swap_moves_pairs_both_ways():
    out = apply(make_task(), {"op": "swap_train_test", "train": 1, "test": 0})
    assert out.train[1] == Pair([[5, 6]], [[6, 5]])
    assert out.test[0] == Pair([[3, 0]], [[0, 3]])


@given(st.permutations([0, 1, 2]))
def test_reorder_then_inverse_order_is_the_identity(order):
    task = make_task()
    inverse = [order.index(i) for i in range(3)]
    out = apply(apply(task, {"op": "reorder", "train": order}), {"op": "reorder", "train": inverse})
    assert out.content() == task.content()


@given(st.integers(0, 10_000), st.booleans())
def test_colour_permutation_and_inverse_restore_the_task(seed, keep_zero):
    task = make_task()
    mapping = random_colour_mapping(seed, keep_zero=keep_zero)
    if keep_zero:
        assert mapping[0] == 0
    there = apply(task, {"op": "permute_colours", "mapping": mapping})
    back = apply(there, {"op": "permute_colours", "mapping": invert_mapping(mapping)})
    assert back.content() == task.content()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"op": "spin"}, "transform[0]"),
        ({"op": "permute_colours", "mapping": [0, 0, 1, 2, 3, 4, 5, 6, 7, 8]}, "not a permutation"),
        ({"op": "permute_colours", "mapping": [0, 1]}, "10 ints"),
        ({"op": "swap_train_test", "train": -1, "test": 0}, "transform[0].swap_train_test.train"),
        ([{"op": "rot90"}, {"op": "rot90", "k": 2}], "transform[1]"),
        ("rot90", "transform"),
    ],
)
def test_malformed_specs_are_refused_naming_the_field(spec, message):
    with pytest.raises(TransformError) as info:
        parse_spec(spec)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"op": "swap_train_test", "train": 5, "test": 0}, "no train[5]"),
        ({"op": "swap_train_test", "train": 0, "test": 3}, "no test[3]"),
        ({"op": "reorder", "train": [0, 0, 1]}, "not a permutation"),
    ],
)
def test_specs_that_do_not_fit_the_task_are_refused(spec, message):
    with pytest.raises(TransformError, match=message.replace("[", r"\[").replace("]", r"\]")):
        apply(make_task(), spec)


def test_swap_refuses_a_test_pair_without_output():
    task = make_task().without_test_outputs()
    with pytest.raises(TransformError, match="has no output"):
        apply(task, {"op": "swap_train_test", "train": 0, "test": 0})


def test_content_hash_identifies_identical_content():
    a = make_task()
    b = apply(apply(a, {"op": "rot90"}), {"op": "rot270"})
    assert a.content_hash() == b.content_hash()
    assert a.content_hash() != apply(a, {"op": "rot90"}).content_hash()


# --- augmentation ------------------------------------------------------------------------

GRIDS = st.integers(1, 6).flatmap(lambda rows: st.integers(1, 6).flatmap(
    lambda cols: st.lists(st.lists(st.integers(0, 9), min_size=cols, max_size=cols),
                          min_size=rows, max_size=rows)))
NAMES = st.sampled_from(AUGMENTATIONS)


@given(GRIDS, NAMES, NAMES, st.integers(0, 10**9))
def test_every_augmentation_is_undone_exactly(grid, first, second, seed):
    for name in (first, f"{first}+{second}"):
        spec = augmentation_spec(name, seed)
        assert unmap_grid(map_grid(grid, spec), spec) == grid
        assert map_grid(unmap_grid(grid, spec), spec) == grid


@given(st.lists(st.tuples(GRIDS, GRIDS), min_size=1, max_size=3), GRIDS, NAMES,
       st.integers(0, 10**9))
def test_map_grid_agrees_with_apply_on_a_task(pairs, test_input, name, seed):
    task = Task("h", tuple(Pair(i, o) for i, o in pairs), (Pair(test_input),))
    spec = augmentation_spec(name, seed)
    seen = apply(task, spec) if spec else task
    assert [p.input for p in seen.train] == [map_grid(i, spec) for i, _ in pairs]
    assert [p.output for p in seen.train] == [map_grid(o, spec) for _, o in pairs]
    assert seen.test[0].input == map_grid(test_input, spec)


def test_colour_permutations_keep_the_background_and_repeat_by_seed():
    spec = augmentation_spec("colours", 7)
    assert spec == augmentation_spec("colours", 7) != augmentation_spec("colours", 8)
    assert spec[0]["mapping"][0] == 0
    assert inverse_spec(spec)[0]["mapping"][spec[0]["mapping"][3]] == 3


def test_a_wrong_inverse_would_be_seen():
    grid = [[1, 2], [3, 4]]
    spec = augmentation_spec("rot90", 0)
    assert map_grid(map_grid(grid, spec), spec) != grid  # rot90 is not its own inverse


@pytest.mark.parametrize(("text", "names"), [
    ("identity,rot90, transpose,colours", ["identity", "rot90", "transpose", "colours"]),
    ("rot90+colours", ["rot90+colours"]), ("", []), (None, []),
])
def test_augment_lists(text, names):
    assert parse_augment(text) == names


def test_unknown_augmentations_name_the_option():
    with pytest.raises(TransformError, match="--augment: 'spin' is not one of"):
        parse_augment("rot90,spin")
