"""The base of every model behind an HTTP API: retries, error kinds and answer checks,
written once.

A provider subclass says how to build a request (:meth:`APIModel.params`), send it
(:meth:`APIModel.post`, raising :func:`status_error` for HTTP failures) and read the
answer (:meth:`APIModel.response`), and which finish reasons mean "cut at max_tokens".
:meth:`APIModel.generate` does the rest: bounded retries with backoff and Retry-After,
and one judgement of every answer (cut at the length limit, or empty).
"""

from __future__ import annotations

from typing import Any, ClassVar

from arcforge.config import Price, Settings, redact
from arcforge.models.base import ModelError, ModelResponse, RequestContext
from arcforge.models.retry import RetryPolicy, Transient, with_retries


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(settings.max_retries, settings.backoff_base_s, settings.backoff_max_s)


def status_error(status: int, message: str, retry_after: float | None = None) -> Exception:
    """What an HTTP error status means for the request, for every provider alike.

    429 is a rate limit and 5xx, 408 and 409 a server error: both are tried again. 401 and
    403 are a key missing or refused, any other 4xx a request that is wrong as sent.
    """
    if status == 429:
        return Transient("rate_limit", message, retry_after)
    if status >= 500 or status in (408, 409):
        return Transient("server_error", message, retry_after)
    if status in (401, 403):
        return ModelError("auth", message)
    return ModelError("bad_request", message)


class APIModel:
    """A model reached over HTTP with an API key; ``price`` is USD per million tokens."""

    LENGTH_REASONS: ClassVar[tuple[str, ...]] = ("length",)  # finish reasons: cut at the limit

    def __init__(self, spec: str, provider: str, name: str, *, policy: RetryPolicy,
                 price: Price | None, api_key: str | None) -> None:
        self.spec, self.provider, self.name = spec, provider, name
        self.policy = policy
        self.price = price
        self._secrets = [api_key] if api_key else []

    def clean(self, text: str) -> str:
        """``text`` without the key (providers sometimes echo it in errors)."""
        return redact(text, self._secrets)

    def params(self, messages: list[dict[str, Any]], temperature: float | None,
               max_tokens: int | None) -> dict[str, Any]:
        raise NotImplementedError

    async def post(self, params: dict[str, Any]) -> Any:
        """Send one try; raise :class:`Transient` or :class:`ModelError` when it fails."""
        raise NotImplementedError

    def response(self, body: Any) -> ModelResponse:
        raise NotImplementedError

    async def generate(
        self,
        messages: list[dict[str, Any]],
        context: RequestContext | None = None,
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> ModelResponse:
        params = self.params(messages, temperature, max_tokens)

        async def attempt() -> Any:
            return await self.post(params)

        body, tries, latency = await with_retries(attempt, self.policy, context, self.spec)
        answer = self.response(body)
        answer.tries, answer.latency_s = tries, latency
        if answer.finish_reason in self.LENGTH_REASONS:
            raise ModelError("length", f"the answer was cut at max_tokens (finish_reason="
                             f"{answer.finish_reason})", tries=tries, latency_s=latency,
                             response=answer)
        if not answer.text.strip():
            raise ModelError("empty_content", f"the model answered no content (finish_reason="
                             f"{answer.finish_reason})", tries=tries, latency_s=latency,
                             response=answer)
        return answer
