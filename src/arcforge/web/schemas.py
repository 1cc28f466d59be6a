"""Response models of the JSON API: they document the answers in OpenAPI and, since FastAPI
serialises answers through them, a field not declared here (such as a test pair's
``output``) can never reach the browser from these endpoints."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

Grid = list[list[int]]


class UserOut(BaseModel):
    name: str
    role: Literal["user", "admin"]


class MeOut(BaseModel):
    user: UserOut | None
    csrf_token: str
    private: bool


class SourceOut(BaseModel):
    id: str
    label: str
    tasks: int
    conflicts: int


class SourcesOut(BaseModel):
    default: str
    items: list[SourceOut]


class TaskRowOut(BaseModel):
    id: str
    number: int
    versions: int
    traces: int
    attempts: int
    solved_by_me: bool


class TaskPageOut(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[TaskRowOut]


class RandomOut(BaseModel):
    id: str


class PairOut(BaseModel):
    input: Grid
    output: Grid


class TestInputOut(BaseModel):
    """A test pair as a solver sees it: the input only."""

    input: Grid


class ParentOut(BaseModel):
    id: str
    version: int


class VersionOut(BaseModel):
    version: int
    signed_by: list[str]
    created_by: str | None
    removed: bool
    parent: ParentOut | None
    transform: list[dict[str, Any]]
    created_at: str | None
    can_delete: bool


class PreviewOut(BaseModel):
    id: str
    version: int | None
    train: list[PairOut]
    test: list[TestInputOut]
    parent: ParentOut | None
    transform: list[dict[str, Any]]
    signed_by: list[str]


class TaskOut(PreviewOut):
    number: int | None
    source: str
    source_differs: bool
    prev: str | None
    next: str | None
    versions: list[VersionOut]


class DistanceOut(BaseModel):
    same_shape: bool
    differing: int | None
    total: int | None
    fraction: float | None


class AttemptResultOut(BaseModel):
    correct: bool
    distance: DistanceOut | None
    attempts_left: int | None


class AttemptRowOut(BaseModel):
    test_index: int
    correct: bool
    created_at: str | None


class AttemptsOut(BaseModel):
    items: list[AttemptRowOut]
    attempts_left: list[int]


class SignOut(BaseModel):
    version: int
    created: bool
    outcome: Literal["created", "signed", "already_signed", "restored"]


class RemovedOut(BaseModel):
    removed: bool


class TraceOut(BaseModel):
    id: int
    task_id: str
    version: int
    author: str
    author_kind: Literal["human", "model"]
    score: int
    my_vote: int
    created_at: str | None
    text: str
    html: str
    can_delete: bool
    run_id: str | None
    sample: int | None


class TracesOut(BaseModel):
    items: list[TraceOut]


class VoteOut(BaseModel):
    id: int
    score: int
    my_vote: int
