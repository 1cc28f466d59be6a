"""``arcforge demo --no-serve`` finishes offline and leaves results, merged traces, reports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from arcforge.cli.demo import demo_task_list
from arcforge.store import open_store


def _offline_prefix() -> list[str]:
    """Run in a network namespace of its own (only loopback) when we may."""
    unshare = shutil.which("unshare")
    if os.geteuid() == 0 and unshare:
        probe = subprocess.run([unshare, "--net", "true"], capture_output=True)
        if probe.returncode == 0:
            return [unshare, "--net"]
    return []


def _demo(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "NO_COLOR": "1",
        "COLUMNS": "120",
    }
    for key in ("OPENAI_API_KEY", "OPENROUTER_API_KEY", "ANTHROPIC_API_KEY", "ARCFORGE_STORE"):
        env.pop(key, None)
    cmd = [
        *_offline_prefix(),
        sys.executable,
        "-m",
        "arcforge",
        "demo",
        "--no-serve",
        "--no-progress",
        "--out",
        str(tmp_path / "runs"),
        *extra,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)


@pytest.mark.slow
def test_demo_runs_offline_and_leaves_everything(tmp_path: Path):
    spec, ids = demo_task_list()
    first = _demo(tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    runs = sorted(p for p in (tmp_path / "runs").iterdir() if (p / "run.json").is_file())
    assert sorted(p.stem for p in (tmp_path / "runs" / "demo-tasks").glob("*.json")) == sorted(ids)
    kinds = {json.loads((r / "run.json").read_text())["kind"]: r for r in runs}
    assert set(kinds) == {"reasoning", "code"}
    for run in kinds.values():
        assert json.loads((run / "run.json").read_text())["data"] == spec
        assert list(run.glob("results_*.json")), f"no final results in {run}"
        assert (run / "report.html").is_file()
        records = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
        samples = 2 if run == kinds["code"] else 1
        firsts = [r["task_id"] for r in records if r.get("round", 1) == 1]
        assert sorted(firsts) == sorted(ids * samples)
    summary = json.loads((kinds["code"] / "summary.json").read_text())
    solved = summary["counts"]["tasks_solved"]
    assert 0 < solved < len(ids), "the demo set shows solved and unsolved tasks"
    assert "ARC Prize" in first.stdout and "report" in first.stdout
    # codegen refines: the second round solves what the first search missed
    first_round, second_round = summary["rounds"]
    assert second_round["newly_solved"] >= 2 and second_round["tasks_solved"] == solved
    assert second_round["arcprize_score"] > first_round["arcprize_score"]
    assert "by refinement round" in first.stdout

    db = tmp_path / "data" / "arcforge" / "arcforge.db"
    assert db.is_file(), "traces merged into the default store"
    store = open_store(f"sqlite:///{db}")
    try:
        merged = {t: store.list_traces(t, 0) for t in ids}
    finally:
        store.dispose()
    with_traces = [t for t, traces in merged.items() if traces]
    assert len(with_traces) >= solved
    assert all(
        tr.author == "builtin/dsl" and tr.author_kind == "model"
        for traces in merged.values()
        for tr in traces
    )

    second = _demo(tmp_path)
    assert second.returncode == 0, second.stderr
    assert "resuming" in second.stdout
    assert sorted(p for p in (tmp_path / "runs").iterdir() if (p / "run.json").is_file()) == runs
    store = open_store(f"sqlite:///{db}")
    try:
        again = {t: len(store.list_traces(t, 0)) for t in ids}
    finally:
        store.dispose()
    assert again == {t: len(v) for t, v in merged.items()}, "nothing merged twice"
