"""Settings of the bench: defaults < ``arcforge.toml`` (or ``--config FILE``) < environment
and ``.env`` < command-line flags.

API keys come only from the environment or ``.env``: every variable named ``*_API_KEY``
(each provider of :mod:`arcforge.models.registry` names its own); a key found in a settings
file is an error. :meth:`Settings.public_dict` is what a run folder records (no keys), and
:func:`redact` removes key strings from any text before it is logged or shown.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, InitSettingsSource, SettingsConfigDict

from arcforge.errors import ArcforgeError, UsageError

DEFAULT_CONFIG_FILE = "arcforge.toml"
REDACTED = "[redacted]"

KEY_SUFFIX = "_API_KEY"  # environment variables holding API keys end so


def environment_keys(env_file: str | Path | None = ".env") -> dict[str, SecretStr]:
    """Every ``*_API_KEY`` of the environment (winning) and of ``env_file``, when set."""
    values: dict[str, str | None] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update(dotenv_values(env_file))
    values.update(os.environ)
    return {k: SecretStr(v) for k, v in sorted(values.items()) if k.endswith(KEY_SUFFIX) and v}


class ConfigError(ArcforgeError):
    """A settings file or value that cannot be used."""


class Price(BaseModel):
    """USD per million tokens. Reasoning tokens are billed as output tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)


# A starting price table (USD per million tokens); extend or override it in arcforge.toml
# under [prices."provider/model"] or [prices."model"].
DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4.1": Price(input=2.0, output=8.0),
    "gpt-4.1-mini": Price(input=0.4, output=1.6),
    "gpt-4.1-nano": Price(input=0.1, output=0.4),
    "gpt-4o": Price(input=2.5, output=10.0),
    "gpt-4o-mini": Price(input=0.15, output=0.6),
    "o3": Price(input=2.0, output=8.0),
    "o4-mini": Price(input=1.1, output=4.4),
    "claude-sonnet-4-5": Price(input=3.0, output=15.0),
    "claude-opus-4-1": Price(input=15.0, output=75.0),
    "claude-haiku-4-5": Price(input=1.0, output=5.0),
}


class StudioSettings(BaseModel):
    """The studio's rules and limits: ``[studio]`` in ``arcforge.toml``, environment
    variables ``ARCFORGE_STUDIO__<NAME>``, and ``arcforge serve`` flags."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    private: bool = False  # only logged-in users read anything; no open sign-up
    trust_proxy_headers: bool = False  # honour X-Forwarded-Proto / X-Forwarded-For
    max_body_bytes: int = Field(256 * 1024, ge=1024)
    session_max_age_s: int = Field(30 * 24 * 3600, ge=60)
    # logins: attempts per account and client address, and per client address, per window;
    # a login that succeeds is not counted. No limit on an account alone: nobody can lock
    # someone else out.
    login_limit_per_account: int = Field(10, ge=1)
    login_limit_per_ip: int = Field(50, ge=1)
    login_window_s: float = Field(300.0, gt=0)
    signup_limit_per_ip: int = Field(5, ge=0)  # accounts created per client address a window
    signup_window_s: float = Field(3600.0, gt=0)
    # the study protocol: attempts per person and hidden test output (every version asking
    # for it shares them; 2 for ARC Prize parity, 3 for H-ARC), whether practice is offered,
    # whether other people's traces open once a person may see a task's answers
    study_per_output: int = Field(2, ge=1, le=100)
    practice: bool = True
    traces_after_solving: bool = True
    practice_per_output: int = Field(20, ge=0)
    practice_per_hour: int = Field(60, ge=0)  # practice attempts per person an hour, all tasks
    preview_limit: int = Field(120, ge=1)  # variation previews per person or address a window
    preview_window_s: float = Field(60.0, gt=0)
    versions_per_user: int = Field(20, ge=1)  # versions one person may create of one task
    versions_page: int = Field(50, ge=1)  # versions listed in a task's answer (rest: /versions)


class Settings(BaseSettings):
    """Every setting of arcforge. Environment variables are ``ARCFORGE_<NAME>`` (studio
    settings ``ARCFORGE_STUDIO__<NAME>``)."""

    model_config = SettingsConfigDict(
        env_prefix="ARCFORGE_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        extra="ignore",
        populate_by_name=True,
    )

    model: str = "openai/gpt-4.1-mini"
    data: str = "arc-agi-1/evaluation"
    samples: int = Field(1, ge=1)
    concurrency: int = Field(8, ge=1, le=1024)
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, ge=1)
    out: Path = Path("runs")
    max_cost: float | None = Field(None, ge=0)
    max_cost_per_task: float | None = Field(None, ge=0)
    augment: str | None = None  # comma-separated: sample s sees the task under entry s mod n
    rounds: int = Field(1, ge=1, le=32)  # codegen: rounds of execution feedback per sample
    base_url: str | None = None
    encoding: Literal["json", "digits"] = "json"
    request_timeout_s: float = Field(300.0, gt=0)
    max_retries: int = Field(5, ge=0, le=20)
    backoff_base_s: float = Field(1.0, ge=0)
    backoff_max_s: float = Field(60.0, ge=0)
    verify_concurrency: int = Field(2, ge=1, le=64)
    anthropic_thinking_tokens: int | None = Field(None, ge=1024)
    builtin_time_budget_s: float = Field(10.0, gt=0)
    # builtin/dsl: candidate programs per search at most (the same on every machine)
    builtin_search_candidates: int | None = Field(None, ge=1)
    # HTTP transport under the openai SDK: aiohttp (the SDK's extra; less CPU per request)
    # or httpx (the SDK's default)
    http_transport: Literal["aiohttp", "httpx"] = "aiohttp"
    # the sandbox of code runs (recorded in run.json: they decide verdicts)
    sandbox_isolation: Literal["auto", "bwrap", "process"] = "auto"
    sandbox_timeout_s: float = Field(5.0, gt=0)
    sandbox_memory_mb: int = Field(1024, ge=256)
    sandbox_packages: str = "numpy"  # comma-separated: what programs may import
    prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
    studio: StudioSettings = Field(default_factory=StudioSettings)

    # by environment variable name; never from a settings file (see environment_keys)
    api_keys: dict[str, SecretStr] = Field(default_factory=environment_keys, exclude=True)

    def key(self, env_name: str) -> str | None:
        """The key held by the environment variable ``env_name``, if set."""
        value = self.api_keys.get(env_name)
        return value.get_secret_value() if value is not None else None

    def secrets(self) -> list[str]:
        """The API key strings that are set (to redact)."""
        return [k.get_secret_value() for k in self.api_keys.values() if k.get_secret_value()]

    def public_dict(self) -> dict[str, Any]:
        """Every setting except the keys, as JSON-ready values."""
        data = self.model_dump(mode="json")
        data["keys_set"] = sorted(self.api_keys)
        return data

    def price_for(self, spec: str, name: str) -> Price | None:
        """The price of a model by full spec (``openai/gpt-4.1``) or by name (``gpt-4.1``)."""
        return self.prices.get(spec) or self.prices.get(name)

    def redact(self, text: str) -> str:
        return redact(text, self.secrets())


def redact(text: str, secrets: list[str]) -> str:
    """Replace every secret string in ``text`` (keys shorter than 4 characters are kept)."""
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


def read_config_file(path: Path) -> dict[str, Any]:
    """Read a TOML settings file; keys are refused, unknown names are named."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the settings file: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    section = data.get("arcforge", data)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [arcforge] must be a table")
    fields = set(Settings.model_fields)
    for name in section:
        if "api_key" in name.lower():
            raise ConfigError(
                f"{path}: {name!r}: API keys are read only from the environment or .env "
                f"(variables named *{KEY_SUFFIX}), never from a settings file"
            )
        if name not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(f"{path}: unknown setting {name!r}; known: {known}")
    return dict(section)


