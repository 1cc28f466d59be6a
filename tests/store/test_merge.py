"""arcforge merge: every input format, idempotence, rollback, dry run, unknown tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arcforge.cli import app
from arcforge.runfiles import RunInfo, SampleRecord
from arcforge.store import InputFileError, Store
from arcforge.store.legacy import export_traces_data
from arcforge.store.maintenance import collect_stats
from arcforge.store.merge import merge_files

from .conftest import make_task

runner = CliRunner()
MODEL = "openrouter/google/gemini-2.5-pro"


def record(task: str, sample: int, reasoning: str | None, **changes: object) -> dict:
    rec = SampleRecord(
        run_id="run-1",
        kind="reasoning",
        task_id=task,
        task_version=0,
        sample=sample,
        model=MODEL,
        response=reasoning,
        reasoning=reasoning,
        started_at="2026-05-01T10:00:00+00:00",
        finished_at="2026-05-01T10:00:05+00:00").to_dict()
    rec.update(changes)
    return rec


RECORDS = [
    record("aa11", 0, "rotate the grid"),
    record("aa11", 1, "mirror it"),
    record("bb22", 0, "count the colours"),
    record("bb22", 1, "   "),  # empty: no trace
    record("cc33", 0, None, error={"kind": "timeout", "message": "no answer"}),
]


def write_journal(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "results.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    (folder / "run.json").write_text(json.dumps({"run_id": "run-1", "model": MODEL}))
    return path


def write_final(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "results_20260501_100010.json"
    path.write_text(
        json.dumps({"metadata": {"run_id": "run-1", "status": "done"}, "results": records})
    )
    return path


def write_legacy_json(folder: Path, results: list[dict], username: str = "qwen/qwen3") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "reasoning_results.json"
    path.write_text(json.dumps({"metadata": {"model_username": username}, "results": results}))
    return path


def write_legacy_jsonl(folder: Path, results: list[dict], username: str = "qwen/qwen3") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "reasoning_partial.jsonl"
    meta = {"entry_type": "metadata", "model_username": username}
    path.write_text("".join(json.dumps(d) + "\n" for d in [meta, *results]))
    return path


LEGACY = [
    {"task_id": "aa11", "reasoning": "the shape moves right"},
    {"task_id": "bb22", "reasoning": ["two ideas: first", "second idea", ""]},
    {"task_id": "cc33", "reasoning": "", "error": "API failure"},
]


def traces(store: Store) -> list[dict]:
    return [e for v in export_traces_data(store).values() for e in v]


@pytest.mark.parametrize("fmt", ["journal", "final", "legacy json", "legacy jsonl"])
def test_each_format_merges_once(fmt: str, store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "runs" / "run-1"
    path = {
        "journal": lambda: write_journal(folder, RECORDS),
        "final": lambda: write_final(folder, RECORDS),
        "legacy json": lambda: write_legacy_json(folder, LEGACY),
        "legacy jsonl": lambda: write_legacy_jsonl(folder, LEGACY),
    }[fmt]()
    first = merge_files(store, [path])
    assert first.added == 3
    texts = sorted(t["text"] for t in traces(store))
    if fmt.startswith("legacy"):
        assert texts == ["second idea", "the shape moves right", "two ideas: first"]
        author = "qwen/qwen3"
    else:
        assert texts == ["count the colours", "mirror it", "rotate the grid"]
        author = MODEL
        run = store.get_run("run-1")
        assert run.model == MODEL and run.traces == 3 and run.kind == "reasoning"
        assert [(t.task_id, t.sample) for t in store.traces_of_run("run-1")] == [
            ("aa11", 0),
            ("aa11", 1),
            ("bb22", 0),
        ]
    assert {t["username"] for t in traces(store)} == {author}
    user = store.get_user_by_name(author)
    assert user is not None and user.kind == "model"
    assert all(t.source == "model" for t in store.list_traces("aa11"))
    before = collect_stats(store)
    again = merge_files(store, [path])
    assert again.added == 0 and again.present == 3
    assert collect_stats(store) == before


def test_journal_and_final_of_one_run_do_not_duplicate(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "run-1"
    journal = write_journal(folder, RECORDS[:2])  # killed after two samples
    assert merge_files(store, [journal]).added == 2
    final = write_final(folder, RECORDS)
    report = merge_files(store, [final, journal])
    assert report.added == 1 and report.present == 4
    assert len(traces(store)) == 3


def _bad_file(fmt: str, folder: Path) -> tuple[Path, str]:
    """A results file in ``fmt`` holding one bad entry among good ones, and its place."""
    if fmt == "journal":
        return write_journal(folder, [*RECORDS, {**record("dd44", 0, "text"), "sample": "x"}]), \
            "line 6.sample"
    if fmt == "final":
        return write_final(folder, [*RECORDS, {**record("dd44", 0, "t"), "task_version": -1}]), \
            "results[5].task_version"
    if fmt == "final, list reasoning":
        return write_final(folder, [*RECORDS, {**record("dd44", 0, "t"), "reasoning": ["a"]}]), \
            "results[5].reasoning"
    if fmt == "legacy json":
        return write_legacy_json(folder, [*LEGACY, {"task_id": "dd44", "reasoning": 42}]), \
            "results[3].reasoning"
    return write_legacy_json(folder, [*LEGACY, {"reasoning": "no task"}]), "results[3].task_id"


FORMATS = ["journal", "final", "final, list reasoning", "legacy json", "legacy, no task id"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_strict_refuses_everything_for_one_bad_entry(fmt: str, store: Store,
                                                     tmp_path: Path) -> None:
    good = write_legacy_json(tmp_path / "good", LEGACY, username="other/model")
    bad, where = _bad_file(fmt, tmp_path / "bad")
    with pytest.raises(InputFileError) as err:
        merge_files(store, [good, bad], strict=True)
    assert str(bad) in str(err.value) and where in str(err.value)
    assert traces(store) == []
    assert collect_stats(store)["models"] == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_entries_are_skipped_and_named(fmt: str, store: Store, any_store_url: str,
                                           tmp_path: Path) -> None:
    bad, where = _bad_file(fmt, tmp_path / "bad")
    report = merge_files(store, [bad])
    [skipped] = report.files[0].skipped
    assert skipped.file == str(bad) and str(skipped).startswith(f"{bad}: {where}")
    assert report.added == 3  # the good entries of the same file
    again = runner.invoke(app, ["merge", str(bad), "--store", any_store_url])
    assert again.exit_code == 0, again.output
    flat = "".join(again.output.split())
    assert "skipped:" in flat and where.replace(" ", "") in flat
    refused = runner.invoke(app, ["merge", str(bad), "--store", any_store_url, "--strict"])
    assert isinstance(refused.exception, InputFileError) and where in str(refused.exception)


def test_malformed_json_in_the_middle_refuses_the_file(store: Store, tmp_path: Path) -> None:
    bad = write_legacy_jsonl(tmp_path / "bad", LEGACY)
    bad.write_text(bad.read_text() + '{"task_id": "dd44", "reasoning": "x"\n{"task_id": 1}\n')
    with pytest.raises(InputFileError, match="line 5: malformed JSON"):
        merge_files(store, [bad])
    assert traces(store) == []


def test_database_error_mid_merge_rolls_back(store: Store, tmp_path: Path) -> None:
    person = store.create_user(MODEL, kind="human")  # the model's name taken by a person
    path = write_final(tmp_path, RECORDS)
    legacy = write_legacy_json(tmp_path / "l", LEGACY)
    with pytest.raises(Exception, match="is a human"):
        merge_files(store, [legacy, path])
    assert traces(store) == [] and store.list_runs() == []
    assert store.get_user_by_name("qwen/qwen3") is None
    assert store.get_user(person.id).kind == "human"


def test_dry_run_writes_nothing(store: Store, any_store_url: str, tmp_path: Path) -> None:
    path = write_journal(tmp_path / "run-1", RECORDS)
    result = runner.invoke(app, ["merge", str(path), "--dry-run", "--store", any_store_url])
    assert result.exit_code == 0, result.output
    assert "would add" in result.output and "dry run" in result.output
    assert "2 tasks are not in the store" in " ".join(result.output.split())
    assert traces(store) == [] and store.list_runs() == []
    result = runner.invoke(app, ["merge", str(path), "--store", any_store_url])
    assert result.exit_code == 0, result.output
    assert f"added 3 traces by {MODEL}" in " ".join(result.output.split())
    result = runner.invoke(app, ["merge", str(path), "--store", any_store_url])
    assert "nothing new to add" in result.output


def test_unknown_tasks_get_content_later(store: Store, tmp_path: Path) -> None:
    report = merge_files(store, [write_legacy_json(tmp_path, LEGACY)])
    assert report.tasks_created == 2
    page = store.list_tasks(has_traces=True)
    assert [(s.id, s.has_content, s.traces) for s in page.items] == [
        ("aa11", False, 1),
        ("bb22", False, 2),
    ]
    assert store.task_ids() == [] and store.task_ids(with_content=False) == ["aa11", "bb22"]
    store.import_tasks([make_task("aa11")], source="test")
    assert store.task_ids() == ["aa11"]
    summary = store.list_tasks(id_prefix="aa").items[0]
    assert summary.has_content and summary.traces == 1 and summary.source == "test"
    assert store.list_traces("aa11")[0].text == "the shape moves right"


def test_torn_last_journal_line_is_skipped_and_reported(store: Store, tmp_path: Path) -> None:
    path = write_journal(tmp_path, RECORDS[:2])
    path.write_text(path.read_text() + json.dumps(RECORDS[2])[:40])
    report = merge_files(store, [path])
    assert report.added == 2
    assert "torn last line" in report.files[0].notes[0]


def test_oversized_names_are_refused_and_long_ids_fit(store: Store, tmp_path: Path) -> None:
    bad = write_final(tmp_path / "a", [record("t" * 201, 0, "idea")])
    with pytest.raises(InputFileError, match=r"results\[0\]\.task_id"):
        merge_files(store, [bad], strict=True)
    assert merge_files(store, [bad]).files[0].skipped[0].path == "results[0].task_id"
    model = "m/" + "o" * 198  # the longest name allowed, on the longest task id
    good = write_final(tmp_path / "b", [record("t" * 200, 0, "idea", model=model)])
    assert merge_files(store, [good]).added == 1
    [trace] = store.list_traces("t" * 200)
    assert len(trace.trace_id) <= 400 and trace.author == model


def test_legacy_without_model_username_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"metadata": {}, "results": LEGACY}))
    with pytest.raises(InputFileError, match=r"metadata\.model_username"):
        merge_files(store, [path])
    assert merge_files(store, [path], model_username="someone/model").added == 3


def test_odd_final_files(store: Store, tmp_path: Path) -> None:
    empty = write_final(tmp_path / "empty", [])
    report = merge_files(store, [empty])
    assert report.added == 0 and report.files[0].notes == ["holds no results"]
    mixed = write_final(tmp_path / "mixed", [RECORDS[0], {"task_id": "aa11", "reasoning": "x"}])
    with pytest.raises(InputFileError, match=r"results\[1\]: has no run_id"):
        merge_files(store, [mixed], strict=True)
    legacy = write_legacy_json(tmp_path / "l", LEGACY)
    with pytest.raises(InputFileError, match="--model-username"):
        merge_files(store, [legacy], model_username="  ")
    assert traces(store) == []
    lenient = merge_files(store, [mixed])
    assert lenient.added == 1 and lenient.files[0].skipped[0].path == "results[1]"


def test_files_written_by_the_run_folder_code(store: Store, tmp_path: Path) -> None:
    """The journal and final file as the runner writes them (not hand-made) merge as one run."""
    from arcforge.runfiles import Journal
    from arcforge.runfiles import write_final as runner_write_final

    folder = tmp_path / "runs" / "run-1"
    folder.mkdir(parents=True)
    journal = Journal(folder / "results.jsonl")
    for rec in [*RECORDS, record("dd44", 0, "ünïcode reasoning → fine")]:
        journal.append(SampleRecord.model_validate(rec))
    journal.close()
    final = runner_write_final(folder, RunInfo(run_id="run-1", model=MODEL, kind="reasoning"),
                               "completed", 4)
    report = merge_files(store, [folder / "results.jsonl", final])
    assert (report.added, report.present) == (4, 4)
    assert store.list_traces("dd44")[0].text == "ünïcode reasoning → fine"
    assert store.get_run("run-1").traces == 4


def test_a_trace_seen_under_a_transform_joins_that_variation(store: Store, tmp_path: Path) -> None:
    task = make_task("aa11")
    store.import_tasks([task], source="test")
    spec = [{"op": "rot90"}]
    seen = record("aa11", 0, "rotated, the shape moves down", transform=spec, augment="rot90")
    plain = record("aa11", 1, "the shape moves right")
    path = write_journal(tmp_path / "run-1", [seen, plain])
    report = merge_files(store, [path])
    assert report.added == 2
    [variation] = [v for v in store.list_versions("aa11") if v.version > 0]
    assert list(variation.transform) == spec and MODEL in variation.signed_by
    assert {t.text: t.task_version for t in store.list_traces("aa11", None)} == {
        "rotated, the shape moves down": variation.version, "the shape moves right": 0}
    assert merge_files(store, [path]).added == 0  # idempotent, no second variation
    assert len(store.list_versions("aa11")) == 2


def test_a_transformed_trace_waits_for_its_task(store: Store, tmp_path: Path) -> None:
    seen = record("zz99", 0, "rotated", transform=[{"op": "rot90"}], augment="rot90")
    path = write_journal(tmp_path / "run-1", [seen, record("zz99", 1, "plain")])
    report = merge_files(store, [path])
    assert report.added == 1 and "import the tasks" in report.notes[0]
    store.import_tasks([make_task("zz99")], source="test")
    assert merge_files(store, [path]).added == 1  # the task is known now


def test_direct_answers_are_not_traces(store: Store, tmp_path: Path) -> None:
    answer = record("aa11", 0, "\\boxed{[[1]]}", kind="predict", test_index=0, answer=[[1]])
    report = merge_files(store, [write_journal(tmp_path / "run-1", [answer])])
    assert report.added == 0 and "direct answers" in report.files[0].notes[0]
