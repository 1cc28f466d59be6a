"""Providers against the fake server: answers, reasoning, usage, cost, retries, error kinds."""

from __future__ import annotations

import logging

import pytest

from arcforge.config import ConfigError
from arcforge.errors import UsageError
from arcforge.models import ModelError, RequestContext, get_model
from fakeserver import FakeServer, Rule

from .helpers import FAKE_KEY, make_tasks

MESSAGES = [{"role": "user", "content": "explain the rule please"}]


def context() -> RequestContext:
    return RequestContext(make_tasks(1)[0], 0, "reasoning", "h")


async def ask(settings, **kwargs):
    model = get_model(settings.model, settings)
    try:
        return await model.generate(MESSAGES, context(), **kwargs)
    finally:
        await model.aclose()


async def test_answer_with_reasoning_usage_and_price_table_cost(fake_server, make_settings):
    fake_server.rules = [Rule(content="The rule is X.", reasoning_content="thinking...")]
    settings = make_settings(prices={"fake-model": {"input": 1.0, "output": 2.0}})
    answer = await ask(settings, temperature=0.2, max_tokens=100)
    assert answer.text == "The rule is X." and answer.reasoning == "thinking..."
    assert answer.finish_reason == "stop" and answer.tries == 1
    usage = answer.usage
    assert usage.input_tokens > 0 and usage.reasoning_tokens == len("thinking...") // 4
    assert answer.cost == pytest.approx((usage.input_tokens + 2 * usage.output_tokens) / 1e6)
    sent = fake_server.stats.received[-1]
    assert sent["temperature"] == 0.2 and sent["max_tokens"] == 100
    assert sent["messages"] == MESSAGES


async def test_openrouter_reasoning_field_and_reported_cost(fake_server, make_settings):
    fake_server.rules = [Rule(content="ok", reasoning="openrouter thoughts")]
    fake_server.report_cost = 0.0123
    answer = await ask(make_settings())
    assert answer.reasoning == "openrouter thoughts" and answer.cost == 0.0123


@pytest.mark.parametrize("fault", ["429", "500", "503", "reset", "malformed"])
async def test_transient_faults_are_retried(fake_server, make_settings, fault, caplog):
    fake_server.rules = [Rule(content="fine", faults=[fault, fault])]
    fake_server.retry_after = "0.05"
    with caplog.at_level(logging.INFO, logger="arcforge.requests"):
        answer = await ask(make_settings())
    assert answer.text == "fine" and answer.tries == 3
    assert fake_server.stats.requests == 3
    retries = [r.getMessage() for r in caplog.records if "retry in" in r.getMessage()]
    assert len(retries) == 2
    if fault == "429":
        assert all("Retry-After 0.05s" in m and "rate_limit" in m for m in retries)


@pytest.mark.parametrize(
    ("fault", "kind"),
    [("429", "rate_limit"), ("503", "server_error"), ("reset", "connection"),
     ("malformed", "bad_response")],
)
async def test_retries_are_bounded(fake_server, make_settings, fault, kind):
    fake_server.rules = [Rule(faults=[fault] * 10)]
    with pytest.raises(ModelError) as err:
        await ask(make_settings(max_retries=2))
    assert err.value.kind == kind and err.value.tries == 3
    assert fake_server.stats.requests == 3


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_timeouts_and_resets_are_told_apart(fake_server, make_settings, transport):
    fake_server.rules = [Rule(faults=["hang", "hang", "reset", "reset"], content="late")]
    fake_server.hang_s = 3.0
    settings = make_settings(request_timeout_s=0.3, max_retries=1, http_transport=transport)
    with pytest.raises(ModelError) as hang:
        await ask(settings)
    assert hang.value.kind == "timeout" and hang.value.tries == 2
    with pytest.raises(ModelError) as reset:
        await ask(settings)
    assert reset.value.kind == "connection" and reset.value.tries == 2
    assert (await ask(settings)).text == "late"


async def test_empty_content_and_length_are_their_own_kinds(fake_server, make_settings):
    fake_server.rules = [Rule(content="a long answer that gets cut", faults=["empty", "length"])]
    settings = make_settings()
    with pytest.raises(ModelError) as empty:
        await ask(settings)
    assert empty.value.kind == "empty_content" and empty.value.tries == 1
    with pytest.raises(ModelError) as cut:
        await ask(settings)
    assert cut.value.kind == "length" and cut.value.text == "a long answer"
    assert cut.value.response is not None and cut.value.usage.output_tokens > 0
    assert fake_server.stats.requests == 2  # neither is retried


async def test_the_key_is_sent_but_never_shown(fake_server, make_settings, monkeypatch):
    monkeypatch.setenv("ARCFORGE_API_KEY", FAKE_KEY)
    fake_server.rules = [Rule(faults=["429"] * 5)]
    with pytest.raises(ModelError) as err:
        await ask(make_settings(max_retries=0))
    assert fake_server.stats.headers[-1]["authorization"] == f"Bearer {FAKE_KEY}"
    assert FAKE_KEY not in str(err.value)


async def test_anthropic_thinking_becomes_reasoning(fake_server, make_settings, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    fake_server.rules = [Rule(content="Claude says X.", reasoning_content="deep thought")]
    settings = make_settings(model="anthropic/claude-test",
                             base_url=fake_server.url.removesuffix("/v1"),
                             prices={"claude-test": {"input": 3.0, "output": 15.0}})
    answer = await ask(settings, max_tokens=50)
    assert answer.text == "Claude says X." and answer.reasoning == "deep thought"
    assert answer.cost is not None and answer.cost > 0
    assert fake_server.stats.received[-1]["max_tokens"] == 50


def test_specs_and_missing_keys_are_clear_errors(isolated):
    from arcforge.config import load_settings

    settings = load_settings(env_file=None)
    with pytest.raises(UsageError, match="provider one of"):
        get_model("gpt-4", settings)
    with pytest.raises(UsageError, match="provider one of"):
        get_model("nosuch/model", settings)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY is not set"):
        get_model("openai/gpt-4.1", settings)
    with pytest.raises(ConfigError, match="OPENROUTER_API_KEY"):
        get_model("openrouter/google/gemini-2.5-pro", settings)
    with pytest.raises(UsageError, match="needs --base-url"):
        get_model("openai-compatible/x", settings)
    ollama = get_model("ollama/qwen2.5-coder:7b", settings)
    assert ollama.base_url == "http://localhost:11434/v1" and ollama.name == "qwen2.5-coder:7b"
    assert get_model("vllm/m", settings).base_url == "http://localhost:8000/v1"
    assert get_model("vllm/m", settings, base_url="http://h:1/v1").base_url == "http://h:1/v1"


def test_fake_server_counts_requests():
    with FakeServer() as server:
        assert server.port > 0 and server.stats.requests == 0
