"""Answer keys: followed exactly through specs, matched by content when the lineage is unknown."""

from __future__ import annotations

from arcforge.grids import dihedral, permute_colours
from arcforge.lineage import follow_spec, hidden_keys, is_hidden, match_keys, original_keys
from arcforge.tasks import parse_task
from arcforge.transforms import apply

# test 0 is train 0 with colour 1 renamed 3: equal up to a colour permutation, yet its
# output is shown nowhere
TASK = {
    "train": [
        {"input": [[1, 0], [0, 0]], "output": [[0, 1], [0, 0]]},
        {"input": [[0, 0], [2, 0]], "output": [[0, 0], [0, 2]]},
    ],
    "test": [
        {"input": [[3, 0], [0, 0]], "output": [[0, 3], [0, 0]]},
        {"input": [[4, 4], [0, 0]], "output": [[4, 4], [4, 4]]},
        {"input": [[5]]},
    ],
}
SWAP = {"op": "swap_train_test", "train": 1, "test": 0}


def test_the_original_names_its_own_pairs() -> None:
    assert original_keys(TASK) == (("train:0", "train:1"), ("test:0", "test:1", None))
    assert [is_hidden(k) for k in ("train:0", "test:0", "v3:1", None)] == [
        False, True, True, False]


def test_specs_move_keys_with_their_pairs() -> None:
    keys = original_keys(TASK)
    assert follow_spec(keys, [{"op": "rot90"}, {"op": "reorder", "test": [1, 2, 0]}]) == (
        ("train:0", "train:1"), ("test:1", None, "test:0"))
    swapped = follow_spec(keys, [{"op": "reorder", "test": [1, 0, 2]}, SWAP])
    assert swapped == (("train:0", "test:1"), ("train:1", "test:0", None))
    assert hidden_keys(swapped[0]) == {"test:1"}  # the swap shows test 1's output
    again = follow_spec(swapped, [{"op": "swap_train_test", "train": 1, "test": 0}])
    assert hidden_keys(again[0]) == set()  # swapped back: nothing shown


def test_matching_by_content_finds_pairs_under_any_transformation() -> None:
    task = parse_task(TASK, task_id="x")
    mapping = [0, 6, 2, 7, 8, 5, 1, 3, 4, 9]
    varied = apply(task, [{"op": "flip_v"}, {"op": "permute_colours", "mapping": mapping},
                          {"op": "reorder", "test": [1, 0, 2]}, SWAP]).content()
    # test 1 is found through the flip and the new colours; train 0, train 1 and test 0 are
    # one pair up to rotation and colours, so each of them is taken for test 0: hidden
    assert match_keys(TASK, varied, own="v4") == (
        ("test:0", "test:1"), ("test:0", "test:0", None))
    # the same pairs unchanged match exactly, so a copy keeps its train pairs public
    assert match_keys(TASK, TASK, own="v4") == original_keys(TASK)
    # a pair matching nothing is an answer of its own; a train pair matching only up to a
    # colour permutation a test pair is taken for that test pair (the safe side)
    other = {"train": [{"input": dihedral([[1, 0], [0, 0]], "rot90"),
                        "output": dihedral([[0, 1], [0, 0]], "rot90")}],
             "test": [{"input": [[9]], "output": [[9, 9]]},
                      {"input": permute_colours([[4, 4], [0, 0]], mapping),
                       "output": permute_colours([[4, 4], [4, 4]], mapping)}]}
    assert match_keys(TASK, other, own="v7") == (("test:0",), ("v7:0", "test:1"))
