"""Refinement rounds of a code sample (``codegen --rounds R``): whether a round's result
earns another round, what the model is told about it, and the conversation a resumed
sample continues.

A sample goes on while its program does not pass every train pair and rounds are left;
an answer without a program (no ``solve_task``, or cut off at the token limit) goes on
too, told why. Any other error (the provider failed, the prompt was refused) ends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arcforge.agents.encoding import Encoding
from arcforge.agents.feedback import feedback_values, render_feedback
from arcforge.agents.templates import PromptTemplate
from arcforge.runfiles import SampleRecord
from arcforge.tasks import Task
from arcforge.verification import Verification

CONTINUED_ERRORS = frozenset({"extraction", "length"})  # the model can mend these
_CUT = ("your answer was cut off at the token limit before it ended; answer more briefly, "
        "with the whole solve_task in one python block")


def earns_feedback(record: SampleRecord, verification: Verification | None) -> bool:
    """Whether this round's result is worth another round (when one is left)."""
    if record.error is not None:
        return record.error.kind in CONTINUED_ERRORS
    if record.code is None or verification is None:
        return False
    checked = all(p.status != "pending" for p in verification.pairs)
    return checked and not verification.passes_train


def feedback_message(record: SampleRecord, seen: Task, verification: Verification | None,
                     template: PromptTemplate, encoding: Encoding, rounds: int) -> str:
    """The feedback after ``record``'s round. ``seen`` and ``verification`` are in the
    frame the model saw (verification before outputs are mapped back)."""
    problem = None
    if record.error is not None:
        problem = _CUT if record.error.kind == "length" else record.error.message
        verification = None
    values = feedback_values(seen, verification, problem, encoding)
    return render_feedback(template, values, record.round_number, rounds)


def reply(record: SampleRecord) -> list[dict[str, Any]]:
    """The messages a round adds to the conversation after ``record``: its answer and the
    feedback on it."""
    assert record.feedback is not None
    return [{"role": "assistant", "content": record.response or ""},
            {"role": "user", "content": record.feedback}]


@dataclass(slots=True)
class Continued:
    """A sample whose recorded rounds ask for another: the next round continues the
    conversation they hold."""

    rounds: list[SampleRecord]  # in order, the last one with feedback

    @property
    def next_round(self) -> int:
        return self.rounds[-1].round_number + 1

    def conversation(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        for record in self.rounds:
            messages += record.messages
        return messages + reply(self.rounds[-1])

    @property
    def spent(self) -> float:
        return sum(r.cost or 0.0 for r in self.rounds)
