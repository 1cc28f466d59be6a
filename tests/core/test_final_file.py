"""The final results file is copied from the journal in two streaming passes: one record
per key (the first wins), unreadable and torn lines left out, counts that match."""

from __future__ import annotations

import json
from pathlib import Path

from arcforge.runfiles import JOURNAL, RunInfo, SampleRecord, write_final
from arcforge.runfiles.keys import KeySet


def record(task: str, sample: int, **extra: object) -> SampleRecord:
    return SampleRecord(run_id="r", kind="code", task_id=task, task_version=0, sample=sample,
                        model="m", **extra)


def final_of(folder: Path, lines: list[str], rounds: int | None = None) -> dict:
    folder.mkdir(exist_ok=True)
    (folder / JOURNAL).write_text("".join(lines))
    info = RunInfo(run_id="r", kind="code", model="m", samples=2, rounds=rounds)
    path = write_final(folder, info, "completed", total=4)
    return json.loads(path.read_text())


def test_one_record_per_key_and_bad_lines_left_out(tmp_path: Path) -> None:
    first = record("a", 0, reasoning="first", cost=0.5)
    again = record("a", 0, reasoning="second copy", cost=9.0)
    other = record("b", 1, error={"kind": "timeout", "message": "slow"})
    lines = [first.to_json() + "\n", "{not json}\n", "\n", again.to_json() + "\n",
             json.dumps({"task_id": 5}) + "\n", other.to_json() + "\n",
             record("c", 0).to_json()[:30]]  # torn: a run killed while writing
    data = final_of(tmp_path, lines)
    assert [(r["task_id"], r.get("reasoning")) for r in data["results"]] == [
        ("a", "first"), ("b", None)]
    meta = data["metadata"]
    assert (meta["records"], meta["finished_samples"], meta["not_run"]) == (2, 2, 2)
    assert (meta["cost"], meta["errors"]) == (0.5, {"timeout": 1})


def test_a_refined_sample_is_finished_once_its_last_round_ends(tmp_path: Path) -> None:
    feedback = "Train pair 1: row 1 differs."
    lines = [record("a", 0, round=1, feedback=feedback).to_json() + "\n",
             record("b", 0, round=1).to_json() + "\n",  # passed at once: finished
             record("a", 0, round=2).to_json() + "\n",  # a's second round ends it
             record("c", 0, round=1, feedback=feedback).to_json() + "\n"]  # c goes on
    meta = final_of(tmp_path, lines, rounds=3)["metadata"]
    assert (meta["records"], meta["finished_samples"], meta["not_run"]) == (4, 2, 2)


def test_a_key_set_tells_new_keys_from_seen_ones() -> None:
    seen = KeySet()
    keys = [("t", 0, 0, None, 1), ("t", 0, 0, 0, 1), ("t", 0, 0, None, 2), ("t", 1, 0, None, 1),
            ("u", 0, 0, None, 1), ("t", 0, 5000, 4095, 1), ("t", 0, 0, 5000, 1),
            ("t", 0, -1, None, 1), ("t", 0, 0, None, 9999)]
    assert [seen.add(k) for k in keys] == [True] * len(keys)
    assert [seen.add(k) for k in keys] == [False] * len(keys)
