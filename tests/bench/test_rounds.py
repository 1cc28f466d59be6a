"""Refinement rounds (``codegen --rounds R``) against the fake server: feedback from the
sandbox's verdicts on the train pairs, never a test output; every round recorded; resume,
cost caps, replay and augmentation."""

from __future__ import annotations

import json
import signal
import time

import pytest
from tests.bench.scripted import (
    FEEDBACK_MARK,
    IDENTITY_CODE,
    MODEL,
    dihedral_tasks,
    fixes_on_feedback,
    never_fixes,
    write_tasks,
)
from tests.bench.test_cli import finish, printed_run_dir, start
from tests.fakeserver import Rule

from arcforge.agents.encoding import encode_grid
from arcforge.agents.feedback import feedback_template, feedback_values, render_feedback
from arcforge.finish import finish_run
from arcforge.runfiles import final_results_files, load_records, read_run_info
from arcforge.runs import RunConfig, run
from arcforge.scoring import score_run
from arcforge.verification import PairVerdict, Verification


def rounds_of(records) -> dict[tuple[str, int], list[int]]:
    by_sample: dict[tuple[str, int], list[int]] = {}
    for r in records:
        by_sample.setdefault((r.task_id, r.sample), []).append(r.round)
    return {k: sorted(v) for k, v in by_sample.items()}


def test_a_coder_that_mends_its_program_on_feedback_needs_the_second_round(
        fake_server, isolated):
    """From the command line: 0% with one round, 100% with two; the summary says which
    round solved what, and the exports and report carry the chosen round."""
    fake_server.rules = [Rule(content=fixes_on_feedback)]
    data = write_tasks(isolated / "data", 4)
    scores = {}
    for rounds in (1, 2):
        code, out, err = finish(start(["codegen", *MODEL, "--data", str(data), "--rounds",
                                       str(rounds)], isolated, fake_server.url))
        assert code == 0, err
        run_dir = printed_run_dir(out, isolated)
        summary = json.loads((run_dir / "summary.json").read_text())
        scores[rounds] = summary["arcprize_score"]
        records = load_records(run_dir)
        if rounds == 1:  # one round: today's records, no round fields
            assert all(r.round is None and r.feedback is None for r in records)
            assert summary["rounds"] == [] and read_run_info(run_dir).rounds is None
            continue
        assert read_run_info(run_dir).rounds == 2
        assert set(map(tuple, rounds_of(records).values())) == {(1, 2)}
        assert [(r["round"], r["tasks_solved"], r["newly_solved"], r["requests"])
                for r in summary["rounds"]] == [(1, 0, 0, 4), (2, 4, 4, 4)]
        assert summary["rounds"][1]["arcprize_score"] == 1.0
        sample = summary["tasks"][0]["samples"][0]
        assert (sample["round"], sample["rounds"]) == (2, 2)
        attempt = json.loads((run_dir / "submission" / "d000.json").read_text())[0]
        assert attempt["attempt_1"]["correct"] and attempt["attempt_1"]["metadata"]["round"] == 2
        assert "round 2" in (run_dir / "report.html").read_text().lower()
        final = json.loads(final_results_files(run_dir)[-1].read_text())
        assert final["metadata"]["finished_samples"] == 4 and final["metadata"]["records"] == 8
        assert final["metadata"]["rounds"] == 2
    assert scores == {1: 0.0, 2: 1.0}


def test_feedback_shows_train_diffs_and_never_a_test_output(fake_server, make_settings):
    """Every later request holds the expected train outputs and the program's ones with
    the differing cells marked, and nothing of any test output; the feedback is the same
    whether the program's test outputs are right or wrong."""
    tasks = dihedral_tasks(3)
    fake_server.rules = [Rule(content=never_fixes)]
    result = run(RunConfig("code", make_settings(rounds=3), tasks=tasks, progress=False))
    prompts = [json.dumps(body["messages"]) for body in fake_server.stats.received]
    assert len(prompts) == 9
    later = [p for p in prompts if FEEDBACK_MARK in p]
    assert len(later) == 6
    for task in tasks:
        for pair in task.test:
            assert json.dumps(encode_grid(pair.output))[1:-1] not in "".join(prompts)
    told = {r.task_id: r.feedback for r in load_records(result.run_dir) if r.round == 1}
    for task in tasks:
        assert encode_grid(task.train[0].output) in told[task.id]
        assert "Training example 1: wrong output" in told[task.id]
    # d000 turns grids a quarter (3x4 becomes 4x3), d001 a half (shapes kept)
    assert "The shapes differ: expected 4x3, got 3x4." in told["d000"]
    assert "cells differ (marked X)" in told["d001"]
    # the same program, told right or wrong on a test input, gets the same feedback
    train = [PairVerdict("train", 0, "fail", [[1]])]
    for right, wrong in (("pass", "fail"), ("unchecked", "fail")):
        said = [render_feedback(feedback_template(), feedback_values(
            task, Verification([*train, PairVerdict("test", 0, status, [[7, 7]])]), None,
            "json"), 1, 3) for status in (right, wrong)]
        assert said[0] == said[1] and "7, 7" not in said[0] and "[7,7]" not in said[0]


