"""The typed contents of a run folder: :class:`RunInfo` (``run.json``), one
:class:`SampleRecord` per finished sample (the journal and the final results), and the
final file's :class:`FinalMetadata`.

Each file is parsed once, here, into these models; every reader takes them from
:func:`arcforge.runfiles.read_results`. ``format_version`` says which layout wrote a
file: run folders of arcforge 0.1.0 have none and read as version 1, with the same code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from arcforge.verification import Verification

# 2: run.json records format_version and the sandbox settings
# 3: direct-answer runs (one record per test input) and augmentation
# 4: refinement rounds (one record per round of a code sample)
# 5: a prompt's messages are written once, with the first record that sends it; later
#    records with the same prompt_hash leave "messages" out and readers fill it in
FORMAT_VERSION = 5
Kind = Literal["reasoning", "code", "predict"]


class ErrorInfo(BaseModel):
    """Why a sample has no usable answer: ``kind`` is one of the model error kinds
    (``rate_limit``, ``server_error``, ``extraction``, ``internal``...)."""

    model_config = ConfigDict(extra="ignore")

    kind: str
    message: str = ""


class Usage(BaseModel):
    """Tokens of one answer; reasoning tokens are part of the output tokens."""

    model_config = ConfigDict(extra="ignore")

    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0

    def to_dict(self) -> dict[str, int]:
        return self.model_dump()

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens


class SampleRecord(BaseModel):
    """One sample of one task: the request, the answer (or error) and, for code, its verdicts."""

    model_config = ConfigDict(extra="ignore")

    run_id: str
    kind: Kind
    task_id: str
    task_version: int = Field(ge=0)
    sample: int = Field(ge=0)
    model: str
    messages: list[dict[str, Any]] = Field(default_factory=list)
    prompt_hash: str = ""
    response: str | None = None  # full response text
    reasoning: str | None = None  # the reasoning: the answer text without code, for traces
    provider_reasoning: str | None = None  # reasoning content returned by the provider
    code: str | None = None
    usage: Usage = Field(default_factory=Usage)
    cost: float | None = None
    latency_s: float = 0.0
    tries: int = 0
    finish_reason: str | None = None
    error: ErrorInfo | None = None
    verification: Verification | None = None  # code runs: every pair's verdict
    started_at: str = ""  # ISO 8601 UTC
    finished_at: str = ""
    # direct answers (predict): which test input this request asked for, and the grid
    # read from the answer, in the task's own frame
    test_index: int | None = Field(None, ge=0)
    answer: list[list[int]] | None = None
    answer_method: str | None = None
    # augmentation: the name (``rot90``, ``colours``...) and the transform spec of the task
    # the model saw; answers and outputs above are already mapped back through it
    augment: str | None = None
    transform: list[dict[str, Any]] | None = None
    # refinement (codegen --rounds R, R > 1): which round of the sample this is (from 1),
    # and, when the sample goes on, the feedback message its verification gave the
    # model. ``messages`` of a later round are the ones it added: the previous answer and
    # that feedback. Runs of one round leave both out.
    round: int | None = Field(None, ge=1)
    feedback: str | None = None

    @property
    def key(self) -> tuple[str, int, int, int | None, int]:
        """(task id, task version, sample, test index, round): unique within a run."""
        return (self.task_id, self.task_version, self.sample, self.test_index,
                self.round or 1)

    @property
    def sample_key(self) -> tuple[str, int, int, int | None]:
        """(task id, task version, sample, test index): one sample's rounds share it."""
        return (self.task_id, self.task_version, self.sample, self.test_index)

    @property
    def round_number(self) -> int:
        return self.round or 1

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def error_kind(self) -> str | None:
        return self.error.kind if self.error is not None else None

    def _absent(self) -> set[str]:
        """Fields that only some runs fill, left out of the JSON when empty (a code or
        traces record keeps the layout of version 1)."""
        return {name for name in OPTIONAL if getattr(self, name) is None}

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude=self._absent())

    def to_json(self, shared_prompt: bool = False) -> str:
        """The record as one JSON line; ``shared_prompt``: without ``messages``, which an
        earlier record with the same ``prompt_hash`` holds (readers fill them in)."""
        absent = self._absent()
        if shared_prompt:
            absent.add("messages")
        return self.model_dump_json(exclude=absent)


OPTIONAL = ("test_index", "answer", "answer_method", "augment", "transform", "round",
            "feedback")


class PromptInfo(BaseModel):
    model_config = ConfigDict(extra="allow")

    source: str
    sha256: str = ""
    text: str


class RunInfo(BaseModel):
    """``run.json``: the resolved configuration of a run (never a key). Keys this version
    does not know are kept, so rewriting the file (a resumed session) loses nothing."""

    model_config = ConfigDict(extra="allow")

    format_version: int = 1
    run_id: str
    kind: Kind = "code"
    created_at: str = ""
    arcforge_version: str = ""
    python: str = ""
    model: str = ""
    base_url: str | None = None
    data: str | None = None
    task_ids: list[str | tuple[str, int]] | None = None
    tasks_file: str = "tasks.json"
    tasks_sha256: str | None = None
    samples: int = Field(1, ge=1)
    temperature: float | None = None
    max_tokens: int | None = None
    encoding: str = "json"
    prompt: PromptInfo | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    sessions: list[dict[str, Any]] = Field(default_factory=list)
    sandbox: dict[str, Any] | None = None  # code runs: settings that decide verdicts
    augment: list[str] | None = None  # sample s sees the task under augment[s % len]
    rounds: int | None = Field(None, ge=1)  # codegen refinement: rounds per sample at most
    feedback_prompt: PromptInfo | None = None  # the feedback template of a refining run

    @property
    def task_keys(self) -> list[tuple[str, int]] | None:
        """The run's tasks as (id, version); a bare id is version 0."""
        if self.task_ids is None:
            return None
        return [(k, 0) if isinstance(k, str) else (k[0], k[1]) for k in self.task_ids]

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``run.json``: the fields the run set (a file written without a
        field stays without it when rewritten)."""
        return self.model_dump(mode="json", exclude_unset=True)


class FinalMetadata(RunInfo):
    """The ``metadata`` of a final results file: the run description, how it ended and
    what the file holds."""

    status: str = ""
    total_samples: int = 0
    finished_samples: int = 0
    not_run: int = 0
    errors: dict[str, int] = Field(default_factory=dict)
    cost: float = 0.0
    records: int = 0
    written_at: str = ""


def latest_rounds(records: Iterable[SampleRecord],
                  ) -> dict[tuple[str, int, int, int | None], SampleRecord]:
    """The last recorded round of each sample (every record, in runs of one round)."""
    latest: dict[tuple[str, int, int, int | None], SampleRecord] = {}
    for record in records:
        held = latest.get(record.sample_key)
        if held is None or record.round_number > held.round_number:
            latest[record.sample_key] = record
    return latest


def goes_on(record: SampleRecord, rounds: int | None) -> bool:
    """Whether the sample of this (last recorded) round has a round still to ask for."""
    return record.feedback is not None and record.round_number < (rounds or 1)


def error_counts(records: Iterable[SampleRecord]) -> dict[str, int]:
    """How many samples ended in each error kind."""
    return dict(Counter(r.error.kind for r in records if r.error is not None))
