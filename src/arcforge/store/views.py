"""What repository methods return: plain frozen dataclasses, safe to pass between threads.

Times are seconds since the epoch (UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Role = Literal["user", "admin"]
Kind = Literal["human", "model"]


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    username: str
    role: Role
    kind: Kind
    password_hash: str | None
    imported: bool
    created_at: float


@dataclass(frozen=True, slots=True)
class VersionView:
    """One version of a task (0 is the original) with its signers in signing order."""

    task_id: str
    version: int
    content: dict[str, Any]  # {"train": [...], "test": [...]}
    content_hash: str
    signed_by: tuple[str, ...]
    parent: tuple[str, int] | None
    transform: tuple[dict[str, Any], ...]
    created_by: str | None
    created_at: float
    removed: bool
    train_keys: tuple[str | None, ...] = ()  # arcforge.pairkeys keys of the pairs
    test_keys: tuple[str | None, ...] = ()  # None: a test pair without an output


@dataclass(frozen=True, slots=True)
class SignResult:
    """Outcome of signing a variation: which version, and what happened."""

    version: VersionView
    outcome: Literal["created", "signed", "already_signed", "restored"]


@dataclass(frozen=True, slots=True)
class RemovedVersion:
    """A softly removed variation, with its creator so the caller can check permissions."""

    task_id: str
    version: int
    created_by: str | None
    signed_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TaskSummary:
    """A row of the task browser. Counts leave out removed traces and versions."""

    id: str
    source: str | None
    has_content: bool  # False for a task known only from merged traces
    versions: int  # live versions, the original included
    traces: int
    attempts: int
    solved_by_viewer: bool


@dataclass(frozen=True, slots=True)
class TaskPage:
    total: int
    items: tuple[TaskSummary, ...]


@dataclass(frozen=True, slots=True)
class TraceView:
    """A trace as a reader sees it; ``my_vote`` is the viewer's own vote (0 when none)."""

    id: int
    trace_id: str
    task_id: str
    task_version: int
    author: str
    author_id: int
    author_kind: Kind
    source: Kind
    run_id: str | None
    sample: int | None
    text: str
    created_at: float
    score: int
    my_vote: int
    removed: bool
    description: DescriptionParts | None = None  # set when the trace is a description
    uses_ok: int = 0  # checks by use that built the right output from this text
    uses_failed: int = 0  # ... and those that did not


@dataclass(frozen=True, slots=True)
class DescriptionParts:
    """What makes a trace a description: the attempt it describes and its template parts."""

    attempt_id: int
    test_index: int
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class VoteResult:
    """State after a vote: the trace's score and the voter's vote (0 when retracted)."""

    trace_id: int
    score: int
    my_vote: int


@dataclass(frozen=True, slots=True)
class AttemptView:
    id: int
    user_id: int
    task_id: str
    task_version: int
    test_index: int
    grid: list[list[int]]
    correct: bool
    actions: list[dict[str, Any]]
    duration_ms: int
    created_at: float
    mode: str = "practice"  # "practice" or "study"
    answer_key: str | None = None  # the hidden output tried (arcforge.pairkeys)
    after_practice: bool = False  # a study attempt made after practising the task
    check_id: int | None = None  # an output built from a description alone (mode "check")


@dataclass(frozen=True, slots=True)
class CheckView:
    """A use of a trace: someone built a test output from its text alone (``outcome`` None
    while a person's check is open); ``attempts`` counts a person's builds so far."""

    id: int
    trace_id: int
    user_id: int
    task_id: str
    task_version: int
    test_index: int | None  # None: every test input of the version (a model's check)
    started_at: float
    ended_at: float | None
    outcome: str | None  # "success" | "failure"
    attempts: int
    detail: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class RunView:
    id: str
    model: str
    kind: str
    source_file: str
    created_at: float
    imported_at: float
    traces: int
    info: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A live event as the store keeps it: ``payload`` is what pages get; ``author`` (a
    trace's author, who always gets events about it) is not sent."""

    id: int
    task_id: str
    author: str | None
    payload: dict[str, Any]
    created_at: float
