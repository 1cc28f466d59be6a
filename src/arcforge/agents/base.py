"""What both agents share: turning a task into messages, and hashing prompts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from arcforge.agents.encoding import ENCODINGS, Encoding, encode_grid
from arcforge.agents.templates import PromptTemplate
from arcforge.grids import Grid
from arcforge.models.base import ModelResponse
from arcforge.tasks import Task


def prompt_hash(messages: list[dict[str, Any]]) -> str:
    """sha256 of the canonical JSON of the messages (replay matches answers by it)."""
    canonical = json.dumps(messages, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def format_pairs(task: Task, encoding: Encoding) -> str:
    parts = []
    for i, pair in enumerate(task.train, 1):
        assert pair.output is not None
        parts.append(
            f"Example {i}\nInput:\n{encode_grid(pair.input, encoding)}\n"
            f"Output:\n{encode_grid(pair.output, encoding)}"
        )
    return "\n\n".join(parts)


def format_test_inputs(task: Task, encoding: Encoding) -> str:
    return "\n\n".join(
        f"Test input {i}:\n{encode_grid(pair.input, encoding)}"
        for i, pair in enumerate(task.test, 1)
    )


@dataclass(frozen=True, slots=True)
class Parsed:
    """What an agent takes from an answer; ``error`` is set when the answer is unusable."""

    reasoning: str | None
    code: str | None = None
    error: str | None = None  # an extraction failure message
    error_kind: str = "extraction"  # the record's error kind when ``error`` is set
    answer: Grid | None = None  # a direct answer's grid, in the frame the model saw
    answer_method: str | None = None  # how it was read (boxed, json, fenced, digits)


@dataclass(frozen=True, slots=True)
class Agent:
    """Builds the messages for a task and reads the answer."""

    kind: Literal["reasoning", "code", "predict"]
    template: PromptTemplate
    encoding: Encoding = "json"

    def messages(self, task: Task, test_index: int | None = None) -> list[dict[str, str]]:
        """The prompt for ``task`` (for one test input when ``test_index`` is given). Test
        outputs are removed before anything is rendered."""
        hidden = any(pair.output is not None for pair in task.test)
        visible = task.without_test_outputs() if hidden else task
        values: dict[str, Any] = {}
        if test_index is not None:
            visible = visible.with_(test=(visible.test[test_index],))
            values = {"test_input": encode_grid(visible.test[0].input, self.encoding),
                      "test_index": test_index + 1, "test_count": len(task.test)}
        return self.template.render(
            train=format_pairs(visible, self.encoding),
            test_inputs=format_test_inputs(visible, self.encoding),
            encoding_note=ENCODINGS[self.encoding],
            task_id=visible.key,
            **values,
        )

    def parse(self, response: ModelResponse) -> Parsed:
        raise NotImplementedError
