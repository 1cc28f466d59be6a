"""Anthropic models through the official ``anthropic`` SDK (the optional ``anthropic`` extra).

Thinking blocks become the answer's provider reasoning. Set ``anthropic_thinking_tokens``
to ask for extended thinking with that budget.
"""

from __future__ import annotations

from typing import Any

from arcforge.config import ConfigError, Price, redact
from arcforge.models.base import ModelError, ModelResponse, RequestContext, Usage
from arcforge.models.pricing import cost_of
from arcforge.models.retry import RetryPolicy, Transient, parse_retry_after, with_retries

DEFAULT_MAX_TOKENS = 8192


class AnthropicModel:
    def __init__(
        self,
        spec: str,
        name: str,
        *,
        api_key: str,
        base_url: str | None,
        policy: RetryPolicy,
        timeout_s: float,
        price: Price | None = None,
        thinking_tokens: int | None = None,
    ) -> None:
        try:
            import anthropic
        except ImportError:
            raise ConfigError(
                f"{spec}: the anthropic SDK is not installed; install arcforge[anthropic]"
            ) from None
        self.spec, self.provider, self.name = spec, "anthropic", name
        self.policy, self.price, self.thinking_tokens = policy, price, thinking_tokens
        self._secrets = [api_key]
        self._sdk = anthropic
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s
        )

    async def generate(
        self,
        messages: list[dict[str, Any]],
        context: RequestContext | None = None,
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> ModelResponse:
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        chat = [m for m in messages if m["role"] != "system"]
        params: dict[str, Any] = {
            "model": self.name,
            "messages": chat,
            "max_tokens": max_tokens or DEFAULT_MAX_TOKENS,
        }
        if system:
            params["system"] = system
        if self.thinking_tokens:
            params["thinking"] = {"type": "enabled", "budget_tokens": self.thinking_tokens}
        elif temperature is not None:
            params["temperature"] = temperature

        async def attempt() -> Any:
            return await self._post(params)

        message, tries, latency = await with_retries(attempt, self.policy, context, self.spec)
        response = self._response(message)
        response.tries, response.latency_s = tries, latency
        if response.finish_reason == "max_tokens":
            raise ModelError("length", "the answer was cut at max_tokens (stop_reason=max_tokens)",
                             tries=tries, latency_s=latency, response=response)
        if not response.text.strip():
            raise ModelError("empty_content", "the model answered no text",
                             tries=tries, latency_s=latency, response=response)
        return response

    async def _post(self, params: dict[str, Any]) -> Any:
        sdk = self._sdk
        try:
            return await self._client.messages.create(**params)
        except sdk.APITimeoutError:
            raise Transient("timeout", "the request timed out") from None
        except sdk.APIConnectionError as exc:
            message = redact(f"connection failed: {exc}", self._secrets)
            raise Transient("connection", message) from None
        except sdk.APIStatusError as exc:
            status = exc.status_code
            retry_after = parse_retry_after(getattr(exc.response, "headers", None))
            message = redact(f"HTTP {status}: {exc.message}"[:500], self._secrets)
            if status == 429:
                raise Transient("rate_limit", message, retry_after) from None
            if status >= 500 or status == 408:
                raise Transient("server_error", message, retry_after) from None
            if status in (401, 403):
                raise ModelError("auth", message) from None
            raise ModelError("bad_request", message) from None

    def _response(self, message: Any) -> ModelResponse:
        texts, thoughts = [], []
        for block in message.content or []:
            if block.type == "text":
                texts.append(block.text)
            elif block.type == "thinking":
                thoughts.append(block.thinking)
        usage = Usage(
            input_tokens=message.usage.input_tokens or 0,
            output_tokens=message.usage.output_tokens or 0,
        )
        return ModelResponse(
            text="".join(texts),
            model=message.model or self.name,
            provider="anthropic",
            reasoning="\n\n".join(thoughts) or None,
            usage=usage,
            finish_reason=message.stop_reason,
            cost=cost_of(usage, self.price),
            extra={"id": message.id},
        )

    async def aclose(self) -> None:
        await self._client.close()
