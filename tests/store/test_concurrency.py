"""Fifty writers voting on the same traces at once end with exact scores."""

from __future__ import annotations

import random
import threading

from sqlalchemy import func, select

from arcforge.store import Store
from arcforge.store.schema import Trace, Vote

from .conftest import make_task

WRITERS = 50


def test_concurrent_votes_are_exact(store: Store) -> None:
    check_concurrent_votes(store)


def check_concurrent_votes(store: Store) -> None:
    """50 threads, one user each, vote, flip and retract on 3 traces; scores must be exact."""
    store.import_tasks([make_task("aa11")])
    author = store.create_user("author")
    trace_ids = [store.add_trace("aa11", 0, author.id, f"idea {i}").id for i in range(3)]
    voters = [store.create_user(f"voter{i}").id for i in range(WRITERS)]
    expected = dict.fromkeys(trace_ids, 0)
    plans: list[list[tuple[int, int]]] = []
    for n, _ in enumerate(voters):
        rng = random.Random(n)
        plan = []
        for tid in trace_ids:
            first = rng.choice([1, -1])
            plan.append((tid, first))  # vote
            then = rng.choice(["keep", "flip", "retract"])
            if then == "flip":
                plan.append((tid, -first))  # a different value flips
            elif then == "retract":
                plan.append((tid, first))  # the same value again retracts
            final = {"keep": first, "flip": -first, "retract": 0}[then]
            expected[tid] += final
        plans.append(plan)
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(user_id: int, plan: list[tuple[int, int]]) -> None:
        try:
            barrier.wait()
            for tid, value in plan:
                store.vote(tid, user_id, value)
        except BaseException as exc:  # reported below, never swallowed
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=a) for a in zip(voters, plans, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    scores = {t.id: t.score for t in store.list_traces("aa11")}
    assert scores == expected
    with store.reading() as session:
        sums = dict(
            session.execute(
                select(Vote.trace_id, func.coalesce(func.sum(Vote.value), 0)).group_by(
                    Vote.trace_id
                )
            ).all()
        )
        stored = dict(session.execute(select(Trace.id, Trace.score)).all())
    assert {tid: sums.get(tid, 0) for tid in trace_ids} == stored == expected


def test_shared_users_racing_keep_scores_consistent(store: Store) -> None:
    check_shared_user_races(store)


def check_shared_user_races(store: Store) -> None:
    """Threads acting for the same few users (two browser tabs each, say) toggle votes at
    once; whatever order wins, every score must equal the sum of the stored votes."""
    store.import_tasks([make_task("bb22")])
    author = store.create_user("writer")
    traces = [store.add_trace("bb22", 0, author.id, f"idea {i}").id for i in range(2)]
    users = [store.create_user(f"tab-user{i}").id for i in range(3)]
    barrier = threading.Barrier(12)
    errors: list[BaseException] = []

    def clicker(n: int) -> None:
        rng = random.Random(100 + n)
        try:
            barrier.wait()
            for _ in range(10):
                store.vote(rng.choice(traces), users[n % 3], rng.choice([1, -1]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=clicker, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.reading() as session:
        sums = dict(
            session.execute(
                select(Vote.trace_id, func.sum(Vote.value)).group_by(Vote.trace_id)
            ).all()
        )
        per_user = (
            session.execute(
                select(func.count()).select_from(Vote).group_by(Vote.trace_id, Vote.user_id)
            )
            .scalars()
            .all()
        )
    assert set(per_user) <= {1}  # one vote per user and trace
    for view in store.list_traces("bb22"):
        assert view.score == sums.get(view.id, 0)
        assert abs(view.score) <= len(users)