def test_a_model_that_never_mends_uses_exactly_r_rounds(fake_server, make_settings):
    fake_server.rules = [Rule(content=never_fixes)]
    result = run(RunConfig("code", make_settings(rounds=3, samples=2), tasks=dihedral_tasks(2),
                           progress=False))
    records = load_records(result.run_dir)
    assert fake_server.stats.answered == 2 * 2 * 3 and result.finished == 4
    assert set(map(tuple, rounds_of(records).values())) == {(1, 2, 3)}
    assert [r.feedback is not None for r in sorted(records, key=lambda r: r.round)] == \
        [True] * 8 + [False] * 4
    later = [r for r in records if r.round > 1]
    assert all(len(r.messages) == 2 and r.messages[0]["role"] == "assistant" for r in later)
    assert all(r.messages[0]["content"] == IDENTITY_CODE for r in later)
    scores = score_run(result.run_dir)
    assert [r["tasks_solved"] for r in scores.rounds] == [0, 0, 0]
    assert scores.tasks[0].samples[0].round == 3  # every round passed 0: the last one


def test_a_run_killed_between_rounds_resumes_at_the_next_round(fake_server, isolated):
    fake_server.rules = [Rule(match=FEEDBACK_MARK, content=fixes_on_feedback,
                              faults=["hang"] * 8),
                         Rule(content=fixes_on_feedback)]
    data = write_tasks(isolated / "data", 4)
    proc = start(["codegen", *MODEL, "--data", str(data), "--rounds", "3", "-c", "4"],
                 isolated, fake_server.url)
    deadline = time.monotonic() + 60
    journal = None
    while time.monotonic() < deadline:  # every first round recorded, the second ones hang
        journal = next(isolated.glob("runs/*/results.jsonl"), None)
        if journal and journal.read_bytes().count(b"\n") >= 4:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert journal is not None and journal.read_bytes().count(b"\n") == 4
    run_dir = journal.parent
    fake_server.rules = [Rule(content=fixes_on_feedback)]
    asked_before = len(fake_server.stats.received)
    code, _out, err = finish(start(["codegen", "--resume", str(run_dir)], isolated,
                                   fake_server.url))
    assert code == 0, err
    resumed = [json.dumps(b["messages"]) for b in fake_server.stats.received[asked_before:]]
    assert len(resumed) == 4 and all(FEEDBACK_MARK in p for p in resumed)  # no round 1 again
    records = load_records(run_dir)
    assert set(map(tuple, rounds_of(records).values())) == {(1, 2)}
    assert json.loads((run_dir / "summary.json").read_text())["arcprize_score"] == 1.0


def test_cost_caps_stop_between_rounds_and_resume_goes_on(fake_server, make_settings):
    fake_server.rules = [Rule(content=fixes_on_feedback)]
    fake_server.report_cost = 0.01
    tasks = dihedral_tasks(3)
    first = run(RunConfig("code", make_settings(rounds=3, max_cost_per_task=0.01),
                          tasks=tasks, progress=False))
    assert first.status == "budget_reached" and first.finished == 0
    records = load_records(first.run_dir)
    assert len(records) == 3 and all(r.round == 1 and r.feedback for r in records)
    assert score_run(first.run_dir).arcprize_score == 0.0
    again = run(RunConfig("code", make_settings(max_cost_per_task=1.0), tasks=tasks,
                          resume=first.run_dir, progress=False))
    assert again.status == "completed" and again.finished == 3
    assert set(map(tuple, rounds_of(load_records(first.run_dir)).values())) == {(1, 2)}
    scores = finish_run(first.run_dir)
    assert scores is not None and scores.arcprize_score == 1.0
    assert [r["cost_of_round"] for r in scores.rounds] == [0.03, 0.03, 0.0]
    run_cap = run(RunConfig("code", make_settings(rounds=3, max_cost=0.02, concurrency=1),
                            tasks=tasks, progress=False))
    assert run_cap.status == "budget_reached"
    assert len(load_records(run_cap.run_dir)) == 2  # stopped before a third request


def test_refining_runs_replay_round_by_round(fake_server, make_settings, isolated):
    fake_server.rules = [Rule(content=fixes_on_feedback)]
    tasks = dihedral_tasks(3)
    first = run(RunConfig("code", make_settings(rounds=2), tasks=tasks, progress=False))
    again = run(RunConfig("code", make_settings(rounds=2, model=f"replay/{first.run_dir}",
                                                base_url=None), tasks=tasks, progress=False))
    records = load_records(again.run_dir)
    assert not [r for r in records if r.error is not None]
    assert set(map(tuple, rounds_of(records).values())) == {(1, 2)}
    assert score_run(again.run_dir).arcprize_score == 1.0


