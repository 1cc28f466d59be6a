"""``replay/<results file>``: answers from a recorded run, matched by task, sample and prompt.

The file may be a final ``results_*.json``, a ``results.jsonl`` journal, or a run folder.
A recorded error is replayed as the same error; a request with no recorded answer (other
task, sample or prompt) fails with the error kind ``replay_miss``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from arcforge.config import ConfigError
from arcforge.models.base import ModelError, ModelResponse, RequestContext, Usage
from arcforge.runs.journal import read_journal
from arcforge.runs.records import JOURNAL, SampleRecord

# Errors that came from the model and are replayed as such; others were never answers.
REPLAYED_ERRORS = {
    "rate_limit", "server_error", "timeout", "connection", "bad_response", "empty_content",
    "length", "auth", "bad_request",
}


def read_recorded(path: Path) -> list[SampleRecord]:
    """The records of a results file, journal or run folder."""
    if path.is_dir():
        path = path / JOURNAL
    if not path.is_file():
        raise ConfigError(f"replay/{path}: no such results file or run folder")
    if path.suffix == ".jsonl":
        return read_journal(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"replay/{path}: cannot read results: {exc}") from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise ConfigError(f"replay/{path}: no 'results' list in the file")
    try:
        return [SampleRecord.from_dict(r) for r in results]
    except TypeError as exc:
        raise ConfigError(f"replay/{path}: a result is not a record: {exc}") from None


class ReplayModel:
    """Answers exactly what a recorded run answered."""

    provider = "replay"

    def __init__(self, spec: str, path: Path) -> None:
        self.spec, self.name, self.path = spec, str(path), path
        self._answers: dict[tuple[str, int, str], SampleRecord] = {}
        for record in read_recorded(path):
            if record.response is not None or (record.error or {}).get("kind") in REPLAYED_ERRORS:
                self._answers[(record.task_id, record.sample, record.prompt_hash)] = record
        self.recorded_model = next((r.model for r in self._answers.values()), None)

    async def generate(
        self,
        messages: list[dict[str, Any]],
        context: RequestContext,
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> ModelResponse:
        key = (context.task.id, context.sample, context.prompt_hash)
        record = self._answers.get(key)
        if record is None:
            raise ModelError(
                "replay_miss",
                f"{self.path}: no recorded answer for task {context.task.key} sample "
                f"{context.sample} with prompt hash {context.prompt_hash[:12]}",
            )
        usage = Usage(**{k: int(v) for k, v in record.usage.items() if k in Usage.__slots__})
        response = ModelResponse(
            text=record.response or "",
            model=record.model,
            provider="replay",
            reasoning=record.provider_reasoning,
            usage=usage,
            finish_reason=record.finish_reason,
            cost=0.0,
            latency_s=0.0,
            tries=1,
            extra={"recorded_run": record.run_id, "recorded_cost": record.cost},
        )
        error = record.error
        if error and error.get("kind") in REPLAYED_ERRORS:
            raise ModelError(error["kind"], f"replayed: {error.get('message', '')}",
                             response=response if record.response is not None else None)
        return response

    async def aclose(self) -> None:
        pass
