"""Repository behaviour the studio relies on: users, traces and votes, attempts, task browser."""

from __future__ import annotations

import pytest

from arcforge.store import ConflictError, ForbiddenError, NotFoundError, Store, StoreError

from .conftest import make_task


@pytest.fixture
def seeded(store: Store) -> Store:
    store.import_tasks([make_task("aa11"), make_task("bb22", seed=2, tests=2)], source="set-a")
    store.import_tasks([make_task("cc33", seed=3)], source="set-b")
    return store


def test_users_are_case_insensitive_and_editable(store: Store) -> None:
    ann = store.create_user("Ann", password_hash="$argon2id$x")
    with pytest.raises(ConflictError, match="taken"):
        store.create_user("aNN")
    assert store.get_user_by_name("ANN") == ann
    assert store.get_user_by_name("nobody") is None
    assert store.set_role(ann.id, "admin").role == "admin"
    assert store.set_password_hash(ann.id, "$argon2id$y").password_hash == "$argon2id$y"
    bot = store.create_user("openai/gpt-4.1", kind="model")
    assert [u.username for u in store.list_users()] == ["Ann", "openai/gpt-4.1"]
    assert store.list_users(kind="model") == [bot]
    assert store.count_admins() == 1
    for bad in ("", "   ", "x" * 201, "a\nb"):
        with pytest.raises(StoreError, match="username"):
            store.create_user(bad)
    with pytest.raises(StoreError, match="role"):
        store.create_user("carl", role="root")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        store.get_user(999)


def test_traces_listed_by_score_then_time(seeded: Store) -> None:
    ann, ben, cat = (seeded.create_user(n).id for n in ("ann", "ben", "cat"))
    first = seeded.add_trace("aa11", 0, ann, "first idea")
    second = seeded.add_trace("aa11", 0, ben, "second idea")
    third = seeded.add_trace("aa11", 0, cat, "third idea")
    assert [t.id for t in seeded.list_traces("aa11")] == [first.id, second.id, third.id]
    seeded.vote(third.id, ann, 1)
    seeded.vote(first.id, ben, -1)
    listed = seeded.list_traces("aa11", viewer_id=ann)
    assert [(t.id, t.score) for t in listed] == [(third.id, 1), (second.id, 0), (first.id, -1)]
    assert [t.my_vote for t in listed] == [1, 0, 0]
    assert seeded.list_traces("aa11", viewer_id=ben)[2].my_vote == -1
    assert listed[0].author == "cat" and listed[0].author_kind == "human"
    assert seeded.list_traces("aa11", 1) == []


def test_vote_flip_retract_and_errors(seeded: Store) -> None:
    author, ann = seeded.create_user("author").id, seeded.create_user("ann").id
    t = seeded.add_trace("aa11", 0, author, "idea").id
    assert seeded.vote(t, ann, 1).score == 1
    assert seeded.vote(t, ann, -1).score == -1  # flip
    assert seeded.vote(t, ann, -1).my_vote == 0  # same again: retract
    assert seeded.set_vote(t, ann, 1).score == 1
    assert seeded.set_vote(t, ann, 1).score == 1  # idempotent
    assert seeded.retract_vote(t, ann).score == 0
    for bad in (2, True, -5):
        with pytest.raises(StoreError, match="value must be"):
            seeded.vote(t, ann, bad)
    with pytest.raises(NotFoundError):
        seeded.vote(9999, ann, 1)
    with pytest.raises(NotFoundError):
        seeded.vote(t, 9999, 1)
    for value in (1, -1):  # nobody votes on their own trace
        with pytest.raises(ForbiddenError, match="your own trace"):
            seeded.set_vote(t, author, value)
    assert seeded.set_vote(t, author, 0).score == 0


