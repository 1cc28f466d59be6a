"""``arcforge traces`` and ``arcforge codegen`` as a person runs them: a subprocess talking
to the fake server, killed, interrupted and resumed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from arcforge.runfiles import final_results_files, load_records, read_run_info
from fakeserver import Rule

ROT180 = ("Turn the grid half way round.\n```python\ndef solve_task(input_grid):\n"
          "    return [row[::-1] for row in input_grid[::-1]]\n```\n")


def cli_env(server_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ARCFORGE_") and not k.endswith("_API_KEY")}
    env.update(ARCFORGE_BASE_URL=server_url, ARCFORGE_BACKOFF_BASE_S="0.01",
               ARCFORGE_BACKOFF_MAX_S="0.05", COLUMNS="120")
    return env


def start(
    args: list[str], cwd: Path, server_url: str, **env: str
) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "arcforge", *args, "--no-progress"],
        cwd=cwd, env={**cli_env(server_url), **env}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )


def finish(proc: subprocess.Popen, timeout: float = 90) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def journal_lines(cwd: Path) -> int:
    files = list(cwd.glob("runs/*/results.jsonl"))
    return files[0].read_bytes().count(b"\n") if files else 0


def printed_run_dir(out: str, cwd: Path) -> Path:
    """The run folder a command printed on its last line (relative to its working folder)."""
    return cwd / out.strip().splitlines()[-1]


def wait_for(predicate, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


MODEL = ["--model", "openai-compatible/fake-model"]


def test_traces_end_to_end(fake_server, isolated, tasks_file):
    data = tasks_file(3)
    (isolated / "arcforge.toml").write_text("samples = 4\nconcurrency = 3\n")
    args = ["traces", *MODEL, "--data", str(data), "-k", "2", "-v"]
    code, out, err = finish(start(args, isolated, fake_server.url, ARCFORGE_SAMPLES="5"))
    assert code == 0, err
    assert "answered in" in err  # -v shows request events
    run_dir = printed_run_dir(out, isolated)
    assert run_dir.parent == isolated / "runs"
    names = {p.name for p in run_dir.iterdir()}
    assert {"run.json", "results.jsonl", "run.log", "tasks.json"} <= names
    assert len(final_results_files(run_dir)) == 1
    records = load_records(run_dir)
    # the flag beats the environment, which beats the file, which beats the default
    assert len(records) == 6 and all(r.reasoning and r.error is None for r in records)
    assert "6 of 6 finished" in out
    assert read_run_info(run_dir).settings["concurrency"] == 3


def test_codegen_end_to_end_scores_and_exports(fake_server, isolated):
    fake_server.rules = [Rule(content=ROT180)]
    args = ["codegen", *MODEL, "--data", "arc-agi-1/training", "--task-ids",
            "3c9b0459,007bbfb7", "--encoding", "digits"]
    code, out, err = finish(start(args, isolated, fake_server.url,
                                  ARCFORGE_SANDBOX_TIMEOUT_S="3"))
    assert code == 0, err
    run_dir = printed_run_dir(out, isolated)
    sandbox = read_run_info(run_dir).sandbox  # the settings that decide verdicts
    assert (sandbox["timeout_s"], sandbox["memory_mb"], sandbox["packages"]) == (
        3.0, 1024, ["numpy"])
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["counts"]["tasks_solved"] == 1 and summary["arcprize_score"] == 0.5
    assert (run_dir / "submission" / "3c9b0459.json").is_file()
    assert "3c9b0459" in (run_dir / "report.html").read_text()
    kaggle = json.loads((run_dir / "submission.json").read_text())
    assert kaggle["3c9b0459"][0]["attempt_1"] == [[7, 6, 4], [4, 6, 6], [4, 4, 6]]
    by_task = {r.task_id: r for r in load_records(run_dir)}
    assert {p.status for p in by_task["3c9b0459"].verification.pairs} == {"pass"}
    assert "fail" in {p.status for p in by_task["007bbfb7"].verification.pairs}


def test_killed_at_a_random_point_and_resumed_yields_each_sample_once(
    fake_server, isolated, tasks_file
):
    fake_server.latency_s = 0.08
    data = tasks_file(12)
    kill_after = random.randint(1, 28)
    proc = start(["traces", *MODEL, "--data", str(data), "-k", "3", "-c", "4"], isolated,
                 fake_server.url)
    wait_for(lambda: journal_lines(isolated) >= kill_after or proc.poll() is not None)
    proc.kill()
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, f"finished before the kill at {kill_after}"
    run_dir = next((isolated / "runs").iterdir())
    done_before = len(load_records(run_dir))
    code, _, err = finish(start(["traces", "--resume", str(run_dir)], isolated,
                                  fake_server.url))
    assert code == 0, err
    records = load_records(run_dir)
    keys = [r.key for r in records]
    assert len(keys) == len(set(keys)) == 36, f"killed after {kill_after}"
    raw_lines = (run_dir / "results.jsonl").read_bytes().count(b"\n")
    assert raw_lines == 36  # the journal itself has no duplicate
    final = json.loads(final_results_files(run_dir)[-1].read_text())
    assert final["metadata"]["status"] == "completed" and len(final["results"]) == 36
    # only samples in flight at the kill (4) or answered in its last moments, before their
    # group commit, were asked twice
    assert 36 <= fake_server.stats.requests <= 36 + 12
    assert done_before >= kill_after


def test_sigint_finishes_in_flight_and_writes_valid_final_json(fake_server, isolated, tasks_file):
    fake_server.latency_s = 0.3
    data = tasks_file(8)
    proc = start(["traces", *MODEL, "--data", str(data), "-c", "2"], isolated, fake_server.url)
    wait_for(lambda: journal_lines(isolated) >= 1)
    proc.send_signal(signal.SIGINT)
    code, out, err = finish(proc)
    assert code == 130, err
    run_dir = printed_run_dir(out, isolated)
    final = json.loads(final_results_files(run_dir)[-1].read_text())
    assert final["metadata"]["status"] == "interrupted"
    assert len(final["results"]) == len(load_records(run_dir)) < 8
    assert final["metadata"]["not_run"] == 8 - len(final["results"])
    assert "interrupted" in err


def test_a_second_sigint_cancels_requests_in_flight(fake_server, isolated, tasks_file):
    fake_server.latency_s = 30.0
    data = tasks_file(4)
    proc = start(["traces", *MODEL, "--data", str(data), "-c", "2"], isolated, fake_server.url)
    wait_for(lambda: fake_server.stats.requests >= 2)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    code, _, err = finish(proc, timeout=20)  # far less than the 30 s answers
    assert code == 130, err
    run_dir = next((isolated / "runs").iterdir())
    final = json.loads(final_results_files(run_dir)[-1].read_text())
    assert final["metadata"]["status"] == "cancelled" and final["results"] == []
    assert load_records(run_dir) == []  # cancelled samples stay to be done by --resume


def test_resume_refuses_to_change_the_run(fake_server, isolated, tasks_file):
    data = tasks_file(1)
    code, out, _ = finish(start(["traces", *MODEL, "--data", str(data)], isolated,
                                fake_server.url))
    run_dir = str(printed_run_dir(out, isolated))
    code, _, err = finish(start(["traces", "--resume", run_dir, "--samples", "3"], isolated,
                                fake_server.url))
    assert code == 2 and "--samples cannot change" in err
    code, _, err = finish(start(["codegen", "--resume", run_dir], isolated, fake_server.url))
    assert code == 2 and "arcforge traces" in err
    code, _, err = finish(start(["traces", "--model", "gpt-4", "--data", str(data)], isolated,
                                fake_server.url))
    assert code == 2 and "provider/model" in err and "Traceback" not in err


def test_sigterm_cancels_and_writes_the_final_json(fake_server, isolated, tasks_file):
    fake_server.latency_s = 30.0
    data = tasks_file(3)
    proc = start(["codegen", *MODEL, "--data", str(data), "-c", "3"], isolated, fake_server.url)
    wait_for(lambda: fake_server.stats.requests >= 3)
    proc.send_signal(signal.SIGTERM)
    code, _, err = finish(proc, timeout=20)
    assert code == 130, err
    run_dir = next((isolated / "runs").iterdir())
    final = json.loads(final_results_files(run_dir)[-1].read_text())
    assert final["metadata"]["status"] == "cancelled" and final["metadata"]["not_run"] == 3


def test_a_run_in_progress_cannot_be_resumed_twice(fake_server, isolated, tasks_file):
    fake_server.latency_s = 30.0
    data = tasks_file(2)
    proc = start(["traces", *MODEL, "--data", str(data)], isolated, fake_server.url)
    try:
        wait_for(lambda: fake_server.stats.requests >= 2)
        run_dir = next((isolated / "runs").iterdir())
        code, _, err = finish(start(["traces", "--resume", str(run_dir)], isolated,
                                    fake_server.url))
        assert code == 2 and "in use by another arcforge process" in err
    finally:
        proc.kill()
        proc.wait()
    assert fake_server.stats.requests == 2  # the refused session asked nothing


ABANDONED_RUN = """
import sys, threading, time
from pathlib import Path
from arcforge.config import load_settings
from arcforge.runs import RunConfig, run

settings = load_settings(overrides={"model": "openai-compatible/fake-model",
                                    "base_url": sys.argv[1], "data": sys.argv[2],
                                    "concurrency": 1, "out": "runs"}, env_file=None)
worker = threading.Thread(target=run, args=(RunConfig("reasoning", settings, progress=False),),
                          daemon=True)
worker.start()
while not list(Path("runs").glob("*/results.jsonl")) or not next(
        Path("runs").glob("*/results.jsonl")).stat().st_size:
    time.sleep(0.01)
# the interpreter now exits with the run still going: atexit must write the final file
"""


def test_interpreter_exit_during_a_run_writes_the_final_json(fake_server, isolated, tasks_file):
    fake_server.latency_s = 0.2
    data = tasks_file(5)
    proc = subprocess.run([sys.executable, "-c", ABANDONED_RUN, fake_server.url, str(data)],
                          cwd=isolated, env=cli_env(fake_server.url), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    run_dir = next((isolated / "runs").iterdir())
    final = json.loads(final_results_files(run_dir)[-1].read_text())
    assert final["metadata"]["status"] == "aborted"
    assert 1 <= len(final["results"]) < 5 and final["metadata"]["not_run"] >= 1
