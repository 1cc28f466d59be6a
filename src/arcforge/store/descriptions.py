"""Descriptions: how to build a test output, written after a study solve or used-up attempts.

A description is a trace (shown, voted and removed like any trace) linked to the attempt it
describes. Its text is made from the parts of a LARC-style template: what you see, the
output size, how to build it; others then check it by use (:mod:`arcforge.store.checks`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from arcforge.store.attempts import unlock_reason
from arcforge.store.engine import StoreBase
from arcforge.store.errors import ConflictError, NotFoundError, StoreError
from arcforge.store.schema import Attempt, Description
from arcforge.store.traces import insert_trace
from arcforge.store.views import DescriptionParts, TraceView

FIELDS = {  # part -> its heading in the text
    "what_you_see": "What you see",
    "output_size": "Output size",
    "how_to_build": "How to build it",
}
MAX_FIELD = 5000


def check_fields(fields: Any) -> dict[str, str]:
    """The template's parts as given (each at most ``MAX_FIELD`` characters; ``how_to_build``
    must say something); :class:`StoreError` names the first bad one."""
    if not isinstance(fields, dict):
        raise StoreError("fields: expected an object with what_you_see, output_size, "
                         "how_to_build")
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise StoreError(f"fields.{unknown[0][:40]}: not a part of a description "
                         f"(known: {', '.join(FIELDS)})")
    parts = {}
    for name in FIELDS:
        value = fields.get(name, "")
        if not isinstance(value, str):
            raise StoreError(f"fields.{name}: expected text")
        if len(value) > MAX_FIELD:
            raise StoreError(f"fields.{name}: at most {MAX_FIELD} characters, got {len(value)}")
        parts[name] = value.strip()
    if not parts["how_to_build"]:
        raise StoreError("fields.how_to_build: say how to build the output")
    return parts


def description_text(fields: dict[str, str]) -> str:
    """The markdown text of a description: one paragraph per part that says something."""
    return "\n\n".join(f"**{FIELDS[name]}:** {value}" for name, value in fields.items()
                       if name in FIELDS and value)


def describable(session: Session, user_id: int, attempt_id: int) -> Attempt:
    """An attempt of the user that they may describe: a study attempt on a test input they
    solved in study mode or whose study attempts they used up."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        raise NotFoundError(f"you have no attempt {attempt_id}")
    reason = unlock_reason(session, user_id, attempt.task_id, attempt.answer_key)
    if attempt.mode != "study" or attempt.answer_key is None or reason not in (
            "solved", "attempts_used"):
        raise ConflictError(
            f"attempt {attempt_id}: a description follows a study attempt on a test input "
            "you solved in study mode or whose study attempts you used up")
    if session.scalar(select(Description.trace_id).where(
            Description.attempt_id == attempt_id)) is not None:
        raise ConflictError(f"attempt {attempt_id} has a description already")
    return attempt


class DescriptionRepository(StoreBase):
    def add_description(self, user_id: int, attempt_id: int, fields: Any) -> TraceView:
        """Describe one of the user's study attempts (see :func:`describable`); the
        description is a trace on the attempt's task version."""
        parts = check_fields(fields)

        def run(session: Session) -> TraceView:
            attempt = describable(session, user_id, attempt_id)
            trace = insert_trace(session, attempt.task_id, attempt.task_version, user_id,
                                 description_text(parts))
            session.add(Description(trace_id=trace.id, attempt_id=attempt.id,
                                    test_index=attempt.test_index, fields=parts))
            session.flush()
            return replace(trace, description=DescriptionParts(attempt.id, attempt.test_index,
                                                               parts))

        return self.transact(run)

    def described_attempts(self, user_id: int, task_id: str) -> dict[int, int]:
        """The user's attempts on a task that have a description: attempt id -> trace id."""
        query = (select(Description.attempt_id, Description.trace_id)
                 .join(Attempt, Attempt.id == Description.attempt_id)
                 .where(Attempt.user_id == user_id, Attempt.task_id == task_id))
        with self.reading() as session:
            return {a: t for a, t in session.execute(query)}
