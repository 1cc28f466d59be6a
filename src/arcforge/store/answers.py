"""Hidden answers of tasks: which ones each version asks for or shows, and who unlocked which.

Each pair of a stored version carries its answer key (:mod:`arcforge.lineage`): the pair of
the original it shows. A version asks for the hidden answers among its test pairs and shows
those among its train pairs (a train/test swap, or anything derived from one); every version
asking for the same test output shares its key.

A person unlocks an answer by solving it in study mode or using up its study attempts, or
all answers of a task by revealing it (:data:`ALL_ANSWERS`); the studio decides from these
records what they may see (``arcforge.web.visibility``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from arcforge.lineage import Key, Keys, hidden_keys
from arcforge.store.engine import StoreBase, now
from arcforge.store.schema import ALL_ANSWERS, AnswerUnlock, Attempt, TaskVersion
from arcforge.store.tasks import chunks
from arcforge.store.users import get_user_row

FOREIGN = "foreign"  # the key prefix of a copy's test pair that is not the task's


@dataclass(frozen=True, slots=True)
class VersionKeys:
    version: int
    removed: bool
    train: tuple[Key, ...]
    test: tuple[Key, ...]


@dataclass(frozen=True, slots=True)
class TaskAnswers:
    """The answer keys of one task's versions (removed ones included)."""

    task_id: str
    versions: dict[int, VersionKeys]

    def shows(self, version: int) -> frozenset[str]:
        """Hidden answers a version shows among its train pairs (a swap and its kin)."""
        keys = self.versions.get(version)
        return frozenset() if keys is None else hidden_keys(keys.train)

    def asks(self, version: int) -> frozenset[str]:
        """Hidden answers a version asks for in its test pairs."""
        keys = self.versions.get(version)
        return frozenset() if keys is None else hidden_keys(keys.test)

    @staticmethod
    def needed_for(copy: Keys) -> frozenset[str] | None:
        """Answers one must have unlocked to see a copy of the task (a run's snapshot, its
        keys matched with ``own=FOREIGN``); None when a test pair is not the task's."""
        if any(k is not None and k.startswith(f"{FOREIGN}:") for k in copy[1]):
            return None
        return hidden_keys((*copy[0], *copy[1]))


Row = tuple[int, bool, Sequence[Key] | None, Sequence[Key] | None]


def _task_answers(task_id: str, rows: Iterable[Row]) -> TaskAnswers:
    versions = {v: VersionKeys(v, removed, tuple(train or ()), tuple(test or ()))
                for v, removed, train, test in rows}
    return TaskAnswers(task_id, versions)


def unlocks_in(session: Session, user_id: int, task_id: str) -> set[str]:
    return set(session.scalars(select(AnswerUnlock.answer_key).where(
        AnswerUnlock.user_id == user_id, AnswerUnlock.task_id == task_id)))


def unlock_in(session: Session, user_id: int, task_id: str, key: str, reason: str) -> None:
    """Record an unlock unless the user has it already (the unique key settles races)."""
    if key not in unlocks_in(session, user_id, task_id):
        session.add(AnswerUnlock(user_id=user_id, task_id=task_id, answer_key=key,
                                 reason=reason, created_at=now()))
        session.flush()


class AnswerRepository(StoreBase):
    def task_answers(self, task_ids: Sequence[str]) -> dict[str, TaskAnswers]:
        """The answer keys of each task (tasks without stored versions are left out)."""
        rows: dict[str, list[Row]] = {}
        columns = (TaskVersion.task_id, TaskVersion.version, TaskVersion.removed,
                   TaskVersion.train_keys, TaskVersion.test_keys)
        with self.reading_core() as conn:
            for part in chunks(list(dict.fromkeys(task_ids))):
                for tid, *row in conn.execute(select(*columns).where(
                        TaskVersion.task_id.in_(part))):
                    rows.setdefault(tid, []).append(tuple(row))  # type: ignore[arg-type]
        return {tid: _task_answers(tid, found) for tid, found in rows.items()}

    def unlocked_answers(self, user_id: int, task_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """The answers the user unlocked, as keys per task (``ALL_ANSWERS``: the whole task
        was revealed); tasks without any are left out."""
        found: dict[str, set[str]] = {}
        with self.reading_core() as conn:
            for part in chunks(list(dict.fromkeys(task_ids))):
                query = select(AnswerUnlock.task_id, AnswerUnlock.answer_key).where(
                    AnswerUnlock.user_id == user_id, AnswerUnlock.task_id.in_(part))
                for tid, key in conn.execute(query):
                    found.setdefault(tid, set()).add(key)
        return {tid: frozenset(keys) for tid, keys in found.items()}

    def unlocked_answers_of(self, user_ids: Sequence[int], task_ids: Sequence[str]
                            ) -> dict[tuple[int, str], frozenset[str]]:
        """:meth:`unlocked_answers` of several users at once, by (user, task)."""
        found: dict[tuple[int, str], set[str]] = {}
        users = list(dict.fromkeys(user_ids))
        if not users:
            return {}
        with self.reading_core() as conn:
            for part in chunks(list(dict.fromkeys(task_ids))):
                for who in chunks(users):
                    query = select(AnswerUnlock.user_id, AnswerUnlock.task_id,
                                   AnswerUnlock.answer_key).where(
                        AnswerUnlock.user_id.in_(who), AnswerUnlock.task_id.in_(part))
                    for uid, tid, key in conn.execute(query):
                        found.setdefault((uid, tid), set()).add(key)
        return {k: frozenset(keys) for k, keys in found.items()}

    def reveal_answers(self, user_id: int, task_id: str) -> None:
        """The user chose to see every answer of the task: their study attempts there end."""

        def run(session: Session) -> None:
            get_user_row(session, user_id)
            unlock_in(session, user_id, task_id, ALL_ANSWERS, "revealed")

        self.transact(run)

    def clean_study_solves(self, user_id: int, task_id: str) -> frozenset[str]:
        """Answers the user got right in study mode before practising the task."""
        query = select(Attempt.answer_key).where(
            Attempt.user_id == user_id, Attempt.task_id == task_id, Attempt.mode == "study",
            Attempt.correct.is_(True), Attempt.after_practice.is_(False),
            Attempt.answer_key.is_not(None))
        with self.reading() as session:
            return frozenset(k for k in session.scalars(query) if k is not None)
