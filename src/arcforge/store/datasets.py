"""The store as data sets: rows of traces, task versions and attempts, for people and training.

People appear under pseudonyms: ``p-`` and 16 hex digits of an HMAC of their user id under
the store's own random key (``store_meta``), the same in every file and every export of one
store, unrelated across stores, and not reversible without the database. Models keep their
names (``openai/gpt-4.1``). Legacy trace ids (which hold the author's name) are left out.
Rows are read a chunk at a time, so memory stays flat on large stores.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from arcforge.store.schema import (
    Attempt,
    Check,
    Description,
    Signature,
    StoreMeta,
    TaskVersion,
    Trace,
    User,
    Vote,
)
from arcforge.store.store import Store
from arcforge.store.tasks import chunks

Source = Literal["human", "model", "all"]
SOURCES: tuple[Source, ...] = ("human", "model", "all")
PSEUDONYM_KEY = "pseudonym_key"  # the store_meta row created by migration 0005
CHUNK = 500
PASSIVE = frozenset({"view", "leave", "away", "back"})  # log entries that are not actions


def iso_ms(seconds: float | None) -> str | None:
    """ISO 8601 UTC with milliseconds (``2026-12-11T08:00:00.250Z``)."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def viewing_ms(actions: list[dict[str, Any]]) -> int | None:
    """How long the person looked before acting: the time of the log's first entry that is
    an action (an edit, a choice of tool or colour, a selection, a submission...)."""
    for entry in actions:
        if entry.get("tool") not in PASSIVE:
            t = entry.get("t_ms")
            return t if isinstance(t, int) else None
    return None


