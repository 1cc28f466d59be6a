"""``arcforge exec`` and ``arcforge sandbox check`` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.sandbox.conftest import GOOD
from tests.sandbox.hostile import HOSTILE

ARCFORGE = str(Path(sys.executable).with_name("arcforge"))
BY_NAME = {h.name: h for h in HOSTILE}
CLI_CASES = [h.name for h in HOSTILE]  # every hostile program, as a user would run it


def arcforge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ARCFORGE, *args], capture_output=True, text=True, timeout=120)


def exec_json(code: str, tmp_path: Path, task_dir: Path) -> dict:
    code_file = tmp_path / "solution.py"
    code_file.write_text(code)
    done = arcforge("exec", str(code_file), "--data", str(task_dir), "--task", "mirror",
                    "--json", "--timeout", "1")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", CLI_CASES)
def test_exec_contains_hostile_programs(name: str, tmp_path: Path, task_dir: Path) -> None:
    hostile = BY_NAME[name]
    result = exec_json(hostile.code, tmp_path, task_dir)
    assert result["task"] == "mirror"
    statuses = {p["status"] for p in result["pairs"]}
    assert len(result["pairs"]) == 3 and statuses <= hostile.expect, result


def test_exec_prints_a_table_of_verdicts(tmp_path: Path, task_dir: Path) -> None:
    code_file = tmp_path / "solution.py"
    code_file.write_text(GOOD.replace("row[::-1]", "row"))
    done = arcforge("exec", str(code_file), "--data", str(task_dir), "--task", "mirror")
    assert done.returncode == 0, done.stderr
    assert "train[0]" in done.stdout and "test[0]" in done.stdout
    assert done.stdout.count("fail") == 3
    assert "train: 0/2 pass" in done.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["missing.py", "--task", "mirror"], "CODE_FILE"),
    (["solution.py", "--task", "nope"], "nope"),
])
def test_exec_bad_arguments_exit_2(args: list[str], message: str, tmp_path: Path,
                                   task_dir: Path) -> None:
    (tmp_path / "solution.py").write_text(GOOD)
    args = [str(tmp_path / args[0]), *args[1:], "--data", str(task_dir)]
    done = arcforge("exec", *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_sandbox_check_reports_layers() -> None:
    done = arcforge("sandbox", "check", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ready"] is True
    names = {layer["name"] for layer in report["layers"]}
    assert {"separate process", "resource limits", "timeout", "seccomp", "landlock",
            "no new privileges", "no capabilities", "clean parent", "answers unreadable"} <= names
