"""The run folder's record format: one :class:`SampleRecord` per finished sample.

This is the contract between the runners (which write it), scoring and export (which
read it), ``arcforge merge`` and the studio's run viewer. Files of a run folder::

    runs/<run_id>/run.json                      RunInfo: resolved configuration
    runs/<run_id>/results.jsonl                 journal: one SampleRecord per line
    runs/<run_id>/results_<YYYYMMDD_HHMMSS>.json  {"metadata": RunInfo + status, "results": [...]}
    runs/<run_id>/summary.json, submission/, submission.json, report.html  (code runs)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

RUN_INFO = "run.json"
JOURNAL = "results.jsonl"
FINAL_PREFIX = "results_"
SUMMARY = "summary.json"
REPORT = "report.html"
LOG = "run.log"

Kind = Literal["reasoning", "code"]


@dataclass(slots=True)
class SampleRecord:
    """One sample of one task: the request, the answer (or error) and, for code, its verdicts."""

    run_id: str
    kind: Kind
    task_id: str
    task_version: int
    sample: int
    model: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    prompt_hash: str = ""
    response: str | None = None  # full response text
    reasoning: str | None = None  # the reasoning: the answer text without code, for traces
    provider_reasoning: str | None = None  # reasoning content returned by the provider
    code: str | None = None
    usage: dict[str, int] = field(
        default_factory=lambda: {"input_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0}
    )
    cost: float | None = None
    latency_s: float = 0.0
    tries: int = 0
    finish_reason: str | None = None
    error: dict[str, str] | None = None  # {"kind": ErrorKind, "message": str}
    verification: dict[str, Any] | None = None  # Verification.to_dict() for code runs
    started_at: str = ""  # ISO 8601 UTC
    finished_at: str = ""

    @property
    def key(self) -> tuple[str, int, int]:
        """(task id, task version, sample): unique within a run."""
        return (self.task_id, self.task_version, self.sample)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SampleRecord:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})