def test_soft_removal_hides_and_keeps(seeded: Store) -> None:
    ann, ben = seeded.create_user("ann").id, seeded.create_user("ben").id
    t = seeded.add_trace("aa11", 0, ann, "idea")
    seeded.vote(t.id, ben, 1)
    removed = seeded.remove_trace(t.id, ben)
    assert removed.removed and removed.author == "ann"
    assert seeded.list_traces("aa11") == []
    assert [x.id for x in seeded.list_traces("aa11", include_removed=True)] == [t.id]
    with pytest.raises(StoreError, match="removed"):
        seeded.vote(t.id, ann, 1)
    assert seeded.list_tasks(has_traces=True).total == 0
    restored = seeded.restore_trace(t.id)
    assert not restored.removed and restored.score == 1


def test_add_trace_checks(seeded: Store) -> None:
    ann = seeded.create_user("ann").id
    with pytest.raises(StoreError, match="empty"):
        seeded.add_trace("aa11", 0, ann, "  \n")
    with pytest.raises(NotFoundError, match="no task 'zz'"):
        seeded.add_trace("zz", 0, ann, "idea")
    with pytest.raises(NotFoundError, match="no version 3"):
        seeded.add_trace("aa11", 3, ann, "idea")
    t = seeded.add_trace("aa11", 0, ann, "# idea\n\n*markdown*")
    assert t.trace_id.startswith("aa11_ann_") and t.source == "human"
    assert seeded.find_trace(t.trace_id) == seeded.get_trace(t.id)


ACTIONS = [
    {"tool": "paint", "cells": [[0, 0], [0, 1]], "colour": 3, "t_ms": 120},
    {"tool": "resize", "cells": [], "colour": None, "t_ms": 900, "rows": 2, "cols": 2},
]


def test_attempts_and_solved_filters(seeded: Store) -> None:
    ann, ben = seeded.create_user("ann").id, seeded.create_user("ben").id
    a = seeded.record_attempt(ann, "bb22", 0, 0, [[1, 2], [4, 5]], True, ACTIONS, 1500)
    assert a.actions[1]["rows"] == 2 and a.actions[0]["cells"] == [[0, 0], [0, 1]]
    seeded.record_attempt(ann, "aa11", 0, 0, [[1]], False, ACTIONS[:1], 10)
    assert seeded.list_tasks(solved_by=ann).total == 0  # bb22 has two test inputs
    seeded.record_attempt(ann, "bb22", 0, 1, [[1, 2], [4, 5]], True, [], 10)
    seeded.record_attempt(ann, "aa11", 0, 0, [[1]], True, [], 10)
    assert [s.id for s in seeded.list_tasks(solved_by=ann).items] == ["aa11", "bb22"]
    assert seeded.list_tasks(solved_by=ben).total == 0
    assert [len(seeded.list_attempts(ann, "aa11", 0, 0))] == [2]
    assert seeded.list_attempts(ben, "aa11") == []
    page = seeded.list_tasks(viewer_id=ann)
    assert [(s.id, s.attempts, s.solved_by_viewer) for s in page.items] == [
        ("aa11", 2, True),
        ("bb22", 2, True),
        ("cc33", 0, False),
    ]


