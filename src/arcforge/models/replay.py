"""``replay/<results file>``: answers from a recorded run, matched by task, sample and prompt.

The file may be a final ``results_*.json``, a ``results.jsonl`` journal, or a run folder.
A recorded error is replayed as the same error; a request with no recorded answer (other
task, sample or prompt) fails with the error kind ``replay_miss``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from arcforge.config import ConfigError
from arcforge.models.base import ModelError, ModelResponse, RequestContext
from arcforge.runfiles import RunFileError, SampleRecord, read_results

# Errors that came from the model and are replayed as such; others were never answers.
REPLAYED_ERRORS = {
    "rate_limit", "server_error", "timeout", "connection", "bad_response", "empty_content",
    "length", "auth", "bad_request",
}


def read_recorded(path: Path) -> list[SampleRecord]:
    """The records of a results file, journal or run folder."""
    try:
        return read_results(path).records
    except RunFileError as exc:
        raise ConfigError(f"replay/{exc}") from None


class ReplayModel:
    """Answers exactly what a recorded run answered."""

    provider = "replay"
    price = None  # replayed answers cost nothing; the recorded cost stays in ``extra``

    def __init__(self, spec: str, path: Path) -> None:
        self.spec, self.name, self.path = spec, str(path), path
        self._answers: dict[tuple[str, int, str], SampleRecord] = {}
        for record in read_recorded(path):
            if record.response is not None or record.error_kind in REPLAYED_ERRORS:
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
        response = ModelResponse(
            text=record.response or "",
            model=record.model,
            provider="replay",
            reasoning=record.provider_reasoning,
            usage=record.usage.model_copy(),
            finish_reason=record.finish_reason,
            cost=0.0,
            latency_s=0.0,
            tries=1,
            extra={"recorded_run": record.run_id, "recorded_cost": record.cost},
        )
        error = record.error
        if error is not None and error.kind in REPLAYED_ERRORS:
            raise ModelError(error.kind, f"replayed: {error.message}",  # type: ignore[arg-type]
                             response=response if record.response is not None else None)
        return response

    async def aclose(self) -> None:
        pass


def build(spec: str, provider: Any, name: str, settings: Any, base_url: str | None,
          key: str | None) -> ReplayModel:
    """The registry's builder (see :mod:`arcforge.models.registry`)."""
    return ReplayModel(spec, Path(name))
