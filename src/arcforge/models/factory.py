"""``get_model(spec)``: one factory for every provider of :mod:`arcforge.models.registry`."""

from __future__ import annotations

from arcforge.config import ConfigError, Settings
from arcforge.errors import UsageError
from arcforge.models.base import Model
from arcforge.models.registry import PROVIDERS, SHARED_KEY_ENV, lookup


def split_spec(spec: str) -> tuple[str, str]:
    """``openrouter/google/gemini-2.5-pro`` -> (``openrouter``, ``google/gemini-2.5-pro``)."""
    provider, name = lookup(spec)
    return provider.name, name


def get_model(spec: str, settings: Settings | None = None, base_url: str | None = None) -> Model:
    """Build the model named by ``spec``; ``base_url`` (or ``settings.base_url``) overrides
    the provider's default endpoint. Raises a clear error for an unknown provider or a
    missing key (naming the environment variable, never a key).

    A provider's own key only goes to that provider; ``ARCFORGE_API_KEY`` goes to servers
    named by ``--base-url`` and to providers that need no key of their own.
    """
    settings = settings or Settings()
    provider, name = lookup(spec)
    base_url = base_url or settings.base_url
    key = settings.key(provider.key_env) if provider.key_env else None
    if not key and (base_url or not provider.key_env):
        key = settings.key(SHARED_KEY_ENV)
    if provider.key_env and not key and not base_url:
        raise ConfigError(f"--model {spec}: {provider.key_env} is not set (environment or .env)")
    url = base_url or provider.base_url
    if provider.needs_base_url and not url:
        raise UsageError(f"--model {spec}: {provider.name}/ needs --base-url")
    return provider.build()(spec, provider, name, settings, url, key)


__all__ = ["PROVIDERS", "get_model", "split_spec"]
