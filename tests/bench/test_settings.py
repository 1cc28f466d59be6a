"""Settings precedence: defaults < arcforge.toml < environment/.env < command-line values."""

from __future__ import annotations

from pathlib import Path

import pytest

from arcforge.config import ConfigError, load_settings
from arcforge.errors import UsageError

from .helpers import FAKE_KEY


def test_each_layer_overrides_the_one_below(isolated: Path, monkeypatch: pytest.MonkeyPatch):
    assert load_settings(env_file=None).concurrency == 8  # the default
    (isolated / "arcforge.toml").write_text("concurrency = 3\nsamples = 2\nencoding = 'digits'\n")
    s = load_settings(env_file=None)
    assert (s.concurrency, s.samples, s.encoding) == (3, 2, "digits")
    (isolated / ".env").write_text("ARCFORGE_SAMPLES=5\nARCFORGE_ENCODING=json\n")
    s = load_settings()
    assert (s.concurrency, s.samples, s.encoding) == (3, 5, "json")
    monkeypatch.setenv("ARCFORGE_SAMPLES", "6")  # the environment beats .env
    assert load_settings().samples == 6
    s = load_settings(overrides={"samples": 9, "concurrency": None})  # None: flag not given
    assert (s.samples, s.concurrency) == (9, 3)


def test_config_flag_names_another_file(isolated: Path):
    other = isolated / "other.toml"
    other.write_text("[arcforge]\nmodel = 'ollama/qwen'\n[arcforge.prices.'ollama/qwen']\n"
                     "input = 1.5\noutput = 2.5\n")
    s = load_settings(other, env_file=None)
    assert s.model == "ollama/qwen"
    assert s.price_for("ollama/qwen", "qwen").output == 2.5
    assert s.price_for("openai/gpt-4.1", "gpt-4.1") is not None  # defaults are kept
    with pytest.raises(UsageError, match=r"missing\.toml"):
        load_settings(isolated / "missing.toml")


def test_keys_come_only_from_the_environment(isolated: Path, monkeypatch: pytest.MonkeyPatch):
    (isolated / "arcforge.toml").write_text(f"openai_api_key = '{FAKE_KEY}'\n")
    with pytest.raises(ConfigError, match=r"arcforge\.toml") as err:
        load_settings(env_file=None)
    assert FAKE_KEY not in str(err.value)
    (isolated / "arcforge.toml").unlink()
    (isolated / ".env").write_text(f"OPENAI_API_KEY={FAKE_KEY}\n")
    s = load_settings()
    assert s.secrets() == [FAKE_KEY]
    public = s.public_dict()
    assert FAKE_KEY not in repr(public) and public["keys_set"] == ["OPENAI_API_KEY"]
    assert s.redact(f"Bearer {FAKE_KEY}!") == "Bearer [redacted]!"


def test_bad_values_name_their_source(isolated: Path, monkeypatch: pytest.MonkeyPatch):
    (isolated / "arcforge.toml").write_text("concurrency = 0\n")
    with pytest.raises(ConfigError, match=r"concurrency \(.*arcforge.toml\)"):
        load_settings(env_file=None)
    (isolated / "arcforge.toml").write_text("concurency = 4\n")
    with pytest.raises(ConfigError, match="unknown setting 'concurency'"):
        load_settings(env_file=None)
    (isolated / "arcforge.toml").write_text("samples = [\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(env_file=None)
    (isolated / "arcforge.toml").unlink()
    monkeypatch.setenv("ARCFORGE_TEMPERATURE", "hot")
    with pytest.raises(ConfigError, match="ARCFORGE_TEMPERATURE"):
        load_settings(env_file=None)
