"""What every model provider returns and raises: the contract between models and runners."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from arcforge.errors import ArcforgeError
from arcforge.runfiles.records import Usage
from arcforge.tasks import Task

# Error kinds a sample can end in; each is recorded as its own kind, never as an empty answer.
ErrorKind = Literal[
    "rate_limit",  # 429 after every retry
    "server_error",  # 5xx after every retry
    "timeout",  # the per-request timeout, after every retry
    "connection",  # connection refused/reset, after every retry
    "bad_response",  # a body that is not the protocol (malformed JSON, no choices)
    "empty_content",  # the model answered nothing
    "length",  # finish_reason=length: the answer was cut at max_tokens
    "auth",  # 401/403: a key missing or refused
    "bad_request",  # 4xx other than 429: the request itself is wrong
    "replay_miss",  # replay/: no recorded answer for this task, sample and prompt
    "budget",  # not sent: --max-cost reached
    "cancelled",  # cancelled by a second Ctrl-C
    "extraction",  # no code could be extracted from the answer
    "internal",  # a bug in arcforge, recorded instead of killing the run
]


@dataclass(slots=True)
class RequestContext:
    """What the runner knows about a request beyond its messages.

    ``task`` never holds test outputs. ``builtin/`` models answer from the task;
    ``replay/`` matches recorded answers by task id, sample and prompt hash.
    """

    task: Task
    sample: int
    kind: Literal["reasoning", "code", "predict"]
    prompt_hash: str
    run_id: str = ""  # names the run in request log lines
    # optional concurrency gate (see arcforge.models.retry.Gate): a slot is held only while a
    # request is on the wire, never during a backoff sleep
    gate: Any = None
    test_index: int | None = None  # direct answers: the test input asked for
    round: int = 1  # refinement: the round of the sample (later rounds follow feedback)


@dataclass(slots=True)
class ModelResponse:
    text: str
    model: str
    provider: str
    reasoning: str | None = None  # provider reasoning content, when returned
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    cost: float | None = None  # USD; None when no price is known
    latency_s: float = 0.0
    tries: int = 1
    # code models that write their code themselves (builtin/) may hand it over directly
    code: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["usage"] = self.usage.to_dict()
        return d


class ModelError(ArcforgeError):
    """A request that failed for good (after retries); ``kind`` is one of :data:`ErrorKind`."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        tries: int = 1,
        latency_s: float = 0.0,
        usage: Usage | None = None,
        text: str | None = None,
        response: ModelResponse | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.tries = tries
        self.latency_s = latency_s
        self.usage = usage or (response.usage if response else Usage())
        self.text = text if text is not None or response is None else response.text
        # the answer that was judged an error (empty content, finish_reason=length), with its
        # usage, cost and provider reasoning
        self.response = response
        self.retry_after = retry_after  # seconds the server asked to wait (429/503)


@runtime_checkable
class Model(Protocol):
    """A model provider. ``spec`` is the ``provider/name`` the user gave."""

    spec: str
    provider: str
    name: str
    price: Any  # arcforge.config.Price: USD per million tokens; None when unknown

    async def generate(
        self,
        messages: list[dict[str, Any]],
        context: RequestContext,
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> ModelResponse:
        """Answer the messages or raise :class:`ModelError`."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
