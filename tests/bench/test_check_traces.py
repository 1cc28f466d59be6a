"""``arcforge check-traces``: a model (the fake OpenAI-compatible server) builds test outputs
from traces alone; each result is recorded on its trace once per model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from arcforge.data import load_tasks
from arcforge.store import open_store
from fakeserver import FakeServer, Rule

from .test_cli import cli_env

TASK = "3c9b0459"  # the output is the input turned half way round


def run(args: list[str], cwd: Path, url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "arcforge", "check-traces", *args,
                           "--no-progress"], cwd=cwd, env=cli_env(url), capture_output=True,
                          text=True, timeout=120)


def test_a_model_checks_traces_from_their_text_alone(fake_server: FakeServer,
                                                     isolated: Path) -> None:
    [task] = load_tasks("arc-agi-1/training", task_ids=[TASK])
    url = f"sqlite:///{isolated / 'store.db'}"
    store = open_store(url)
    try:
        store.import_tasks([task])
        ann = store.create_user("ann")
        gpt = store.create_user("openrouter/some-model", kind="model")
        answer = task.test[0].output
        good = store.add_trace(TASK, 0, gpt.id, "TURN-HALF: rotate the grid by 180 degrees.")
        bad = store.add_trace(TASK, 0, gpt.id, "KEEP: the output is the input.")
        mute = store.add_trace(TASK, 0, gpt.id, "MUTE: nobody knows.")
        broken = store.add_trace(TASK, 0, gpt.id, "BROKEN: the server fails on this one.")
        human = store.add_trace(TASK, 0, ann.id, "TURN-HALF too, by a person.")
    finally:
        store.dispose()
    fake_server.rules = [
        Rule(match="TURN-HALF", content=f"Here it is: {json.dumps(answer)}"),
        Rule(match="KEEP", content=json.dumps(task.test[0].input)),
        Rule(match="MUTE", content="I cannot tell."),
        Rule(match="BROKEN", faults=["401"] * 50),
    ]
    model = ["--model", "openai-compatible/fake-model", "--store", url]
    done = run(model, isolated, fake_server.url)
    assert done.returncode == 0, done.stderr
    assert "1 traces were enough" in done.stdout and "2 were not" in done.stdout
    assert "1 requests failed" in done.stdout
    sent = [m["content"] for r in fake_server.stats.received for m in r["messages"]]
    prompts = "\n".join(sent)
    for pair in task.train:  # never the demonstrations, never the answer
        assert json.dumps(pair.output).replace(" ", "") not in prompts.replace(" ", "")
    assert json.dumps(answer).replace(" ", "") not in "".join(
        s for s in sent if "TURN-HALF" not in s).replace(" ", "")
    assert "the server fails" in prompts  # the broken one was asked, and is not recorded
    store = open_store(url)
    try:
        uses = {t.id: (t.uses_ok, t.uses_failed) for t in store.list_traces(TASK)}
        assert uses == {good.id: (1, 0), bad.id: (0, 1), mute.id: (0, 1), broken.id: (0, 0),
                        human.id: (0, 0)}  # --source model (the default) leaves people's
        assert store.traces_checked_by("openai-compatible/fake-model") == {
            good.id, bad.id, mute.id}
    finally:
        store.dispose()
    # again: what was checked is skipped; people's traces with --source human
    fake_server.rules[-1] = Rule(match="BROKEN", content="[[1]]")
    again = run([*model, "--source", "all"], isolated, fake_server.url)
    assert again.returncode == 0, again.stderr
    assert "1 traces were enough" in again.stdout and "1 were not" in again.stdout
    assert "3 skipped" in again.stdout


def test_builtin_models_cannot_check(isolated: Path) -> None:
    url = f"sqlite:///{isolated / 'store.db'}"
    open_store(url).dispose()
    done = run(["--model", "builtin/dsl", "--store", url], isolated, "http://127.0.0.1:9")
    assert done.returncode != 0 and "cannot check" in done.stderr
