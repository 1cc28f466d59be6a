"""Prompts: templates, encodings, and test outputs never reaching a model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arcforge.agents import make_agent, prompt_hash
from arcforge.errors import UsageError

from .helpers import make_tasks


@pytest.mark.parametrize("kind", ["reasoning", "code"])
@pytest.mark.parametrize("encoding", ["json", "digits"])
def test_prompts_hold_train_pairs_and_never_test_outputs(kind, encoding):
    task = make_tasks(3)[2]
    messages = make_agent(kind, encoding=encoding).messages(task)
    text = "\n".join(m["content"] for m in messages)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "777" not in text and "7, 7, 7" not in text and "[7,7,7]" not in text
    first = task.train[0].input
    if encoding == "digits":
        assert "".join(map(str, first[0])) in text.splitlines()
    else:
        assert json.dumps(first[0], separators=(",", ":")) in text
    assert ("solve_task" in text) == (kind == "code")
    if kind == "code":  # the test input is shown, its output is not
        assert ("342" if encoding == "digits" else "[3,4,2]") in text


def test_a_user_template_replaces_the_bundled_one(tmp_path: Path):
    path = tmp_path / "mine.txt"
    path.write_text("Task {{ task_id }}.\n{{ train }}\nExplain.")
    agent = make_agent("reasoning", prompt=path)
    messages = agent.messages(make_tasks(1)[0])
    assert messages[0]["role"] == "user" and messages[0]["content"].startswith("Task t000.")
    assert agent.template.source == str(path)
    assert prompt_hash(messages) != prompt_hash(make_agent("reasoning").messages(make_tasks(1)[0]))


def test_bad_templates_name_the_file(tmp_path: Path):
    path = tmp_path / "bad.txt"
    path.write_text("{{ trian }}")
    with pytest.raises(UsageError, match=r"bad.txt.*trian"):
        make_agent("reasoning", prompt=path).messages(make_tasks(1)[0])
    path.write_text("{% if %}")
    with pytest.raises(UsageError, match=r"bad\.txt: line 1"):
        make_agent("reasoning", prompt=path)
    with pytest.raises(UsageError, match="--encoding 'hex'"):
        make_agent("reasoning", encoding="hex")
