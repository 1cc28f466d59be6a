"""The runner core in-process against the fake server: faults, keys, replay, budget, 429s."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from arcforge.config import ConfigError
from arcforge.finish import finish_run
from arcforge.models import get_model
from arcforge.runfiles import final_results_files, load_records, read_run_info
from arcforge.runs import RunConfig, run
from fakeserver import FAULTS, Rule

from .helpers import FAKE_KEY, make_tasks

FAULT_KIND = {
    "429": "rate_limit", "500": "server_error", "503": "server_error", "reset": "connection",
    "hang": "timeout", "empty": "empty_content", "length": "length",
    "malformed": "bad_response", "401": "auth",
}


def final_json(run_dir: Path) -> dict:
    files = final_results_files(run_dir)
    assert files, f"no final results in {run_dir}"
    return json.loads(files[-1].read_text())


def keys_of(records) -> list[tuple[str, int, int]]:
    return [r.key[:3] for r in records]  # (task, version, sample): no test index here


def test_a_fault_mix_ends_with_every_sample_answered_or_with_its_error(
    fake_server, make_settings
):
    fake_server.fault_rate = 0.6
    fake_server.hang_s = 2.0
    fake_server.rules = [Rule(reasoning_content="hmm")]
    settings = make_settings(samples=3, concurrency=6, max_retries=1, request_timeout_s=0.4)
    result = run(RunConfig("code", settings, tasks=make_tasks(12), progress=False))
    records = load_records(result.run_dir)
    expected = {(t.id, 0, s) for t in make_tasks(12) for s in range(3)}
    assert sorted(keys_of(records)) == sorted(expected)  # each sample exactly once
    assert result.status == "completed" and result.finished == 36
    seen = fake_server.stats.faults
    assert sum(seen.values()) > 10  # the mix really happened
    answered = [r for r in records if r.error is None]
    failed = [r for r in records if r.error is not None]
    assert answered and failed
    for r in answered:
        assert r.response and r.code and r.provider_reasoning == "hmm"
        statuses = {p.status for p in r.verification.pairs}
        assert statuses and "pending" not in statuses  # the sandbox really ran the code
    possible = {FAULT_KIND[f] for f in seen} | {"extraction"}
    for r in failed:
        assert r.error.kind in possible, r.error
        assert r.error.message
    # terminal faults (no retry) show up as their own kinds
    for fault in ("empty", "length", "401"):
        if seen[fault]:
            assert any(r.error.kind == FAULT_KIND[fault] for r in failed)
    final = final_json(result.run_dir)
    assert final["metadata"]["status"] == "completed"
    assert len(final["results"]) == 36 and final["metadata"]["not_run"] == 0
    log = (result.run_dir / "run.log").read_text()
    assert "sent" in log and "answered" in log and "retry in" in log and "failed" in log


def test_no_api_key_anywhere_in_the_run_folder(fake_server, make_settings, monkeypatch):
    monkeypatch.setenv("ARCFORGE_API_KEY", FAKE_KEY)
    fake_server.rules = [Rule(match="Example 1", faults=["401", "500", "401"])]
    settings = make_settings(samples=2, max_retries=1)
    result = run(RunConfig("reasoning", settings, tasks=make_tasks(3), verbose=True,
                           progress=False))
    headers = fake_server.stats.headers
    assert any(h.get("authorization") == f"Bearer {FAKE_KEY}" for h in headers)  # key used
    kinds = Counter(r.error.kind for r in load_records(result.run_dir) if r.error)
    assert kinds["auth"] == 2  # the server echoed the key in these errors
    files = [p for p in result.run_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"run.json", "results.jsonl", "run.log", "tasks.json"}
    for path in files:
        text = path.read_text(errors="replace")
        assert FAKE_KEY not in text and FAKE_KEY[:20] not in text, path
    assert "[redacted]" in (result.run_dir / "run.log").read_text()
    assert read_run_info(result.run_dir).settings["keys_set"] == ["ARCFORGE_API_KEY"]


def test_replay_reproduces_a_recorded_run(fake_server, make_settings):
    fake_server.rules = [
        Rule(match="Example 1", content=lambda p: f"rule for prompt of {len(p)} chars",
             reasoning_content="thought", faults=["ok", "empty", "ok", "length"]),
    ]
    settings = make_settings(samples=2)
    tasks = make_tasks(4)
    recorded = run(RunConfig("reasoning", settings, tasks=tasks, progress=False))
    final = final_results_files(recorded.run_dir)[-1]
    requests = fake_server.stats.requests
    replay = settings.model_copy(update={"model": f"replay/{final}"})
    replayed = run(RunConfig("reasoning", replay, tasks=tasks, progress=False))
    assert fake_server.stats.requests == requests  # nothing was asked of the server

    def view(run_dir):
        return {r.key: (r.response, r.reasoning, r.provider_reasoning, r.usage,
                        r.finish_reason, r.error_kind)
                for r in load_records(run_dir)}

    assert view(replayed.run_dir) == view(recorded.run_dir)
    assert {k for *_, k in view(recorded.run_dir).values()} >= {None, "empty_content", "length"}
    # another prompt (another encoding) has no recorded answer
    other = replay.model_copy(update={"encoding": "digits"})
    missed = run(RunConfig("reasoning", other, tasks=tasks, progress=False))
    kinds = {r.error.kind for r in load_records(missed.run_dir)}
    assert kinds == {"replay_miss"}


def test_max_cost_stops_starting_requests_and_resume_finishes(fake_server, make_settings):
    fake_server.report_cost = 0.01
    settings = make_settings(concurrency=1, max_cost=0.035)
    tasks = make_tasks(10)
    first = run(RunConfig("reasoning", settings, tasks=tasks, progress=False))
    assert first.status == "budget_reached"
    assert first.finished == 4 and first.spent == pytest.approx(0.04)
    meta = final_json(first.run_dir)["metadata"]
    assert meta["not_run"] == 6 and meta["status"] == "budget_reached"
    more = settings.model_copy(update={"max_cost": None})
    second = run(RunConfig("reasoning", more, resume=first.run_dir, progress=False))
    assert second.status == "completed" and second.finished == 10
    records = load_records(first.run_dir)
    assert len(records) == len(set(keys_of(records))) == 10
    assert fake_server.stats.requests == 10
    assert len(read_run_info(first.run_dir).sessions) == 2


def test_rate_limits_lower_concurrency_and_every_sample_succeeds(fake_server, make_settings):
    fake_server.max_concurrent = 3
    fake_server.latency_s = 0.05
    fake_server.retry_after = "0.02"
    settings = make_settings(concurrency=12, max_retries=8)
    result = run(RunConfig("reasoning", settings, tasks=make_tasks(24), progress=False))
    records = load_records(result.run_dir)
    assert len(records) == 24 and all(r.error is None for r in records)
    assert fake_server.stats.rejected_busy > 0 and fake_server.stats.peak_active <= 3
    assert "rate_limit" in (result.run_dir / "run.log").read_text()


class _BrokenOnOneTask:
    """The real model, except that answering task t001 hits a bug."""

    def __init__(self, inner):
        self.inner = inner
        self.spec, self.provider, self.name = inner.spec, inner.provider, inner.name

    async def generate(self, messages, context, **kwargs):
        if context.task.id == "t001":
            raise KeyError("boom")
        return await self.inner.generate(messages, context, **kwargs)

    async def aclose(self):
        await self.inner.aclose()


def test_a_bug_on_one_sample_is_recorded_and_the_run_goes_on(fake_server, make_settings):
    settings = make_settings()
    model = _BrokenOnOneTask(get_model(settings.model, settings))
    result = run(RunConfig("reasoning", settings, tasks=make_tasks(3), progress=False), model)
    records = {r.task_id: r for r in load_records(result.run_dir)}
    assert records["t001"].error.kind == "internal"
    assert "KeyError" in records["t001"].error.message
    assert records["t000"].error is None and records["t002"].error is None
    assert "Traceback" in (result.run_dir / "run.log").read_text()


def test_every_fault_of_the_server_has_an_error_kind():
    assert set(FAULT_KIND) == set(FAULTS)


def test_a_missing_key_fails_before_any_run_folder(make_settings, isolated, monkeypatch):
    monkeypatch.setenv("ARCFORGE_API_KEY", FAKE_KEY)  # meant for compatible servers only
    settings = make_settings(model="openai/gpt-4.1", base_url=None)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY is not set"):
        run(RunConfig("reasoning", settings, tasks=make_tasks(1), progress=False))
    assert not (isolated / "runs").exists()


def test_builtin_dsl_hands_over_its_code(isolated):
    from arcforge.config import load_settings
    from arcforge.data import load_tasks

    settings = load_settings(overrides={"model": "builtin/dsl", "out": str(isolated / "runs"),
                                        "builtin_time_budget_s": 2.0}, env_file=None)
    tasks = load_tasks("arc-agi-1/training", task_ids=["3c9b0459"])
    result = run(RunConfig("code", settings, tasks=tasks, progress=False))
    finish_run(result.run_dir)
    (record,) = load_records(result.run_dir)
    assert record.error is None and "def solve_task" in record.code
    assert {p.status for p in record.verification.pairs} == {"pass"}
    assert json.loads((result.run_dir / "summary.json").read_text())["arcprize_score"] == 1.0


def test_a_template_that_cannot_render_fails_before_any_run_folder(make_settings, isolated):
    from arcforge.errors import UsageError

    bad = isolated / "bad.txt"
    bad.write_text("{{ train }} {{ examples }}")
    with pytest.raises(UsageError, match=r"bad\.txt.*examples"):
        run(RunConfig("reasoning", make_settings(), tasks=make_tasks(2), prompt=bad,
                      progress=False))
    assert not (isolated / "runs").exists()
