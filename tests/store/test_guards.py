"""What the studio's guards keep in the store: rate-limit counters, sessions, attempt budgets
and answer unlocks; each check-and-count is one step, so concurrent requests cannot pass it."""

from __future__ import annotations

import threading
import time

import pytest

from arcforge.store import ConflictError, Store
from arcforge.store.attempts import AttemptRules, PracticeUsedUp, StudyEnded
from arcforge.store.limits import Bucket, LimitReached

from .conftest import make_task

THREADS = 24


def race(n: int, action) -> list[object]:  # type: ignore[no-untyped-def]
    """Run ``action(i)`` in ``n`` threads at once; the results or exceptions, in order."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except Exception as exc:  # collected and checked by the caller
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def check_limits_hold_under_a_race(store: Store) -> None:
    bucket = Bucket("login:alice|198.51.100.1", 5, 300.0)
    results = race(THREADS, lambda _i: store.take(bucket))
    refused = [r for r in results if isinstance(r, LimitReached)]
    assert len(refused) == THREADS - 5 and all(r is None or r in refused for r in results)
    assert 290 < refused[0].retry_after <= 300
    store.give_back(bucket.key)
    store.take(bucket)  # one slot came back
    with pytest.raises(LimitReached):
        store.take(bucket)
    other = Bucket("login-client:198.51.100.1", 1, 300.0)
    with pytest.raises(LimitReached):  # all or none: the full bucket refuses, other counts none
        store.take(other, bucket)
    store.take(other)
    ended = Bucket("practice:1", 1, 0.05)
    store.take(ended)
    time.sleep(0.06)
    store.take(ended)  # a new window


def check_attempt_budgets_hold_under_a_race(store: Store) -> None:
    store.import_tasks([make_task("bb22", tests=1)])
    ann = store.create_user("ann").id
    rules = AttemptRules(study_per_output=2, practice_per_output=5, practice_per_hour=100)

    def practise(_i: int) -> object:
        return store.submit_attempt(ann, "bb22", 0, 0, [[0]], False, [], 1, mode="practice",
                                    rules=rules)

    results = race(THREADS, practise)
    assert sum(isinstance(r, PracticeUsedUp) for r in results) == THREADS - 5
    study = race(THREADS, lambda _i: store.submit_attempt(
        ann, "bb22", 0, 0, [[0]], False, [], 1, mode="study", rules=rules))
    assert sum(isinstance(r, StudyEnded) for r in study) == THREADS - 2
    assert store.unlocked_answers(ann, ["bb22"]) == {"bb22": frozenset({"test:0"})}
    saved = store.list_attempts(ann, "bb22", mode="study")
    assert [a.after_practice for a in saved] == [True, True]


def test_limits_hold_under_a_race(store: Store) -> None:
    check_limits_hold_under_a_race(store)


def test_attempt_budgets_hold_under_a_race(store: Store) -> None:
    check_attempt_budgets_hold_under_a_race(store)


def test_attempts_are_counted_per_hidden_output_across_versions(store: Store) -> None:
    store.import_tasks([make_task("cc33", seed=4, tests=2)])
    ann = store.create_user("ann").id
    flipped = store.sign_variation("cc33", 0, [{"op": "flip_h"},
                                               {"op": "reorder", "test": [1, 0]}], ann)
    assert flipped.version.test_keys == ("test:1", "test:0")
    rules = AttemptRules(study_per_output=2, practice_per_output=2, practice_per_hour=100)
    answer = make_task("cc33", seed=4).test[0].output
    wrong = [[0]]
    store.submit_attempt(ann, "cc33", 0, 0, wrong, False, [], 1, mode="study", rules=rules)
    last = store.submit_attempt(ann, "cc33", 1, 1, wrong, False, [], 1, mode="study",
                                rules=rules)  # the same output as version 0's test 0
    assert last.standing.study_left == 0 and last.attempt.answer_key == "test:0"
    assert store.unlocked_answers(ann, ["cc33"]) == {"cc33": frozenset({"test:0"})}
    with pytest.raises(StudyEnded, match="you used them up"):
        store.submit_attempt(ann, "cc33", 0, 0, answer, True, [], 1, mode="study", rules=rules)
    standing = store.attempt_standing(ann, "cc33", 1, rules)
    assert [(s.study_left, s.practice_left) for s in standing] == [(2, 2), (0, 2)]
    store.reveal_answers(ann, "cc33")
    assert [s.study_left for s in store.attempt_standing(ann, "cc33", 0, rules)] == [0, 0]


def test_each_person_creates_a_bounded_number_of_versions(store: Store) -> None:
    store.import_tasks([make_task("dd44", seed=5)])
    ann, ben = store.create_user("ann").id, store.create_user("ben").id
    for op in ("rot90", "rot180"):
        store.sign_variation("dd44", 0, {"op": op}, ann, max_created=2)
    store.remove_variation("dd44", 2, ann)  # removed versions count too
    with pytest.raises(ConflictError, match="the most one person may"):
        store.sign_variation("dd44", 0, {"op": "rot270"}, ann, max_created=2)
    assert store.sign_variation("dd44", 0, {"op": "rot90"}, ann, max_created=2).outcome == (
        "already_signed")  # signing what exists is not creating
    assert store.sign_variation("dd44", 0, {"op": "rot270"}, ben, max_created=2).outcome == (
        "created")


def test_sessions_end_on_logout_password_change_and_expiry(store: Store) -> None:
    ann = store.create_user("ann", password_hash="$argon2id$x").id
    token = store.start_session(ann, 3600)
    assert store.session_user(token).username == "ann"
    assert store.session_user(token + "x") is None and store.session_user(None) is None
    store.end_session(token)
    assert store.session_user(token) is None
    kept = store.start_session(ann, 3600)
    store.set_password_hash(ann, "$argon2id$y")
    assert store.session_user(kept) is None
    short = store.start_session(ann, 0.05)
    time.sleep(0.06)
    assert store.session_user(short) is None
