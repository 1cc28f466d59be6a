"""Every kind of bad input gets a clear error naming file and path, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arcforge.cli import app
from arcforge.data import load_tasks
from arcforge.tasks import TaskFormatError

runner = CliRunner()
GOOD = {"train": [{"input": [[1, 2]], "output": [[2, 1]]}], "test": [{"input": [[3, 4]]}]}


def _with(path: str, value):
    data = json.loads(json.dumps(GOOD))
    target = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if value is KeyError:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return json.dumps(data)


BAD_FILES = {
    "malformed JSON": ('{"train": [', "malformed JSON: Expecting value (line 1, column 12)"),
    "missing train": (_with("train", KeyError), "missing 'train'"),
    "missing test": (_with("test", KeyError), "missing 'test'"),
    "empty train": (_with("train", []), "train: has no pairs"),
    "empty grid": (_with("train.0.input", []), "train[0].input: grid has no rows"),
    "ragged rows": (
        _with("train.0.output", [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4]]),
        "train[0].output: row 2 has 4 cells, expected 5",
    ),
    "value outside 0-9": (_with("test.0.input", [[3, 12]]), "test[0].input: row 0 column 1: 12"),
    "float cell": (
        _with("train.0.input", [[1.5, 2]]),
        "train[0].input: row 0 column 0: 1.5 is float",
    ),
    "bool cell": (_with("train.0.input", [[True, 2]]), "row 0 column 0: True is bool"),
    "string cell": (_with("train.0.input", [["1", 2]]), "row 0 column 0: '1' is str"),
    "grid over 30x30": (_with("train.0.input", [[0] * 31] * 2), "31 columns, at most 30"),
    "missing output": (_with("train.0.output", KeyError), "train[0].output: missing"),
    "pair is a list": (_with("train.0", [[1]]), "train[0]: expected an object, got list"),
    "list where an object belongs": ("[[1, 2]]", "[0]: expected a task object, got a list"),
    "number instead of task": ("42", "expected a task object, got int"),
    "duplicate key": ('{"train": [], "train": []}', "duplicate key 'train'"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_validate_names_file_and_path(tmp_path: Path, kind: str):
    text, expected = BAD_FILES[kind]
    path = tmp_path / "bad.json"
    path.write_text(text)
    result = runner.invoke(app, ["data", "validate", str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path}: {expected}" in result.output or (
        str(path) in result.output and expected in result.output
    ), result.output
    assert "Traceback" not in result.output
    with pytest.raises(TaskFormatError) as info:
        load_tasks(str(path))
    assert str(path) in str(info.value)


def test_folder_reports_every_bad_file_not_only_the_first(tmp_path: Path):
    for n, kind in enumerate(["ragged rows", "float cell", "missing test"]):
        (tmp_path / f"bad{n}.json").write_text(BAD_FILES[kind][0])
    (tmp_path / "good.json").write_text(json.dumps(GOOD))
    result = runner.invoke(app, ["data", "validate", str(tmp_path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(tmp_path))]
    assert len(lines) == 3
    assert {Path(line.split(":")[0]).name for line in lines} == {
        "bad0.json",
        "bad1.json",
        "bad2.json",
    }


def test_duplicate_task_ids(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for sub in ("a", "b"):
        (tmp_path / sub / "same.json").write_text(json.dumps(GOOD))
    result = runner.invoke(app, ["data", "validate", str(tmp_path)])
    assert result.exit_code == 1 and "duplicate task id same" in result.output
    dataset = tmp_path / "dataset.json"
    entry = dict(GOOD, task_id="x", version=1)
    dataset.write_text(json.dumps([entry, entry]))
    result = runner.invoke(app, ["data", "validate", str(dataset)])
    assert (
        result.exit_code == 1 and "[1]: duplicate task x version 1 (also at [0])" in result.output
    )


def test_kaggle_solutions_that_do_not_match(tmp_path: Path):
    challenges = tmp_path / "x_challenges.json"
    challenges.write_text(json.dumps({"t1": {"train": GOOD["train"], "test": GOOD["test"]}}))
    (tmp_path / "x_solutions.json").write_text(json.dumps({"t1": [[[1]], [[2]]]}))
    result = runner.invoke(app, ["data", "validate", str(challenges)])
    assert result.exit_code == 1 and "t1: 2 outputs for 1 test inputs" in result.output


def test_unreadable_inputs(tmp_path: Path):
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    folder_named_json = tmp_path / "folder.json"
    folder_named_json.mkdir()
    result = runner.invoke(
        app,
        ["data", "validate", str(binary), str(folder_named_json), str(tmp_path / "missing.json")],
    )
    assert result.exit_code == 1
    assert f"{binary}: not UTF-8 text" in result.output
    assert f"{folder_named_json}: the folder holds no .json files" in result.output
    assert f"{tmp_path / 'missing.json'}: no such file or folder" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_file_without_read_permission(tmp_path: Path):
    path = tmp_path / "locked.json"
    path.write_text(json.dumps(GOOD))
    path.chmod(0)
    result = runner.invoke(app, ["data", "validate", str(path)])
    assert result.exit_code == 1 and "cannot read" in result.output


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "arcforge", *args], capture_output=True, text=True, timeout=60
    )


def test_unknown_spec_and_bad_file_from_the_real_command(tmp_path: Path):
    unknown = _cli("data", "list", "arc-agi-9/training")
    assert unknown.returncode == 1
    assert "error: data source 'arc-agi-9/training': unknown" in unknown.stderr
    assert "Traceback" not in unknown.stderr + unknown.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(BAD_FILES["ragged rows"][0])
    listed = _cli("data", "list", str(bad))
    assert listed.returncode == 1
    assert "train[0].output: row 2 has 4 cells, expected 5" in listed.stderr
    assert "Traceback" not in listed.stderr
    missing = _cli("data", "list", "arc-agi-1/training", "--task-ids", "007bbfb7,zzzz")
    assert missing.returncode == 2 and "no task zzzz" in missing.stderr