def _where(name: str, overrides: dict[str, Any], file: Path | None, file_values: dict) -> str:
    if name in overrides:
        return f"--{name.replace('_', '-')}"
    env = f"ARCFORGE_{name.upper()}"
    if env in os.environ:
        return f"environment variable {env}"
    if file is not None and name in file_values:
        return str(file)
    return "defaults or .env"


def load_settings(
    config_file: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    env_file: str | Path | None = ".env",
    defaults: dict[str, Any] | None = None,
) -> Settings:
    """Resolve the settings: built-in defaults < ``defaults`` (a command's own, such as two
    samples for direct answers) < config file < environment/.env < ``overrides``.

    ``config_file`` defaults to ``arcforge.toml`` in the working folder when it exists.
    ``overrides`` holds command-line values; ``None`` values are ignored.
    """
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    for name in overrides:
        if "api_key" in name.lower():
            raise UsageError(f"{name}: API keys are read only from the environment or .env")
    path: Path | None
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise UsageError(f"--config {path}: no such file")
    else:
        path = Path(DEFAULT_CONFIG_FILE) if Path(DEFAULT_CONFIG_FILE).is_file() else None
    file_values = read_config_file(path) if path is not None else {}
    if isinstance(file_values.get("prices"), dict):  # the file extends the default table
        defaults = {k: v.model_dump() for k, v in DEFAULT_PRICES.items()}
        file_values["prices"] = {**defaults, **file_values["prices"]}

    class _Resolved(Settings):
        @classmethod
        def settings_customise_sources(
            cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
        ):
            return (
                init_settings,
                env_settings,
                dotenv_settings,
                InitSettingsSource(settings_cls, file_values),
                InitSettingsSource(settings_cls, dict(defaults or {})),
            )

    try:
        resolved = _Resolved(_env_file=env_file, api_keys=environment_keys(env_file),
                             **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "?"
            field = ".".join(str(p) for p in err["loc"])
            where = _where(name, overrides, path, file_values)
            problems.append(f"setting {field} ({where}): {err['msg']}")
        raise ConfigError("; ".join(problems)) from None
    return Settings.model_construct(**dict(resolved))