def test_attempts_keep_their_mode_and_filter_by_it(seeded: Store) -> None:
    ann = seeded.create_user("ann").id
    practice = seeded.record_attempt(ann, "bb22", 0, 0, [[1]], False, [], 5)
    assert practice.mode == "practice"  # the default
    study = seeded.record_attempt(ann, "bb22", 0, 0, [[1, 2], [4, 5]], True, [], 5, mode="study")
    seeded.record_attempt(ann, "bb22", 0, 1, [[1, 2], [4, 5]], True, [], 5, mode="practice")
    seeded.record_attempt(ann, "bb22", 0, 1, [[1]], False, [], 5, mode="study")
    assert study.mode == "study"
    by_mode = {
        mode: [(a.test_index, a.correct) for a in seeded.list_attempts(ann, "bb22", mode=mode)]
        for mode in ("practice", "study")
    }
    assert by_mode == {"practice": [(0, False), (1, True)], "study": [(0, True), (1, False)]}
    assert [a.id for a in seeded.list_attempts(ann, "bb22", 0, 0, mode="study")] == [study.id]
    assert len(seeded.list_attempts(ann, "bb22")) == 4  # no filter: both modes
    # solved: each test input has a correct attempt, one in study and one in practice mode
    assert [s.id for s in seeded.list_tasks(solved_by=ann).items] == ["bb22"]
    for bad in ("exam", None, "Study"):
        with pytest.raises(StoreError, match="mode: expected 'practice' or 'study'"):
            seeded.record_attempt(ann, "aa11", 0, 0, [[1]], True, [], 5, mode=bad)
    with pytest.raises(StoreError, match="mode: 'exam' is not an attempt mode"):
        seeded.list_attempts(ann, "bb22", mode="exam")
    assert seeded.list_attempts(ann, "aa11") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("aa11", 0, 0, [[1, 2], [3]], True, [], 5), "grid: row 1 has 1 cells"),
        (("aa11", 0, 1, [[1]], True, [], 5), "test_index: 1 is not a test input"),
        (("aa11", 0, 0, [[1]], True, [{"tool": "paint"}], 5), r"actions\[0\].t_ms"),
        (("aa11", 0, 0, [[1]], True, [{"tool": "p", "t_ms": 1, "colour": 12}], 5), "colour"),
        (("aa11", 0, 0, [[1]], True, [], -1), "duration_ms"),
        (("aa11", 4, 0, [[1]], True, [], 1), "no version 4"),
    ],
)
def test_bad_attempts_refused(seeded: Store, args: tuple, message: str) -> None:
    ann = seeded.create_user("ann").id
    with pytest.raises(StoreError, match=message):
        seeded.record_attempt(ann, *args)
    assert seeded.list_attempts(ann, "aa11") == []


def test_task_browser_filters_and_pages(seeded: Store) -> None:
    ann = seeded.create_user("ann").id
    seeded.sign_variation("cc33", 0, {"op": "rot90"}, ann)
    seeded.add_trace("bb22", 0, ann, "idea")
    assert [s.id for s in seeded.list_tasks(has_variations=True).items] == ["cc33"]
    assert [s.id for s in seeded.list_tasks(has_variations=False).items] == ["aa11", "bb22"]
    assert [s.id for s in seeded.list_tasks(has_traces=True).items] == ["bb22"]
    assert [s.id for s in seeded.list_tasks(source="set-b").items] == ["cc33"]
    assert [s.id for s in seeded.list_tasks(id_prefix="b").items] == ["bb22"]
    page = seeded.list_tasks(limit=2, offset=1)
    assert page.total == 3 and [s.id for s in page.items] == ["bb22", "cc33"]
    cc = seeded.list_tasks(id_prefix="cc").items[0]
    assert (cc.versions, cc.traces, cc.has_content) == (2, 0, True)
    with pytest.raises(StoreError, match="limit"):
        seeded.list_tasks(limit=0)


def test_import_tasks_conflicts(seeded: Store) -> None:
    changed = make_task("aa11", seed=9)
    with pytest.raises(ConflictError, match="aa11 version 0: the store holds different"):
        seeded.import_tasks([make_task("dd44"), changed])
    assert seeded.list_tasks().total == 3
    report = seeded.import_tasks([make_task("dd44"), changed], on_conflict="skip")
    assert report.versions_added == 1 and report.conflicting == [("aa11", 0)]
    again = seeded.import_tasks([make_task("dd44")])
    assert (again.versions_added, again.unchanged) == (0, 1)
    twice = [
        make_task("ee55").with_(signed_by=("ann",)),
        make_task("ee55").with_(signed_by=("bo",)),
    ]
    report = seeded.import_tasks(twice)
    assert (report.versions_added, report.unchanged, report.signatures_added) == (1, 1, 2)
    assert seeded.get_version("ee55").signed_by == ("ann", "bo")


def test_runs_are_recorded_once(store: Store) -> None:
    first = store.record_run("r1", "openai/gpt-4.1", "code", "runs/r1/results.jsonl", 10.0)
    again = store.record_run("r1", "other", "reasoning", "elsewhere", 20.0)
    assert again == first and first.traces == 0
    store.record_run("r2", "openai/gpt-4.1", "reasoning", "x", 30.0)
    assert [r.id for r in store.list_runs()] == ["r2", "r1"]
    with pytest.raises(NotFoundError):
        store.get_run("nope")