class Pseudonyms:
    """Names of people as they appear in exports; models keep theirs."""

    def __init__(self, session: Session) -> None:
        key = session.scalar(select(StoreMeta.value).where(StoreMeta.key == PSEUDONYM_KEY))
        self._key = (key or secrets.token_hex(32)).encode()
        self._users = {uid: (name, kind) for uid, name, kind in session.execute(
            select(User.id, User.username, User.kind))}

    def __call__(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        name, kind = self._users.get(user_id, (None, "human"))
        if kind == "model" and name is not None:
            return name
        digest = hmac.new(self._key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()
        return f"p-{digest[:16]}"

    def kind(self, user_id: int) -> str:
        return self._users.get(user_id, (None, "human"))[1]


def _pairs(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"input": p.get("input"), "output": p.get("output")} for p in pairs]


def _content(content: dict[str, Any]) -> dict[str, Any]:
    return {"train": _pairs(content.get("train", [])), "test": _pairs(content.get("test", []))}


class _Versions:
    """Task contents by (task, version), the most recently used kept."""

    def __init__(self, session: Session, size: int = 256) -> None:
        self.session, self.size = session, size
        self.cache: OrderedDict[tuple[str, int], dict[str, Any] | None] = OrderedDict()

    def get(self, task_id: str, version: int) -> dict[str, Any] | None:
        key = (task_id, version)
        if key not in self.cache:
            content = self.session.scalar(select(TaskVersion.content).where(
                TaskVersion.task_id == task_id, TaskVersion.version == version))
            self.cache[key] = None if content is None else _content(content)
            if len(self.cache) > self.size:
                self.cache.popitem(last=False)
        self.cache.move_to_end(key)
        return self.cache[key]


def _counts(session: Session, trace_ids: list[int]) -> tuple[dict[int, tuple[int, int]],
                                                              dict[int, tuple[int, int]]]:
    """(votes up and down, uses right and wrong) of each trace."""
    up = func.sum(case((Vote.value > 0, 1), else_=0))
    down = func.sum(case((Vote.value < 0, 1), else_=0))
    ok = func.sum(case((Check.outcome == "success", 1), else_=0))
    failed = func.sum(case((Check.outcome == "failure", 1), else_=0))
    votes = {t: (int(u or 0), int(d or 0)) for t, u, d in session.execute(
        select(Vote.trace_id, up, down).where(Vote.trace_id.in_(trace_ids))
        .group_by(Vote.trace_id))}
    uses = {t: (int(o or 0), int(f or 0)) for t, o, f in session.execute(
        select(Check.trace_id, ok, failed).where(Check.trace_id.in_(trace_ids))
        .group_by(Check.trace_id))}
    return votes, uses


def trace_rows(store: Store, *, min_score: int | None = None,
               source: Source = "all") -> Iterator[dict[str, Any]]:
    """Every live trace (descriptions included) with its task content, by task, version."""
    query = (select(Trace, Description).outerjoin(Description, Description.trace_id == Trace.id)
             .where(Trace.removed.is_(False)))
    if min_score is not None:
        query = query.where(Trace.score >= min_score)
    if source != "all":
        query = query.where(Trace.source == source)
    query = query.order_by(Trace.task_id, Trace.task_version, Trace.id)
    with store.reading() as session:
        names, tasks = Pseudonyms(session), _Versions(session)
        rows = session.execute(query.execution_options(yield_per=CHUNK))
        for part in rows.partitions():
            votes, uses = _counts(session, [t.id for t, _ in part])
            for trace, description in part:
                up, down = votes.get(trace.id, (0, 0))
                ok, failed = uses.get(trace.id, (0, 0))
                yield {
                    "id": trace.id,
                    "task_id": trace.task_id,
                    "version": trace.task_version,
                    "task": tasks.get(trace.task_id, trace.task_version),
                    "kind": "trace" if description is None else "description",
                    "text": trace.text,
                    "fields": None if description is None else dict(description.fields),
                    "attempt_id": None if description is None else description.attempt_id,
                    "test_index": None if description is None else description.test_index,
                    "author": names(trace.author_id),
                    "source": trace.source,
                    "run_id": trace.run_id,
                    "sample": trace.sample,
                    "score": trace.score,
                    "votes_up": up,
                    "votes_down": down,
                    "uses_ok": ok,
                    "uses_failed": failed,
                    "created_at": iso_ms(trace.created_at),
                }


def task_rows(store: Store) -> Iterator[dict[str, Any]]:
    """Every live task version with its pairs, lineage, signers and creator."""
    query = (select(TaskVersion).where(TaskVersion.removed.is_(False))
             .order_by(TaskVersion.task_id, TaskVersion.version))
    with store.reading() as session:
        names = Pseudonyms(session)
        for part in session.scalars(query.execution_options(yield_per=CHUNK)).partitions():
            signed: dict[int, list[str]] = {}
            for ids in chunks([v.id for v in part]):
                for vid, uid in session.execute(
                        select(Signature.version_id, Signature.user_id)
                        .where(Signature.version_id.in_(ids)).order_by(Signature.id)):
                    signed.setdefault(vid, []).append(names(uid) or "")
            for v in part:
                yield {
                    "task_id": v.task_id,
                    "version": v.version,
                    **_content(v.content),
                    "parent_version": v.parent_version,
                    "transform": list(v.transform or []),
                    "signed_by": signed.get(v.id, []),
                    "created_by": names(v.created_by),
                    "created_at": iso_ms(v.created_at),
                }


def attempt_rows(store: Store) -> Iterator[dict[str, Any]]:
    """Every attempt, oldest first, with its whole action log."""
    query = (select(Attempt, Check.trace_id).outerjoin(Check, Check.id == Attempt.check_id)
             .order_by(Attempt.id))
    with store.reading() as session:
        names = Pseudonyms(session)
        for attempt, described in session.execute(query.execution_options(yield_per=CHUNK)):
            actions = list(attempt.actions or [])
            yield {
                "id": attempt.id,
                "user": names(attempt.user_id),
                "task_id": attempt.task_id,
                "version": attempt.task_version,
                "test_index": attempt.test_index,
                "mode": attempt.mode,
                "after_practice": attempt.after_practice,
                "description_id": described,
                "grid": attempt.grid,
                "correct": attempt.correct,
                "duration_ms": attempt.duration_ms,
                "viewing_ms": viewing_ms(actions),
                "created_at": iso_ms(attempt.created_at),
                "actions": actions,
            }
