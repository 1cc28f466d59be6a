"""``get_model(spec)``: one factory for every provider, named ``provider/model``."""

from __future__ import annotations

from pathlib import Path

from arcforge.config import ConfigError, Settings
from arcforge.errors import UsageError
from arcforge.models.base import Model
from arcforge.models.retry import RetryPolicy

# provider -> (default base URL, settings field of its key or None when no key is needed)
OPENAI_COMPATIBLE: dict[str, tuple[str | None, str | None]] = {
    "openai": (None, "openai_api_key"),
    "openrouter": ("https://openrouter.ai/api/v1", "openrouter_api_key"),
    "ollama": ("http://localhost:11434/v1", None),
    "vllm": ("http://localhost:8000/v1", None),
    "openai-compatible": (None, None),
}
PROVIDERS = (*OPENAI_COMPATIBLE, "anthropic", "replay", "builtin")


def split_spec(spec: str) -> tuple[str, str]:
    """``openrouter/google/gemini-2.5-pro`` -> (``openrouter``, ``google/gemini-2.5-pro``)."""
    provider, sep, name = spec.partition("/")
    if not sep or not name or provider not in PROVIDERS:
        raise UsageError(
            f"--model {spec!r}: expected provider/model with provider one of "
            f"{', '.join(PROVIDERS)} (for example openai/gpt-4.1 or ollama/qwen2.5-coder:7b)"
        )
    return provider, name


def _secret(settings: Settings, field: str | None) -> str | None:
    value = getattr(settings, field) if field else None
    return value.get_secret_value() if value is not None else None


def get_model(spec: str, settings: Settings | None = None, base_url: str | None = None) -> Model:
    """Build the model named by ``spec``; ``base_url`` (or ``settings.base_url``) overrides
    the provider's default endpoint. Raises a clear error for an unknown provider or a
    missing key (naming the environment variable, never a key)."""
    settings = settings or Settings()
    provider, name = split_spec(spec)
    base_url = base_url or settings.base_url
    policy = RetryPolicy(settings.max_retries, settings.backoff_base_s, settings.backoff_max_s)
    price = settings.price_for(spec, name)
    if provider in OPENAI_COMPATIBLE:
        default_url, key_field = OPENAI_COMPATIBLE[provider]
        url = base_url or default_url
        if provider == "openai-compatible" and not url:
            raise UsageError(f"--model {spec}: openai-compatible/ needs --base-url")
        # a provider's own key only goes to that provider; ARCFORGE_API_KEY goes to servers
        # named by --base-url and to openai-compatible/, ollama/ and vllm/
        key = _secret(settings, key_field)
        if not key and (base_url or not key_field):
            key = _secret(settings, "compatible_api_key")
        if key_field and not key and not base_url:
            from arcforge.config import KEY_ENV

            raise ConfigError(
                f"--model {spec}: {KEY_ENV[key_field]} is not set (environment or .env)"
            )
        from arcforge.models.openai_compat import OpenAICompatibleModel

        return OpenAICompatibleModel(
            spec, provider, name,
            base_url=url, api_key=key, policy=policy, timeout_s=settings.request_timeout_s,
            price=price, max_connections=max(8, settings.concurrency),
            token_param="max_completion_tokens" if provider == "openai" else "max_tokens",
            transport=settings.http_transport,
        )
    if provider == "anthropic":
        key = _secret(settings, "anthropic_api_key")
        if not key:
            raise ConfigError(f"--model {spec}: ANTHROPIC_API_KEY is not set (environment or .env)")
        from arcforge.models.anthropic_model import AnthropicModel

        return AnthropicModel(
            spec, name, api_key=key, base_url=base_url, policy=policy,
            timeout_s=settings.request_timeout_s, price=price,
            thinking_tokens=settings.anthropic_thinking_tokens,
        )
    if provider == "replay":
        from arcforge.models.replay import ReplayModel

        return ReplayModel(spec, Path(name))
    from arcforge.models.builtin import BuiltinDSLModel

    return BuiltinDSLModel(spec, time_budget_s=settings.builtin_time_budget_s)
