"""Breadth-first search for DSL programs that reproduce every train pair exactly.

Programs grow one operation at a time. Intermediate results are memoised by grid
bytes, programs whose results repeat an earlier state are pruned, a program is
dropped as soon as its first train pair fails, and the last operation must be able to
produce the expected output size. Inferred operations (colour maps, fills, ...) end
programs because their arguments come from the expected outputs.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arcforge.models.builtin.dsl import FIXED, INFERRED, FixedOp, Step

Grid = list[list[int]]
MAX_SIDE = 30
MEMO_LIMIT = 50_000  # memoised op results kept at most (then the memo starts afresh)


class BudgetExhausted(Exception):
    """The time budget (or the candidate budget) ran out mid-search."""


@dataclass(slots=True)
class Program:
    """A program that reproduces every train pair, with its predictions for the tests."""

    steps: tuple[Step, ...]
    test_outputs: list[Grid]
    # shapes (rows, cols) of each pair's grid before the first and after every step
    train_shapes: list[list[tuple[int, int]]]
    test_shapes: list[list[tuple[int, int]]]


@dataclass(slots=True)
class SearchResult:
    """Programs found (simplest first), how far the search went and why it stopped."""

    programs: list[Program] = field(default_factory=list)
    exhausted: bool = False  # a budget ran out before the search finished
    depth_done: int = 0  # every program up to this length was tried
    max_depth: int = 0
    candidates: int = 0  # programs run on the first train pair
    states: int = 0  # distinct intermediate results kept for extension
    rejected_on_test: int = 0  # programs fitting the train pairs but failing a test input
    elapsed_s: float = 0.0  # CPU seconds
    budget_s: float = 0.0
    budget_candidates: int | None = None  # at most this many candidates (None: no limit)

    def distinct(self) -> list[Program]:
        """One program per distinct set of test predictions, best first."""
        seen: list[list[Grid]] = []
        out = []
        for program in self.programs:
            if program.test_outputs not in seen:
                seen.append(program.test_outputs)
                out.append(program)
        return out


def _valid(result: Any) -> np.ndarray | None:
    if not isinstance(result, np.ndarray) or result.ndim != 2:
        return None
    h, w = result.shape
    if not (1 <= h <= MAX_SIDE and 1 <= w <= MAX_SIDE):
        return None
    if result.size and (result.min() < 0 or result.max() > 9):
        return None
    return np.ascontiguousarray(result, dtype=np.int64)


def grid_key(grid: np.ndarray) -> bytes:
    """A 16-byte digest of a grid's size and cells (memo and state keys stay small)."""
    return hashlib.blake2b(bytes(grid.shape) + grid.tobytes(), digest_size=16).digest()


def _key(grids: tuple[np.ndarray, ...]) -> bytes:
    return b"".join(grid_key(g) for g in grids)


def shape_fits(rule: str, grid: tuple[int, int], target: tuple[int, int]) -> bool:
    """Whether an op with this shape rule can turn a grid of this size into the target's."""
    if rule == "same":
        return grid == target
    if rule == "swap":
        return grid[::-1] == target
    if rule == "shrink":
        return target != grid and target[0] <= grid[0] and target[1] <= grid[1]
    if rule == "grow":
        return target != grid and target[0] >= grid[0] and target[1] >= grid[1]
    return True


RULES = ("same", "swap", "shrink", "grow", "any")


