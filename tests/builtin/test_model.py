"""The builtin/dsl model end to end: answers, code run in a child process, failures, budget."""

from __future__ import annotations

import pytest

from arcforge.errors import UsageError
from arcforge.models.base import Model, RequestContext
from arcforge.models.builtin import BuiltinDSLModel, search_task
from arcforge.models.builtin import model as model_module
from arcforge.tasks import Pair, Task

from .conftest import run_programs

# a pure rotation, a colour map, a crop, a tiling and a self-similar (fractal) task
KNOWN = {"3c9b0459": "rot180", "0d3d703e": "colour_map", "1cf80156": "crop_bbox",
         "a416b8f3": "tile_1x2", "007bbfb7": "fractal"}

# the same input must give two different outputs: no program can fit
CONTRADICTORY = Task(
    id="contradiction",
    train=(Pair([[1, 0], [0, 1]], [[2, 0], [0, 2]]), Pair([[1, 0], [0, 1]], [[3, 0], [0, 3]])),
    test=(Pair([[1, 1], [0, 0]]),),
)


def context(task: Task, kind: str = "code", sample: int = 0) -> RequestContext:
    return RequestContext(task=task.without_test_outputs(), sample=sample, kind=kind,
                          prompt_hash="x")


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    model_module._RESULTS.clear()


async def test_known_tasks_code_reproduces_train_and_test_outputs(training: dict) -> None:
    model = BuiltinDSLModel(time_budget_s=20.0, workers=1)
    assert isinstance(model, Model)
    try:
        jobs, tasks = [], []
        for tid, op in KNOWN.items():
            task = training[tid]
            response = await model.generate([], context(task))
            assert response.code is not None, response.text
            assert response.extra["program"] == [op]
            assert f"```python\n{response.code}```" in response.text
            assert response.provider == "builtin" and response.cost == 0.0
            assert response.tries == 1 and response.latency_s > 0
            jobs.append((response.code, [p.input for p in (*task.train, *task.test)]))
            tasks.append(task)
    finally:
        await model.aclose()
    for task, outputs in zip(tasks, run_programs(jobs), strict=True):
        assert outputs == [p.output for p in (*task.train, *task.test)], task.id


async def test_reasoning_explains_the_rule_without_code(training: dict) -> None:
    model = BuiltinDSLModel(workers=1)
    try:
        response = await model.generate([], context(training["a416b8f3"], kind="reasoning"))
    finally:
        await model.aclose()
    assert response.code is None
    text = response.text
    assert "**tile_1x2**" in text and "repeat the grid 1 x 2 times" in text
    assert "| train 1 | 3x3 → 3x6 |" in text
    assert "Test 1: 5x4 → 5x8" in text
    assert "```python" not in text


async def test_unsolvable_task_says_so_and_gives_no_code() -> None:
    model = BuiltinDSLModel(workers=1)
    try:
        response = await model.generate([], context(CONTRADICTORY))
    finally:
        await model.aclose()
    assert response.code is None
    assert "No rule found" in response.text
    assert "No program of up to 3 step(s)" in response.text
    assert "budget exhausted" not in response.text.lower()
    assert response.extra["programs_found"] == 0


def test_tiny_budget_stops_and_says_budget_exhausted(training: dict) -> None:
    task = training["28bf18c6"]  # needs two steps: crop, then tile
    result = search_task([(p.input, p.output) for p in task.train],
                         [p.input for p in task.test], time_budget_s=1e-9, max_depth=3)
    assert result.exhausted and not result.programs
    assert result.depth_done == 0
    model = BuiltinDSLModel(time_budget_s=1e-9)
    text, code, extra = model.compose(task, result, 0, "code")
    assert code is None and extra["budget_exhausted"]
    assert "budget exhausted" in text.lower()


def test_search_is_deterministic(training: dict) -> None:
    task = training["1e0a9b12"]
    pairs = [(p.input, p.output) for p in task.train]
    tests = [p.input for p in task.test]
    model = BuiltinDSLModel()
    answers = []
    for _ in range(2):
        result = search_task(pairs, tests, 30.0, 3)
        answers.append(model.compose(task, result, 0, "code")[:2])
    assert answers[0] == answers[1]
    assert answers[0][1] is not None


def test_later_samples_give_the_next_distinct_program_or_say_they_repeat(training: dict) -> None:
    model = BuiltinDSLModel()
    task = training["1f85a75f"]  # crop to the largest object, or to the unique-colour one
    result = search_task([(p.input, p.output) for p in task.train],
                         [p.input for p in task.test], 30.0, 3)
    programs = result.distinct()
    assert len(programs) >= 2
    first, _, _ = model.compose(task, result, 0, "code")
    second, code2, extra2 = model.compose(task, result, 1, "code")
    assert "number 1 in order of simplicity" in first
    assert extra2["program"] == [s.op for s in programs[1].steps] != [s.op for s in
                                                                      programs[0].steps]
    assert "number 2 in order of simplicity" in second and code2 is not None
    beyond, _, extra = model.compose(task, result, len(programs), "code")
    assert "repeats the best one" in beyond
    assert extra["program"] == [s.op for s in programs[0].steps]


async def test_concurrent_requests_for_one_task_search_once(training: dict) -> None:
    import asyncio

    model = BuiltinDSLModel(workers=1)
    task = training["3c9b0459"]
    try:
        answers = await asyncio.gather(*(model.generate([], context(task, sample=s))
                                         for s in range(3)))
        assert len(model_module._RESULTS) == 1
        assert model._pool is not None
    finally:
        await model.aclose()
    assert model._pool is None
    assert all(a.code == answers[0].code for a in answers)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(UsageError, match="builtin/dsl"):
        BuiltinDSLModel("builtin/other")
    with pytest.raises(UsageError, match="max_depth"):
        BuiltinDSLModel(max_depth=0)
    with pytest.raises(UsageError, match="time_budget_s"):
        BuiltinDSLModel(time_budget_s=0)


async def test_aclose_stops_a_search_in_progress(training: dict) -> None:
    import asyncio

    from arcforge.models.base import ModelError

    # an unsolved task, searched to depth 4 with a budget far beyond the test's patience:
    # only aclose ends it
    model = BuiltinDSLModel(time_budget_s=3600.0, max_depth=4, workers=1)
    request = asyncio.ensure_future(model.generate([], context(training["045e512c"])))
    while model._pool is None or not getattr(model._pool, "_processes", None):
        await asyncio.sleep(0.05)
    processes = list(model._pool._processes.values())
    await asyncio.sleep(0.5)
    await model.aclose()
    # the executor's own thread may reap a worker first; give its status a moment to land
    for _ in range(100):
        if not any(p.is_alive() for p in processes):
            break
        await asyncio.sleep(0.05)
    assert not any(p.is_alive() for p in processes)
    with pytest.raises(ModelError) as caught:
        await request
    assert caught.value.kind == "cancelled"