@pytest.mark.parametrize("augment", ["rot90,colours", "transpose"])
def test_rounds_refine_inside_each_augmented_frame(augment, fake_server, make_settings):
    fake_server.rules = [Rule(content=fixes_on_feedback)]
    result = run(RunConfig("code", make_settings(rounds=2, samples=2, augment=augment),
                           tasks=dihedral_tasks(4), progress=False))
    scores = finish_run(result.run_dir)
    assert scores is not None and scores.arcprize_score == 1.0
    records = load_records(result.run_dir)
    assert {r.augment for r in records} == set(augment.split(","))
    first = next(r for r in records if r.round == 1 and r.augment != "identity")
    assert first.transform and first.feedback


def test_rounds_options_are_checked(fake_server, isolated, tmp_path):
    data = write_tasks(isolated / "data", 1)
    code, _out, err = finish(start(["codegen", *MODEL, "--data", str(data),
                                    "--feedback-prompt", str(tmp_path / "none.txt")],
                                   isolated, fake_server.url))
    assert code != 0 and "--feedback-prompt: needs --rounds 2" in err
    bad = tmp_path / "bad.txt"
    bad.write_text("{{ nothing_here }}")
    code, _out, err = finish(start(["codegen", *MODEL, "--data", str(data), "--rounds", "2",
                                    "--feedback-prompt", str(bad)], isolated, fake_server.url))
    assert code != 0 and f"--feedback-prompt {bad}" in err and "nothing_here" in err
    assert not list(isolated.glob("runs/*"))
    code, _out, err = finish(start(["traces", *MODEL, "--data", str(data), "--rounds", "2"],
                                   isolated, fake_server.url))
    assert code != 0 and "--rounds" in err


def test_a_replaced_feedback_template_is_what_the_model_reads(fake_server, isolated, tmp_path):
    template = tmp_path / "feedback.txt"
    template.write_text("Round {{ round }} of {{ rounds }}: {{ passed }}/{{ total }} right. "
                        "{% for p in train %}[{{ p.index }}:{{ p.status }}]{% endfor %}")
    fake_server.rules = [Rule(content=never_fixes)]
    data = write_tasks(isolated / "data", 1)
    code, out, err = finish(start(["codegen", *MODEL, "--data", str(data), "--rounds", "2",
                                   "--feedback-prompt", str(template)], isolated,
                                  fake_server.url))
    assert code == 0, err
    run_dir = printed_run_dir(out, isolated)
    assert read_run_info(run_dir).feedback_prompt.text == template.read_text()
    last = fake_server.stats.received[-1]["messages"][-1]["content"]
    assert last == "Round 1 of 2: 0/2 right. [1:fail][2:fail]"


def test_compare_shows_what_each_round_added(fake_server, make_settings, tmp_path):
    import subprocess
    import sys
    import xml.etree.ElementTree as ET

    fake_server.rules = [Rule(content=fixes_on_feedback)]
    fake_server.report_cost = 0.002
    tasks = dihedral_tasks(3)
    dirs = []
    for rounds in (1, 3):
        result = run(RunConfig("code", make_settings(rounds=rounds), tasks=tasks,
                               progress=False))
        finish_run(result.run_dir)
        dirs.append(result.run_dir)
    chart = tmp_path / "chart.svg"
    args = [sys.executable, "-m", "arcforge", "compare", *map(str, dirs), "--chart", str(chart)]
    done = subprocess.run([*args, "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    one, three = json.loads(done.stdout)["runs"]
    assert (one["rounds"], one["by_round"], one["arcprize_score"]) == (1, [], 0.0)
    assert three["rounds"] == 3 and three["arcprize_score"] == 1.0
    assert [(n["round"], n["newly_solved"], n["cost_of_round"]) for n in three["by_round"]] \
        == [(1, 0, 0.006), (2, 3, 0.006), (3, 0, 0.0)]
    svg = ET.parse(chart).getroot()
    assert svg.find(".//{http://www.w3.org/2000/svg}polyline[@class='rounds']") is not None
    table = subprocess.run(args, capture_output=True, text=True, timeout=120,
                           env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert table.returncode == 0 and "by refinement round" in table.stdout
    assert "+3" in table.stdout


def test_merge_takes_a_refined_sample_s_first_round_as_its_trace(fake_server, make_settings,
                                                                  tmp_path):
    from arcforge.runfiles import JOURNAL
    from arcforge.store import open_store
    from arcforge.store.merge import merge_files

    fake_server.rules = [Rule(content=never_fixes)]
    tasks = dihedral_tasks(2)
    result = run(RunConfig("code", make_settings(rounds=3), tasks=tasks, progress=False))
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        store.import_tasks(tasks, source="test")
        merged = merge_files(store, [result.run_dir / JOURNAL])
        assert merged.added == 2  # one trace per sample, not one per round
        report = merged.files[0]
        assert report.records == 6 and report.empty == 4
        assert any("refinement rounds" in note for note in report.notes)
    finally:
        store.dispose()
