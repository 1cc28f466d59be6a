"""Pydantic models mirroring every field of the ARC Prize benchmarking harness's schema.

The harness (github.com/arcprize/arc-agi-benchmarking, ``src/arc_agi_benchmarking/
schemas.py``) is not published on PyPI, so these models restate its submission schema
field by field (types, optionality, defaults) to check our export against it, and
:func:`harness_task_score` restates its scorer's rule: a test pair counts when any
non-null, non-empty attempt equals the expected output; ``pair_index`` from the metadata
picks the pair; the task scores the fraction of its pairs solved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, model_validator


class CompletionTokensDetails(BaseModel):
    reasoning_tokens: int
    accepted_prediction_tokens: int
    rejected_prediction_tokens: int


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    completion_tokens_details: CompletionTokensDetails


class Cost(BaseModel):
    prompt_cost: float
    completion_cost: float
    reasoning_cost: float | None = None
    total_cost: float


class Message(BaseModel):
    role: str
    content: str


class Choice(BaseModel):
    index: int
    message: Message


class AttemptMetadata(BaseModel):
    model: str
    provider: str
    start_timestamp: datetime
    end_timestamp: datetime
    choices: list[Choice]
    reasoning_summary: str | None = None
    kwargs: dict[str, Any]
    usage: Usage
    cost: Cost
    task_id: str | None = None
    pair_index: int | None = 0
    test_id: str | None = None


class Attempt(BaseModel):
    answer: str | list[list[int]]
    metadata: AttemptMetadata
    correct: bool | None = None


class TestPairAttempts(BaseModel):
    attempts: list[Attempt | None] | dict[str, Attempt | None]

    @model_validator(mode="before")
    @classmethod
    def _attempt_keys(cls, values: Any) -> Any:
        """``{"attempt_1": ..., "attempt_2": ...}`` becomes the ordered list of attempts."""
        if isinstance(values, dict) and "attempts" not in values:
            keys = sorted(k for k in values if k.startswith("attempt_"))
            return {"attempts": [values[k] for k in keys]}
        return values


class BenchmarkedTaskResults(BaseModel):
    test_pairs: list[TestPairAttempts]


def harness_task_score(results: BenchmarkedTaskResults, expected: list[list[list[int]]]
                       ) -> float:
    """The harness's per-task score: share of test pairs with a correct attempt."""
    solved = 0
    for enum_index, pair in enumerate(results.test_pairs):
        attempts = list(pair.attempts if isinstance(pair.attempts, list)
                        else pair.attempts.values())
        index = next((a.metadata.pair_index for a in attempts
                      if a is not None and a.metadata.pair_index is not None
                      and 0 <= a.metadata.pair_index < len(expected)), enum_index)
        if any(a is not None and a.answer != [] and a.answer == expected[index]
               for a in attempts):
            solved += 1
    return solved / len(expected) if expected else 0.0
