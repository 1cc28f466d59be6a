"""builtin/dsl takes feedback honestly: a later round searches further than the one
before, from the task it is shown (never a test output)."""

from __future__ import annotations

from arcforge.config import load_settings
from arcforge.data import load_tasks
from arcforge.finish import finish_run
from arcforge.models.builtin.model import Effort
from arcforge.models.builtin.search import SearchResult, search_task
from arcforge.runfiles import load_records
from arcforge.runs import RunConfig, run


def test_each_round_goes_further_than_the_last() -> None:
    first = Effort(budget_s=2.0, candidates=1000, depth=3)
    ran_out = first.after(SearchResult(exhausted=True))
    assert ran_out == Effort(4.0, 2000, 3, 0)  # the same programs, twice the budget
    searched_all = first.after(SearchResult(exhausted=False))
    assert searched_all == Effort(4.0, 2000, 4, 1)  # one operation longer
    assert Effort(1.0, None, 4, 1).after(SearchResult()) == Effort(2.0, None, 4, 1)


def test_a_candidate_budget_is_the_same_on_every_machine() -> None:
    task = load_tasks("arc-agi-1/training", ["a79310a0"])[0]
    train = [(p.input, p.output) for p in task.train]
    tests = [p.input for p in task.test]
    short = search_task(train, tests, 60.0, 3, 0, 2000)
    assert short.exhausted and not short.programs and short.candidates == 2001
    longer = search_task(train, tests, 60.0, 3, 0, 4000)
    assert longer.programs and longer.distinct()[0].test_outputs == [p.output for p in task.test]


def test_codegen_rounds_with_builtin_solve_what_the_first_search_missed(tmp_path) -> None:
    tasks = load_tasks("arc-agi-1/training", ["a79310a0", "3c9b0459"])
    settings = load_settings(overrides={
        "model": "builtin/dsl", "out": str(tmp_path), "rounds": 2,
        "builtin_search_candidates": 2000}, env_file=None)
    result = run(RunConfig("code", settings, tasks=tasks, progress=False))
    scores = finish_run(result.run_dir)
    assert scores is not None and scores.arcprize_score == 1.0
    assert [(n["tasks_solved"], n["newly_solved"]) for n in scores.rounds] == [(1, 1), (2, 1)]
    rounds = {(r.task_id, r.round): r for r in load_records(result.run_dir)}
    assert set(rounds) == {("a79310a0", 1), ("a79310a0", 2), ("3c9b0459", 1)}
    missed = rounds[("a79310a0", 1)]
    assert missed.error is not None and missed.error.kind == "extraction"
    assert missed.feedback and "could not be run" in missed.feedback
    assert rounds[("a79310a0", 2)].response.startswith("Round 2:")
