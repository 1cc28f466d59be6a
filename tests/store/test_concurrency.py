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
