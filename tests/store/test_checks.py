"""Descriptions and checks by use in the store: who may describe, who may check, what a check
does to the checker's attempts and answers, and what it records on the description."""

from __future__ import annotations

import pytest

from arcforge.store import ConflictError, ForbiddenError, NotFoundError, Store, StoreError
from arcforge.store.attempts import AttemptRules, CheckOpen, StudyEnded

from .conftest import make_task

RULES = AttemptRules(study_per_output=2, practice_per_output=5, practice_per_hour=100)


def solve(store: Store, user: int, task: str = "aa11", right: bool = True) -> int:
    answer = store.get_task(task).test[0].output
    grid = answer if right else [[9]]
    return store.submit_attempt(user, task, 0, 0, grid, right, [], 10, mode="study",
                                rules=RULES).attempt.id


def test_only_a_study_solve_or_used_up_attempts_can_be_described(store: Store) -> None:
    store.import_tasks([make_task("aa11")])
    ann, ben = store.create_user("ann"), store.create_user("ben")
    answer = store.get_task("aa11").test[0].output
    practice = store.submit_attempt(ann.id, "aa11", 0, 0, answer, True, [], 5,
                                    mode="practice", rules=RULES).attempt.id
    wrong = solve(store, ann.id, right=False)
    for attempt in (practice, wrong):  # practice; a study attempt with one left
        with pytest.raises(ConflictError, match="a description follows a study attempt"):
            store.add_description(ann.id, attempt, {"how_to_build": "x"})
    with pytest.raises(NotFoundError):  # someone else's attempt
        store.add_description(ben.id, wrong, {"how_to_build": "x"})
    last = solve(store, ann.id, right=False)  # study attempts used up: both may be described
    first = store.add_description(ann.id, wrong, {"how_to_build": "copy it"})
    assert first.description is not None and first.description.attempt_id == wrong
    store.add_description(ann.id, last, {"what_you_see": "a dot", "how_to_build": "grow it"})
    with pytest.raises(ConflictError, match="has a description already"):
        store.add_description(ann.id, wrong, {"how_to_build": "again"})
    for bad, message in (({}, "how_to_build"), ({"how_to_build": "  "}, "how_to_build"),
                         ({"how_to_build": "x", "name": "y"}, "fields.name"),
                         ({"how_to_build": 3}, "expected text"), ("text", "an object"),
                         ({"how_to_build": "x" * 5001}, "at most 5000")):
        with pytest.raises(StoreError, match=message):
            store.add_description(ann.id, last, bad)  # checked before the attempt
    assert [t.text for t in store.list_traces("aa11")][:1] == ["**How to build it:** copy it"]


