"""Every OpenAI-compatible endpoint (OpenAI, OpenRouter, Ollama, vLLM, any ``--base-url``)
through the official ``openai`` SDK's async client.

The SDK's own retries are off (``max_retries=0``): :func:`with_retries` does bounded retries
with backoff, jitter and Retry-After. Bodies are read with ``with_raw_response`` and parsed
as plain JSON, which costs less CPU per request than building the SDK's typed objects and
lets a malformed body be told apart from a protocol error.
"""

from __future__ import annotations

import json
from typing import Any

from arcforge.config import ConfigError, Price, Settings
from arcforge.models.api import APIModel, retry_policy, status_error
from arcforge.models.base import ModelError, ModelResponse, Usage
from arcforge.models.pricing import cost_of
from arcforge.models.registry import Provider
from arcforge.models.retry import RetryPolicy, Transient, parse_retry_after


def _timed_out(exc: BaseException) -> bool:
    """Whether a transport error was a timeout. The aiohttp transport reports a refused or
    reset connection as ``ConnectTimeout``, so the original cause decides."""
    causes = []
    cause = exc.__cause__
    while cause is not None and len(causes) < 8:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(c, TimeoutError) for c in causes):
        return True
    return not any(isinstance(c, OSError) for c in causes)


class OpenAICompatibleModel(APIModel):
    """A chat-completions model behind one reused ``AsyncOpenAI`` client."""

    def __init__(
        self,
        spec: str,
        provider: str,
        name: str,
        *,
        base_url: str | None,
        api_key: str | None,
        policy: RetryPolicy,
        timeout_s: float,
        price: Price | None = None,
        max_connections: int = 64,
        token_param: str = "max_tokens",
        transport: str = "aiohttp",
    ) -> None:
        import httpx2
        import openai

        super().__init__(spec, provider, name, policy=policy, price=price, api_key=api_key)
        self.base_url = base_url
        self.token_param = token_param
        limits = httpx2.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
        )
        # the SDK's aiohttp transport costs about a third less CPU per request than its
        # default httpx transport (benchmarks/bench_runner.py)
        http_client = (openai.DefaultAioHttpClient if transport == "aiohttp"
                       else openai.DefaultAsyncHttpxClient)
        try:
            client = http_client(limits=limits, timeout=timeout_s)
        except RuntimeError as exc:  # the aiohttp extra is missing
            raise ConfigError(f"http_transport=aiohttp: {exc}; install openai[aiohttp] or "
                              "set http_transport = 'httpx'") from None
        self._client = openai.AsyncOpenAI(
            api_key=api_key or "no-key",
            base_url=base_url,
            max_retries=0,
            timeout=timeout_s,
            http_client=client,
        )
        self._openai = openai
        self._raw = httpx2.Response

    def params(self, messages: list[dict[str, Any]], temperature: float | None,
               max_tokens: int | None) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.name, "messages": messages}
        if temperature is not None:
            params["temperature"] = temperature
        if max_tokens is not None:
            params[self.token_param] = max_tokens
        return params

    async def post(self, params: dict[str, Any]) -> dict[str, Any]:
        oa = self._openai
        try:
            raw = await self._client.post("/chat/completions", body=params, cast_to=self._raw)
        except oa.APIConnectionError as exc:
            if isinstance(exc, oa.APITimeoutError) and _timed_out(exc):
                raise Transient("timeout", "the request timed out") from None
            raise Transient("connection", self.clean(f"connection failed: {exc}")) from None
        except oa.APIStatusError as exc:
            retry_after = parse_retry_after(getattr(exc.response, "headers", None))
            message = self.clean(f"HTTP {exc.status_code}: {exc.message}"[:500])
            raise status_error(exc.status_code, message, retry_after) from None
        content = raw.content
        try:
            body = json.loads(content)
        except ValueError:
            snippet = content[:120].decode("utf-8", "replace")
            raise Transient("bad_response", f"the body is not JSON: {snippet!r}") from None
        if not isinstance(body, dict) or not body.get("choices"):
            if isinstance(body, dict) and body.get("error"):
                message = self.clean(str(body["error"])[:300])
                raise Transient("server_error", f"the provider returned an error: {message}")
            raise Transient("bad_response", "the body has no choices")
        return body

    def response(self, body: dict[str, Any]) -> ModelResponse:
        try:
            choice = body["choices"][0]
            message = choice.get("message") or {}
            usage_raw = body.get("usage") or {}
            details = usage_raw.get("completion_tokens_details") or {}
            usage = Usage(
                input_tokens=int(usage_raw.get("prompt_tokens") or 0),
                output_tokens=int(usage_raw.get("completion_tokens") or 0),
                reasoning_tokens=int(details.get("reasoning_tokens") or 0),
            )
            reported = usage_raw.get("cost")
            reasoning = message.get("reasoning_content") or message.get("reasoning") or None
            text = message.get("content")
            return ModelResponse(
                text=text if isinstance(text, str) else "",
                model=str(body.get("model") or self.name),
                provider=self.provider,
                reasoning=reasoning if isinstance(reasoning, str) else None,
                usage=usage,
                finish_reason=choice.get("finish_reason"),
                cost=cost_of(usage, self.price,
                             reported if isinstance(reported, int | float) else None),
                extra={"id": body["id"]} if "id" in body else {},
            )
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise ModelError("bad_response", f"unexpected response shape: {exc!r}") from None

    async def aclose(self) -> None:
        await self._client.close()


def build(spec: str, provider: Provider, name: str, settings: Settings, base_url: str | None,
          key: str | None) -> OpenAICompatibleModel:
    return OpenAICompatibleModel(
        spec, provider.name, name, base_url=base_url, api_key=key,
        policy=retry_policy(settings), timeout_s=settings.request_timeout_s,
        price=settings.price_for(spec, name), max_connections=max(8, settings.concurrency),
        token_param=provider.options.get("token_param", "max_tokens"),
        transport=settings.http_transport,
    )
