"""Direct-answer runs (``arcforge predict``) and augmentation, against the fake server.

The scripted model of ``tests/bench/scripted.py`` solves rotation/reflection tasks in
whatever frame it is shown; every answer must come back to the task's own frame."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import defaultdict

import pytest
from tests.bench.scripted import MODEL, answer, dihedral_tasks, formats, write_tasks
from tests.bench.test_cli import finish, printed_run_dir, start
from tests.fakeserver import Rule
from tests.scoring.harness_schema import BenchmarkedTaskResults, harness_task_score

from arcforge.finish import finish_run
from arcforge.runfiles import load_records, read_run_info
from arcforge.runs import RunConfig, run
from arcforge.scoring import score_run

AUGMENT = "identity,rot90,transpose,colours"


@pytest.mark.parametrize("kind", ["predict", "code"])
def test_a_model_right_in_every_frame_scores_everything(kind, fake_server, make_settings):
    fake_server.rules = [Rule(content=answer)]
    tasks = dihedral_tasks(7)
    settings = make_settings(samples=4, augment=AUGMENT)
    result = run(RunConfig(kind, settings, tasks=tasks, progress=False))
    scores = finish_run(result.run_dir)
    assert scores is not None and scores.arcprize_score == 1.0 and scores.kaggle_score == 1.0
    records = load_records(result.run_dir)
    assert {r.augment for r in records} == {"identity", "rot90", "transpose", "colours"}
    by_sample = {(r.task_id, r.sample): r for r in records}
    for (_task_id, sample), r in by_sample.items():
        assert r.augment == AUGMENT.split(",")[sample % 4]
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert {name: row["accuracy"] for name, row in summary["augmentations"].items()} == {
        "colours": 1.0, "identity": 1.0, "rot90": 1.0, "transpose": 1.0}
    if kind == "predict":  # one request per test input per sample
        assert len(records) == 7 * 4 * 2 and fake_server.stats.answered == 7 * 4 * 2
        assert all(r.answer_method == "boxed" for r in records)


EVERY_FRAME = ("identity,rot90,rot180,rot270,flip_h,flip_v,transpose,anti_transpose,colours,"
               "rot90+colours,anti_transpose+colours")


@pytest.mark.parametrize("kind", ["predict", "code"])
def test_every_rotation_reflection_and_colour_permutation_comes_back(
        kind, fake_server, make_settings):
    """All 8 rotations/reflections, colour permutations, and both together: each frame's
    answers (or program outputs) are mapped back exactly, so each frame scores alone."""
    fake_server.rules = [Rule(content=answer)]
    frames = EVERY_FRAME.split(",")
    result = run(RunConfig(kind, make_settings(samples=len(frames), augment=EVERY_FRAME),
                           tasks=dihedral_tasks(7), progress=False))
    scores = finish_run(result.run_dir)
    assert scores is not None and scores.arcprize_score == 1.0
    by_frame = scores.augmentations()
    assert sorted(by_frame) == sorted(frames)
    assert all(row["accuracy"] == 1.0 and row["outputs"] == 14 for row in by_frame.values())
    transforms = {r.augment: r.transform for r in load_records(result.run_dir)}
    assert transforms["identity"] == [] and transforms["flip_v"] == [{"op": "flip_v"}]
    assert transforms["rot90+colours"][0] == {"op": "rot90"}


def test_the_frames_really_differ_from_the_task(fake_server, make_settings):
    """Without mapping back, the augmented answers would be wrong: the model answered
    in the frame it saw."""
    fake_server.rules = [Rule(content=answer)]
    tasks = dihedral_tasks(3)
    result = run(RunConfig("predict", make_settings(samples=2, augment="rot90,transpose"),
                           tasks=tasks, progress=False))
    seen = [json.loads(r.response.split("boxed{")[1].rstrip("}")) for r in
            load_records(result.run_dir)]
    truth = {(t.id, i): p.output for t in tasks for i, p in enumerate(t.test)}
    records = load_records(result.run_dir)
    assert all(r.answer == truth[(r.task_id, r.test_index)] for r in records)
    assert sum(raw != r.answer for raw, r in zip(seen, records, strict=True)) >= len(records) / 2


@pytest.mark.parametrize(("style", "expect"), [
    ("boxed", "right"), ("json", "right"), ("fenced", "right"), ("digits", "right"),
    ("wrong", "wrong"), ("no grid", "no_grid"), ("invalid", "invalid_grid"),
])
def test_every_way_of_answering(style, expect, fake_server, make_settings):
    task = dihedral_tasks(1)[0]
    fake_server.rules = [Rule(content=lambda prompt: formats(
        json.loads(answer(prompt).split("boxed{")[1].rstrip("}")))[style])]
    result = run(RunConfig("predict", make_settings(samples=1), tasks=[task], progress=False))
    records = load_records(result.run_dir)
    assert len(records) == 2
    scores = score_run(result.run_dir)
    if expect == "right":
        assert scores.arcprize_score == 1.0 and all(r.answer_method == style for r in records)
    elif expect == "wrong":
        assert scores.arcprize_score == 0.0 and all(r.error is None for r in records)
    else:
        assert scores.arcprize_score == 0.0
        assert {r.error.kind for r in records} == {expect} and all(r.answer is None
                                                                    for r in records)


def test_an_empty_answer_and_a_server_error_count_as_wrong(fake_server, make_settings):
    task = dihedral_tasks(1)[0]
    fake_server.rules = [Rule(content=answer, faults=["empty", "500", "500"])]
    result = run(RunConfig("predict", make_settings(samples=2, max_retries=0), tasks=[task],
                           progress=False))
    kinds = sorted(str(r.error.kind if r.error else "ok") for r in load_records(result.run_dir))
    assert kinds == ["empty_content", "ok", "server_error", "server_error"]
    scores = score_run(result.run_dir)
    assert scores.counts()["samples_finished"] == 2 and 0 < scores.kaggle_score <= 1


def test_the_most_common_answer_comes_first(fake_server, make_settings):
    task = dihedral_tasks(1)[0]
    replies = iter(["\\boxed{[[1]]}", "\\boxed{[[2]]}", "\\boxed{[[2]]}", "\\boxed{[[3]]}"] * 4)
    fake_server.rules = [Rule(content=lambda prompt: next(replies))]
    result = run(RunConfig("predict", make_settings(samples=4, concurrency=1),
                           tasks=[task.with_(test=task.test[:1])], progress=False))
    test = score_run(result.run_dir).tasks[0].tests[0]
    assert test.attempt_1 == [[2]] and test.attempt_1_samples == [1, 2]
    assert test.attempt_2 == [[1]] and test.distinct_outputs == 3


def test_predict_from_the_command_line_exports_what_the_harness_scores(
        fake_server, isolated, tmp_path):
    fake_server.rules = [Rule(content=answer)]
    data = write_tasks(isolated / "data", 5)
    code, out, err = finish(start(["predict", *MODEL, "--data", str(data), "--augment",
                                   "rot90,colours", "--max-cost-per-task", "5"],
                                  isolated, fake_server.url))
    assert code == 0, err
    run_dir = printed_run_dir(out, isolated)
    info = read_run_info(run_dir)
    assert info.kind == "predict" and info.samples == 2 and info.augment == ["rot90", "colours"]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["arcprize_score"] == 1.0 and summary["augmentations"]["colours"]["right"] == 10
    for task in dihedral_tasks(5):
        content = json.loads((run_dir / "submission" / f"{task.id}.json").read_text())
        results = BenchmarkedTaskResults(test_pairs=content)  # the harness's own schema
        assert harness_task_score(results, [p.output for p in task.test]) == 1.0
        assert content[1]["attempt_1"]["metadata"]["pair_index"] == 1
    kaggle = json.loads((run_dir / "submission.json").read_text())
    assert kaggle["d000"][0]["attempt_1"] == dihedral_tasks(1)[0].test[0].output
    assert "d000" in (run_dir / "report.html").read_text()
    done = subprocess.run([sys.executable, "-m", "arcforge", "score", str(run_dir), "--json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)["arcprize_score"] == 1.0


def test_predict_runs_replay(fake_server, make_settings, isolated):
    fake_server.rules = [Rule(content=answer)]
    tasks = dihedral_tasks(2)
    first = run(RunConfig("predict", make_settings(samples=2, augment="colours"), tasks=tasks,
                          progress=False))
    replay = make_settings(samples=2, augment="colours", model=f"replay/{first.run_dir}",
                           base_url=None)
    again = run(RunConfig("predict", replay, tasks=tasks, progress=False))
    misses = [r for r in load_records(again.run_dir) if r.error is not None]
    assert {r.error.kind for r in misses} == {"replay_miss"}  # colours differ run to run
    plain = run(RunConfig("predict", make_settings(samples=2), tasks=tasks, progress=False))
    replayed = run(RunConfig("predict", make_settings(samples=2, model=f"replay/{plain.run_dir}",
                                                      base_url=None), tasks=tasks,
                             progress=False))
    assert score_run(replayed.run_dir).arcprize_score == 1.0


def test_a_resumed_augmented_run_sees_the_same_frames(fake_server, isolated):
    fake_server.rules = [Rule(content=answer)]
    fake_server.latency_s = 0.15
    data = write_tasks(isolated / "data", 4)
    proc = start(["predict", *MODEL, "--data", str(data), "-k", "3", "-c", "1", "--augment",
                  "colours,rot90+colours"], isolated, fake_server.url)
    deadline = time.monotonic() + 60
    journal = None
    while time.monotonic() < deadline:
        journal = next(isolated.glob("runs/*/results.jsonl"), None)
        if journal and journal.read_bytes().count(b"\n") >= 5:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert journal is not None
    fake_server.latency_s = 0.0
    code, _, err = finish(start(["predict", "--resume", str(journal.parent)], isolated,
                                fake_server.url))
    assert code == 0, err
    frames = defaultdict(set)
    records = load_records(journal.parent)
    assert len(records) == 4 * 3 * 2
    for r in records:
        frames[(r.task_id, r.sample)].add(json.dumps(r.transform))
    assert all(len(seen) == 1 for seen in frames.values())  # both sessions: the same frame
    assert len({next(iter(s)) for s in frames.values()}) > 4  # and the frames do differ
    assert score_run(journal.parent).arcprize_score == 1.0


def test_bad_augment_names_fail_before_any_run_folder(fake_server, isolated):
    code, _, err = finish(start(["predict", *MODEL, "--data", str(write_tasks(isolated, 1)),
                                 "--augment", "rot90,spin"], isolated, fake_server.url))
    assert code != 0 and "--augment: 'spin'" in err
    assert not (isolated / "runs").exists()
