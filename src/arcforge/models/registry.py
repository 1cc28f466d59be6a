"""Every model provider, declared once: its name, how to build it, its key and endpoint.

``get_model("provider/name")`` looks the provider up here. Adding a provider is one
:class:`Provider` line below and its class (an :class:`~arcforge.models.api.APIModel`
for an HTTP API): keys are read from the environment variable the line names (or
``.env``), and redacted everywhere with every other ``*_API_KEY``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from arcforge.errors import UsageError


@dataclass(frozen=True, slots=True)
class Provider:
    """How ``<name>/<model>`` specs are served.

    ``builder`` names a ``module:function`` taking ``(spec, provider, name, settings,
    base_url, key)`` and returning the model; it is imported only when used. ``key_env``
    is the variable holding this provider's own key (None: no key needed); a server named
    by ``--base-url`` (and providers with ``shared_key``) take ``ARCFORGE_API_KEY``.
    """

    name: str
    builder: str
    key_env: str | None = None
    base_url: str | None = None  # the default endpoint; None: the SDK's own
    needs_base_url: bool = False
    shared_key: bool = False
    options: dict[str, Any] = field(default_factory=dict)  # passed on to the builder

    def build(self) -> Callable[..., Any]:
        module, _, function = self.builder.partition(":")
        return getattr(importlib.import_module(module), function)


SHARED_KEY_ENV = "ARCFORGE_API_KEY"
OPENAI = "arcforge.models.openai_compat:build"

PROVIDERS: dict[str, Provider] = {p.name: p for p in (
    Provider("openai", OPENAI, key_env="OPENAI_API_KEY",
             options={"token_param": "max_completion_tokens"}),
    Provider("openrouter", OPENAI, key_env="OPENROUTER_API_KEY",
             base_url="https://openrouter.ai/api/v1"),
    Provider("ollama", OPENAI, base_url="http://localhost:11434/v1", shared_key=True),
    Provider("vllm", OPENAI, base_url="http://localhost:8000/v1", shared_key=True),
    Provider("openai-compatible", OPENAI, needs_base_url=True, shared_key=True),
    Provider("anthropic", "arcforge.models.anthropic_model:build", key_env="ANTHROPIC_API_KEY"),
    Provider("replay", "arcforge.models.replay:build"),
    Provider("builtin", "arcforge.models.builtin.model:build"),
)}


def lookup(spec: str) -> tuple[Provider, str]:
    """``openrouter/google/gemini-2.5-pro`` -> (the openrouter provider,
    ``google/gemini-2.5-pro``)."""
    provider, sep, name = spec.partition("/")
    if not sep or not name or provider not in PROVIDERS:
        raise UsageError(
            f"--model {spec!r}: expected provider/model with provider one of "
            f"{', '.join(PROVIDERS)} (for example openai/gpt-4.1 or ollama/qwen2.5-coder:7b)"
        )
    return PROVIDERS[provider], name