class Searcher:
    """One search over one task; ``run`` returns the :class:`SearchResult`."""

    def __init__(
        self,
        train: list[tuple[Grid, Grid]],
        tests: list[Grid],
        *,
        time_budget_s: float,
        max_depth: int,
        max_programs: int = 8,
        prefix_extra: int = 0,
        max_candidates: int | None = None,
    ) -> None:
        self.inputs = tuple(np.array(i, dtype=np.int64) for i, _ in train)
        self.outputs = [np.array(o, dtype=np.int64) for _, o in train]
        self.tests = [np.array(t, dtype=np.int64) for t in tests]
        self.budget = time_budget_s
        self.max_depth = max_depth
        self.max_programs = max_programs
        self.prefix_extra = prefix_extra  # inferred ops may end programs this much longer
        self.cache: dict[tuple[str, bytes], np.ndarray | None] = {}
        self.max_candidates = max_candidates
        self.result = SearchResult(max_depth=max_depth, budget_s=time_budget_s,
                                   budget_candidates=max_candidates)
        self.deadline = 0.0

    def run(self) -> SearchResult:
        """Search until done or until the budget (CPU seconds of this process) is spent."""
        start = time.process_time()
        self.deadline = start + self.budget
        try:
            self._search()
        except BudgetExhausted:
            self.result.exhausted = True
        self.result.elapsed_s = time.process_time() - start
        return self.result

    # --- the search ---------------------------------------------------------------

    def _search(self) -> None:
        level: list[tuple[tuple[Step, ...], tuple[np.ndarray, ...]]] = [((), self.inputs)]
        seen = {_key(self.inputs)}
        for length in range(1, self.max_depth + 1):
            last = length == self.max_depth
            next_level = []
            for steps, grids in level:
                keys = [grid_key(g) for g in grids]
                rules = {
                    rule: not last or all(shape_fits(rule, g.shape, o.shape)
                                          for g, o in zip(grids, self.outputs, strict=True))
                    for rule in RULES
                }
                for op in FIXED:
                    if not rules[op.shape]:
                        continue
                    results = self._extend(op, grids, keys, last)
                    if results is None:
                        continue
                    step = op.step()
                    if all(np.array_equal(r, o) for r, o in zip(results, self.outputs,
                                                               strict=True)):
                        self._accept((*steps, step))
                    elif not last:
                        key = _key(results)
                        if key not in seen:
                            seen.add(key)
                            next_level.append(((*steps, step), results))
                self._try_inferred(steps, grids)
            self.result.depth_done = length
            self.result.states += len(next_level)
            if self.result.programs:
                return
            level = next_level

    def _extend(
        self, op: FixedOp, grids: tuple[np.ndarray, ...], keys: list[bytes], last: bool
    ) -> tuple[np.ndarray, ...] | None:
        """The op's results on every train grid, or None as soon as one fails (or, for
        the last operation, as soon as one differs from its expected output)."""
        self._tick()
        out = []
        for g, key, target in zip(grids, keys, self.outputs, strict=True):
            r = self._apply(op, g, key)
            if r is None or (last and not (r.shape == target.shape and (r == target).all())):
                return None
            out.append(r)
        return tuple(out)

    def _apply(self, op: FixedOp, grid: np.ndarray, grid_key: bytes) -> np.ndarray | None:
        key = (op.name, grid_key)
        if key in self.cache:
            return self.cache[key]
        try:
            result = _valid(op.step().apply(grid))
        except ValueError:
            result = None
        if len(self.cache) >= MEMO_LIMIT:
            self.cache.clear()
        self.cache[key] = result
        return result

    def _try_inferred(self, steps: tuple[Step, ...], grids: tuple[np.ndarray, ...]) -> None:
        xs = list(grids)
        for op in INFERRED:
            if len(steps) > op.max_prefix + self.prefix_extra:
                continue
            self._tick()
            for kwargs in op.infer(xs, self.outputs):
                step = op.step(kwargs)
                if all(self._fits(step, x, y) for x, y in zip(xs, self.outputs, strict=True)):
                    self._accept((*steps, step))

    def _fits(self, step: Step, grid: np.ndarray, target: np.ndarray) -> bool:
        try:
            result = _valid(step.apply(grid))
        except ValueError:
            return False
        return result is not None and np.array_equal(result, target)

    def _tick(self) -> None:
        self.result.candidates += 1
        if self.max_candidates is not None and self.result.candidates > self.max_candidates:
            raise BudgetExhausted  # a budget that is the same on every machine
        # reading the CPU clock costs a system call: look every 32 candidates
        if self.result.candidates % 32 == 0 and time.process_time() > self.deadline:
            raise BudgetExhausted

    # --- accepted programs ------------------------------------------------------------

    def _accept(self, steps: tuple[Step, ...]) -> None:
        if len(self.result.programs) >= self.max_programs:
            return
        test_outputs, test_shapes = [], []
        for grid in self.tests:
            shapes, result = self._trace(steps, grid)
            if result is None:
                self.result.rejected_on_test += 1
                return
            test_outputs.append(result.tolist())
            test_shapes.append(shapes)
        train_shapes = [self._trace(steps, g)[0] for g in self.inputs]
        self.result.programs.append(Program(steps, test_outputs, train_shapes, test_shapes))

    def _trace(
        self, steps: tuple[Step, ...], grid: np.ndarray
    ) -> tuple[list[tuple[int, int]], np.ndarray | None]:
        shapes = [grid.shape]
        for step in steps:
            try:
                grid = _valid(step.apply(grid))
            except ValueError:
                return shapes, None
            if grid is None:
                return shapes, None
            shapes.append(grid.shape)
        return [tuple(map(int, s)) for s in shapes], grid


def search_task(
    train: list[tuple[Grid, Grid]],
    tests: list[Grid],
    time_budget_s: float = 10.0,
    max_depth: int = 3,
    prefix_extra: int = 0,
    max_candidates: int | None = None,
) -> SearchResult:
    """Search programs for one task (plain lists in and out: safe to run in a worker)."""
    return Searcher(train, tests, time_budget_s=time_budget_s, max_depth=max_depth,
                    prefix_extra=prefix_extra, max_candidates=max_candidates).run()
