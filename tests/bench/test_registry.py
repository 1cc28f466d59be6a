"""Providers are declared once (models/registry.py); error statuses mean the same for all."""

from __future__ import annotations

import pytest

from arcforge.config import ConfigError, load_settings
from arcforge.models import get_model
from arcforge.models.api import status_error
from arcforge.models.base import ModelError
from arcforge.models.registry import PROVIDERS, Provider
from arcforge.models.retry import Transient


class EchoModel:
    provider = "echo"
    price = None

    def __init__(self, spec: str, name: str, url: str | None, key: str | None) -> None:
        self.spec, self.name, self.url, self.key = spec, name, url, key


def build_echo(spec, provider, name, settings, base_url, key):  # the registry's signature
    return EchoModel(spec, name, base_url, key)


def test_a_new_provider_is_one_declaration(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setitem(PROVIDERS, "echo", Provider(
        "echo", f"{__name__}:build_echo", key_env="ECHO_API_KEY", base_url="http://e/v1"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ECHO_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="ECHO_API_KEY is not set"):
        get_model("echo/small", load_settings())
    monkeypatch.setenv("ECHO_API_KEY", "sk-echo-secret")
    settings = load_settings()
    model = get_model("echo/small", settings)
    assert (model.name, model.url, model.key) == ("small", "http://e/v1", "sk-echo-secret")
    assert "ECHO_API_KEY" in settings.public_dict()["keys_set"]
    assert settings.redact("key sk-echo-secret leaked") == "key [redacted] leaked"
    assert "sk-echo-secret" not in str(settings.public_dict())


def test_keys_come_from_dotenv_and_the_environment_wins(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    (tmp_path / ".env").write_text("OPENAI_API_KEY=from-dotenv\nOTHER=1\n")
    assert load_settings().key("OPENAI_API_KEY") == "from-dotenv"
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    assert load_settings().key("OPENAI_API_KEY") == "from-env"
    assert load_settings().key("OTHER") is None  # only *_API_KEY variables are keys


@pytest.mark.parametrize(("status", "kind", "transient"), [
    (429, "rate_limit", True), (500, "server_error", True), (503, "server_error", True),
    (408, "server_error", True), (409, "server_error", True), (401, "auth", False),
    (403, "auth", False), (400, "bad_request", False), (404, "bad_request", False),
    (422, "bad_request", False),
])
def test_one_meaning_of_each_status(status: int, kind: str, transient: bool) -> None:
    error = status_error(status, f"HTTP {status}", retry_after=2.0)
    assert isinstance(error, Transient if transient else ModelError)
    assert error.kind == kind
