"""Grids read out of direct answers: at least what the official harness's parser reads on
its own test cases (arc-agi-benchmarking tests/test_parsing.py), and more."""

from __future__ import annotations

import pytest

from arcforge.agents.answers import INVALID_GRID, NO_GRID, extract_grid

SIX = [[3, 2, 3, 2, 3, 2], [7, 8, 7, 8, 7, 8], [2, 3, 2, 3, 2, 3], [8, 7, 8, 7, 8, 7],
       [3, 2, 3, 2, 3, 2], [7, 8, 7, 8, 7, 8]]

# the harness's cases where it reads a grid: the same grid here
READ = [
    ("Some preceding text [[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
    ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
    ("First block [1, 2] then some text [[3, 4], [5, 6]]", [[3, 4], [5, 6]]),
    ("Data [annoying] [[1], [2]]", [[1], [2]]),
    (r" ### Summary:\nWe analyzed ... `[[3, 2], [7, 8]]`...\n```\n" + str(SIX) + "\n```\n\n"
     r"\boxed{[ [3, 2, 3, 2, 3, 2], [7, 8, 7, 8, 7, 8], [2, 3, 2, 3, 2, 3], [8, 7, 8, 7, 8, 7],"
     r" [3, 2, 3, 2, 3, 2], [7, 8, 7, 8, 7, 8] ]}", SIX),
]
# the harness's cases where it reads nothing: nothing here either
NOTHING = ["This string has no json content.", "Some logs [[1, 2], [3, 4",
           "Some logs [1, 2], [3, 4]]", "Log with invalid json [1, 2],[3, 4]]", "", "[]",
           "Text [[1, 2], [3, 4]", "Text [[1, 2], [3, 4", "Text 1, 2], [3, 4]]"]
# the harness's cases where it returns a list of lists that is no grid: refused, with why
NOT_GRIDS = ["Log data... [[1, [2, 2]], [3, [4, 4]]]", "[[]]"]


@pytest.mark.parametrize(("text", "grid"), READ)
def test_what_the_harness_reads(text: str, grid: list[list[int]]) -> None:
    assert extract_grid(text).grid == grid


@pytest.mark.parametrize("text", NOTHING)
def test_what_the_harness_does_not_read(text: str) -> None:
    found = extract_grid(text)
    assert found.grid is None and found.error == NO_GRID and found.message


@pytest.mark.parametrize("text", NOT_GRIDS)
def test_lists_that_are_no_grid_are_refused_with_the_reason(text: str) -> None:
    found = extract_grid(text)
    assert found.grid is None and found.error == INVALID_GRID and "valid grid" in found.message


@pytest.mark.parametrize(("text", "grid", "method"), [
    # boxed beats an earlier JSON grid; LaTeX matrices and digits inside boxed
    ("first [[1, 1]] then \\boxed{[[2, 2]]}", [[2, 2]], "boxed"),
    ("\\boxed{\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}}", [[1, 2], [3, 4]], "boxed"),
    ("\\boxed{\n0 1\n1 0\n}", [[0, 1], [1, 0]], "boxed"),
    # a JSON grid inside an object, on several lines
    ('{"output": [\n  [0, 1],\n  [2, 3]\n]}', [[0, 1], [2, 3]], "json"),
    # fenced rows of digits, in several styles
    ("The answer:\n```\n0 1 2\n3 4 5\n```", [[0, 1, 2], [3, 4, 5]], "fenced"),
    ("```text\n012\n345\n```", [[0, 1, 2], [3, 4, 5]], "fenced"),
    # bare rows of digits, the last run of them
    ("Rows:\n1 2\n3 4\nso the output is\n5 6\n7 8\n", [[5, 6], [7, 8]], "digits"),
    ("|1|2|\n|3|4|", [[1, 2], [3, 4]], "digits"),
])
def test_more_than_the_harness(text: str, grid: list[list[int]], method: str) -> None:
    found = extract_grid(text)
    assert (found.grid, found.method) == (grid, method)


@pytest.mark.parametrize(("text", "reason"), [
    ("[[1, 2], [3]]", "row 1 has 1 cells"),
    ("[[1, 12], [3, 4]]", "12"),
    ("\\boxed{[[1.5, 2]]}", "float"),
    ("[" + ",".join(["[1]"] * 31) + "]", "31 rows"),
])
def test_invalid_grids_say_why(text: str, reason: str) -> None:
    found = extract_grid(text)
    assert found.error == INVALID_GRID and reason in (found.message or "")


def test_a_long_answer_is_read_in_linear_time() -> None:
    text = "noise [1] " * 20_000 + "[[1, 2], [3, 4]]" + " tail ]" * 5_000
    assert extract_grid(text).grid == [[1, 2], [3, 4]]
