"""Types of the JSON API: bounded integers for requests, and response models that document
the answers in OpenAPI; since FastAPI serialises answers through them, a field not declared
here can never reach the browser from these endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from arcforge.store.schema import MAX_INT

# Every integer a request names (ids, versions, indexes, offsets, times): 0 to 2^31 - 1, the
# range of an integer column on every database; anything else is 422 naming the field.
Count = Annotated[int, Field(ge=0, le=MAX_INT)]

Grid = list[list[int]]


class UserOut(BaseModel):
    name: str
    role: Literal["user", "admin"]


class ProtocolOut(BaseModel):
    """The study protocol of this server: what the pages must say about attempts."""

    study_attempts: int  # per person and test input (shared by versions asking for it)
    practice: bool  # whether practice mode is offered
    practice_attempts: int  # per person and test input
    practice_per_hour: int  # per person, all tasks
    traces_after_solving: bool  # whether other people's traces open once answers do


class MeOut(BaseModel):
    user: UserOut | None
    csrf_token: str
    private: bool
    protocol: ProtocolOut


class SourceOut(BaseModel):
    id: str
    label: str
    tasks: int
    conflicts: int


class SourcesOut(BaseModel):
    default: str
    items: list[SourceOut]


class PairOut(BaseModel):
    input: Grid
    output: Grid


class TaskRowOut(BaseModel):
    id: str
    number: int
    versions: int
    traces: int
    attempts: int
    solved_by_me: bool
    thumbnail: PairOut | None = None  # the first demonstration, with ?thumbnails=true


class TaskPageOut(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[TaskRowOut]


class RandomOut(BaseModel):
    id: str


class StartOut(BaseModel):
    id: str | None  # a first easy task of the source (None: the source is empty)
    source: str


class TestInputOut(BaseModel):
    """A test pair as a solver sees it: the input only (with the output once unlocked)."""

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
    test: list[PairOut | TestInputOut]
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
    versions_total: int


class VersionsOut(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[VersionOut]


class AttemptResultOut(BaseModel):
    attempt_id: int
    correct: bool
    same_shape: bool | None  # practice: whether the grid has the right size
    attempts_left: int | None  # study attempts left on this test input
    practice_left: int | None  # practice attempts left on this test input


class AttemptRowOut(BaseModel):
    id: int
    test_index: int
    correct: bool
    mode: Literal["practice", "study", "check"]
    created_at: str | None
    description_id: int | None  # the description written about this attempt


class AttemptsOut(BaseModel):
    items: list[AttemptRowOut]
    attempts_left: list[int]
    practice_left: list[int]


class RevealOut(BaseModel):
    revealed: bool


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
    kind: Literal["trace", "description"]
    fields: dict[str, str] | None  # a description's template parts
    test_index: int | None  # the test input a description is about
    uses_ok: int  # checks by use that built the right output from this text
    uses_failed: int


class TracesOut(BaseModel):
    items: list[TraceOut]
    hidden: bool  # other people's traces are held back until the answers are unlocked
    hidden_reason: str | None


class VoteOut(BaseModel):
    id: int
    score: int
    my_vote: int


class CheckableOut(BaseModel):
    """A description to check: which one, never its text nor its task (the checker should
    not look the demonstrations up)."""

    description_id: int | None  # None: nothing for you to check now
    test_index: int | None


class CheckDescriptionOut(BaseModel):
    fields: dict[str, str]
    html: str


class CheckOut(BaseModel):
    """A check by use as its checker sees it: the description and the test input only (the
    output once the check is over and the answer opened)."""

    id: int
    description_id: int
    task_id: str | None  # once the check is over
    version: int | None  # once the check is over
    test_index: int
    description: CheckDescriptionOut
    test_input: Grid
    attempts_left: int
    outcome: Literal["success", "failure"] | None
    output: Grid | None


class CheckResultOut(BaseModel):
    correct: bool
    attempts_left: int
    outcome: Literal["success", "failure"] | None
