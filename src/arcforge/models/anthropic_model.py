"""Anthropic models through the official ``anthropic`` SDK (the optional ``anthropic`` extra).

Thinking blocks become the answer's provider reasoning. Set ``anthropic_thinking_tokens``
to ask for extended thinking with that budget.
"""

from __future__ import annotations

from typing import Any

from arcforge.config import ConfigError, Price, Settings
from arcforge.models.api import APIModel, retry_policy, status_error
from arcforge.models.base import ModelResponse, Usage
from arcforge.models.pricing import cost_of
from arcforge.models.registry import Provider
from arcforge.models.retry import RetryPolicy, Transient, parse_retry_after

DEFAULT_MAX_TOKENS = 8192


class AnthropicModel(APIModel):
    LENGTH_REASONS = ("max_tokens",)

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
        super().__init__(spec, "anthropic", name, policy=policy, price=price, api_key=api_key)
        self.thinking_tokens = thinking_tokens
        self._sdk = anthropic
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s
        )

    def params(self, messages: list[dict[str, Any]], temperature: float | None,
               max_tokens: int | None) -> dict[str, Any]:
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
        return params

    async def post(self, params: dict[str, Any]) -> Any:
        sdk = self._sdk
        try:
            return await self._client.messages.create(**params)
        except sdk.APITimeoutError:
            raise Transient("timeout", "the request timed out") from None
        except sdk.APIConnectionError as exc:
            raise Transient("connection", self.clean(f"connection failed: {exc}")) from None
        except sdk.APIStatusError as exc:
            retry_after = parse_retry_after(getattr(exc.response, "headers", None))
            message = self.clean(f"HTTP {exc.status_code}: {exc.message}"[:500])
            raise status_error(exc.status_code, message, retry_after) from None

    def response(self, message: Any) -> ModelResponse:
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


def build(spec: str, provider: Provider, name: str, settings: Settings, base_url: str | None,
          key: str | None) -> AnthropicModel:
    return AnthropicModel(
        spec, name, api_key=key or "no-key", base_url=base_url, policy=retry_policy(settings),
        timeout_s=settings.request_timeout_s, price=settings.price_for(spec, name),
        thinking_tokens=settings.anthropic_thinking_tokens,
    )