def test_a_check_needs_someone_new_and_counts_its_outcome(store: Store) -> None:
    store.import_tasks([make_task("aa11"), make_task("bb22", seed=2)])
    ann, ben, cy, dot = (store.create_user(n) for n in ("ann", "ben", "cy", "dot"))
    described = store.add_description(ann.id, solve(store, ann.id), {"how_to_build": "flip"})
    assert store.next_checkable(ann.id) is None  # one's own
    with pytest.raises(ForbiddenError):
        store.start_check(described.id, ann.id)
    store.submit_attempt(cy.id, "aa11", 0, 0, [[1]], False, [], 5, mode="practice",
                         rules=RULES)
    assert store.next_checkable(cy.id) is None  # practised the task: not new to it
    with pytest.raises(ConflictError, match="new to the task"):
        store.start_check(described.id, cy.id)
    found = store.next_checkable(ben.id)
    assert found is not None and (found.trace_id, found.test_index) == (described.id, 0)
    check = store.start_check(described.id, ben.id)
    assert store.start_check(described.id, ben.id).id == check.id  # resumed, not twice
    # while the check is open the task takes no other attempt; study on it has ended
    answer = store.get_task("aa11").test[0].output
    for mode in ("practice", "study"):
        with pytest.raises(CheckOpen):
            store.submit_attempt(ben.id, "aa11", 0, 0, answer, True, [], 5, mode=mode,
                                 rules=RULES)
    assert store.unlocked_answers(ben.id, ["aa11"]) == {}
    first, recorded = store.submit_check(check.id, ben.id, [[9]], False, [], 7, attempts=2)
    assert (first.outcome, recorded.standing.study_left) == (None, 1)
    ended, recorded = store.submit_check(check.id, ben.id, [[8]], False, [], 9, attempts=2)
    assert (ended.outcome, recorded.standing.study_left) == ("failure", 0)
    assert store.unlocked_answers(ben.id, ["aa11"]) == {"aa11": frozenset({"test:0"})}
    with pytest.raises(ConflictError, match="is over"):
        store.submit_check(check.id, ben.id, answer, True, [], 9, attempts=2)
    with pytest.raises(StudyEnded, match="checked a description"):
        store.submit_attempt(ben.id, "aa11", 0, 0, answer, True, [], 5, mode="study",
                             rules=RULES)
    assert [s.study_left for s in store.attempt_standing(ben.id, "aa11", 0, RULES)] == [0]
    builds = store.list_attempts(ben.id, "aa11", mode="check")
    assert [(a.check_id, a.correct, a.actions[-1]["tool"]) for a in builds] == [
        (check.id, False, "submit"), (check.id, False, "submit")]
    assert store.list_tasks(solved_by=ben.id).total == 0
    # a second person succeeds; the description counts both uses
    other = store.start_check(described.id, dot.id)
    done, _ = store.submit_check(other.id, dot.id, answer, True, [], 3, attempts=2)
    assert done.outcome == "success"
    [trace] = store.list_traces("aa11")
    assert (trace.uses_ok, trace.uses_failed) == (1, 1)
    with pytest.raises(NotFoundError):  # a check is its owner's only
        store.get_check(other.id, ben.id)
    with pytest.raises(NotFoundError):
        store.submit_check(other.id, ben.id, answer, True, [], 3, attempts=2)
    with pytest.raises(NotFoundError):
        store.start_check(10_000, ben.id)


def test_descriptions_of_a_swap_are_not_offered_for_checks(store: Store) -> None:
    task = make_task("aa11", tests=2)
    store.import_tasks([task])
    ann, ben, root = (store.create_user(n) for n in ("ann", "ben", "root"))
    swap = store.sign_variation("aa11", 0, {"op": "swap_train_test", "train": 0, "test": 0},
                                root.id).version
    answer = store.get_task("aa11", swap.version).test[1].output
    attempt = store.submit_attempt(ann.id, "aa11", swap.version, 1, answer, True, [], 5,
                                   mode="study", rules=RULES).attempt
    described = store.add_description(ann.id, attempt.id, {"how_to_build": "see the swap"})
    assert store.next_checkable(ben.id) is None
    with pytest.raises(ConflictError, match="shows a hidden answer"):
        store.start_check(described.id, ben.id)


def test_a_model_uses_a_trace_once(store: Store) -> None:
    store.import_tasks([make_task("aa11")])
    ann = store.create_user("ann")
    trace = store.add_trace("aa11", 0, ann.id, "rotate it")
    store.record_model_check(trace.id, "openai/gpt-x", "success", {"tests": []})
    with pytest.raises(ConflictError, match="checked trace"):
        store.record_model_check(trace.id, "openai/gpt-x", "failure")
    with pytest.raises(StoreError, match="a person"):
        store.record_model_check(trace.id, "ann", "failure")
    with pytest.raises(StoreError, match="outcome"):
        store.record_model_check(trace.id, "openai/gpt-y", "maybe")
    assert store.traces_checked_by("OpenAI/GPT-x") == {trace.id}
    [seen] = store.list_traces("aa11")
    assert (seen.uses_ok, seen.uses_failed) == (1, 0)
