"""Legacy exchange files: traces_store.json and dataset.json, through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arcforge.cli import app
from arcforge.store import ConflictError, InputFileError, Store, open_store
from arcforge.store.legacy import export_traces_data
from arcforge.store.maintenance import collect_stats

from .conftest import REFERENCE, make_task

runner = CliRunner()
ARCFORGE = str(Path(sys.executable).with_name("arcforge"))


def cli(*args: str) -> object:
    return runner.invoke(app, list(args))


def snapshot(url: str) -> tuple[dict[str, int], dict]:
    store = open_store(url)
    try:
        return collect_stats(store), export_traces_data(store)
    finally:
        store.dispose()


def test_reference_file_round_trips_byte_for_byte(store_url: str, tmp_path: Path) -> None:
    result = cli("store", "import-traces", str(REFERENCE), "--store", store_url)
    assert result.exit_code == 0, result.output
    assert "259" in result.output
    out = tmp_path / "out.json"
    result = cli("store", "export-traces", str(out), "--store", store_url)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == REFERENCE.read_bytes()
    original = json.loads(REFERENCE.read_text())
    assert len(original) == 108
    assert sum(len(v) for v in original.values()) == 259


def test_reference_import_builds_users_votes_and_scores(store_url: str) -> None:
    assert cli("store", "import-traces", str(REFERENCE), "--store", store_url).exit_code == 0
    store = open_store(store_url)
    try:
        stats = collect_stats(store)
        assert stats["votes"] == 4
        assert stats["traces by models"] + stats["traces by people"] == 259
        users = {u.username: u for u in store.list_users()}
        assert users["anthropic/claude-3.7-sonnet"].kind == "model"
        assert users["artnoage"].kind == "human"
        assert all(u.imported and u.password_hash is None for u in users.values())
        data = json.loads(REFERENCE.read_text())
        voted = next(e for v in data.values() for e in v if e["voters"])
        view = store.find_trace(voted["trace_id"])
        assert view.score == voted["score"] == sum(voted["voters"].values())
        # a new vote after import moves the score, and the export says so
        newcomer = store.create_user("newcomer")
        assert store.vote(view.id, newcomer.id, -1).score == voted["score"] - 1
        exported = export_traces_data(store)[voted["task_id"]]
        entry = next(e for e in exported if e["trace_id"] == voted["trace_id"])
        assert entry["voters"] == {**voted["voters"], "newcomer": -1}
        assert entry["score"] == voted["score"] - 1
    finally:
        store.dispose()


def test_reimport_adds_nothing(store_url: str) -> None:
    cli("store", "import-traces", str(REFERENCE), "--store", store_url)
    before = snapshot(store_url)
    result = cli("store", "import-traces", str(REFERENCE), "--store", store_url)
    assert result.exit_code == 0
    assert snapshot(store_url) == before


def _legacy_entry(**changes: object) -> dict:
    entry = {
        "trace_id": "t1_bob_00000001",
        "task_id": "t1",
        "username": "bob",
        "text": "fill the holes",
        "score": 1,
        "timestamp": 1745946045.0825815,
        "voters": {"carol": 1},
    }
    entry.update(changes)
    return entry


CORRUPT = {
    "truncated": '{"t1": [{"trace_id": "x"',
    "not an object": "[1, 2]",
    "bad vote": json.dumps({"t1": [_legacy_entry(voters={"carol": 2})]}),
    "missing text": json.dumps({"t1": [{k: v for k, v in _legacy_entry().items() if k != "text"}]}),
    "filed under another task": json.dumps({"t2": [_legacy_entry()]}),
    "duplicate id": json.dumps({"t1": [_legacy_entry(), _legacy_entry(text="other")]}),
    "score is a string": json.dumps({"t1": [_legacy_entry(score="1")]}),
    "same voter twice": json.dumps({"t1": [_legacy_entry(voters={"Carol": 1, "carol": 1})]}),
    "name too long": json.dumps({"t1": [_legacy_entry(username="x" * 201)]}),
}
EXPECTED = {
    "truncated": "malformed JSON",
    "not an object": "expected an object",
    "bad vote": "t1[0].voters.carol: 2 is not +1 or -1",
    "missing text": "t1[0].text: missing",
    "filed under another task": "t2[0].task_id",
    "duplicate id": "t1[1].trace_id: 't1_bob_00000001' also at t1[0]",
    "score is a string": "t1[0].score",
    "same voter twice": "are the same user",
    "name too long": "t1[0].username",
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_traces_file_leaves_store_untouched(
    case: str, store_url: str, tmp_path: Path
) -> None:
    cli("store", "import-traces", str(REFERENCE), "--store", store_url)
    before = snapshot(store_url)
    bad = tmp_path / "bad.json"
    bad.write_text(CORRUPT[case])
    result = cli("store", "import-traces", str(bad), "--store", store_url)
    assert isinstance(result.exception, InputFileError), result.output
    message = str(result.exception)
    assert str(bad) in message and EXPECTED[case] in message
    assert "store is unchanged" in message
    assert snapshot(store_url) == before


def test_partial_corruption_adds_nothing(store_url: str, tmp_path: Path) -> None:
    data = json.loads(REFERENCE.read_text())
    last = list(data)[-1]
    data[last][-1]["voters"] = {"someone": 0}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = cli("store", "import-traces", str(bad), "--store", store_url)
    assert isinstance(result.exception, InputFileError)
    stats, traces = snapshot(store_url)
    assert traces == {} and stats["people"] == stats["models"] == 0


def test_scores_the_voters_do_not_explain_are_kept(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "traces_store.json"
    text = json.dumps({"t1": [_legacy_entry(score=5, voters={"carol": 1})]}, indent=2)
    path.write_text(text)
    out = tmp_path / "out.json"
    assert cli("store", "import-traces", str(path), "--store", str(store.url)).exit_code == 0
    assert cli("store", "export-traces", str(out), "--store", str(store.url)).exit_code == 0
    assert out.read_text() == text
    trace = store.find_trace("t1_bob_00000001")
    dave = store.create_user("dave")
    assert trace.score == 5 and store.vote(trace.id, dave.id, 1).score == 6
    [entry] = export_traces_data(store)["t1"]
    assert (entry["score"], entry["voters"]) == (6, {"carol": 1, "dave": 1})


def test_conflicting_trace_id_refused(store: Store, any_store_url: str, tmp_path: Path) -> None:
    good = tmp_path / "a.json"
    good.write_text(json.dumps({"t1": [_legacy_entry()]}))
    assert cli("store", "import-traces", str(good), "--store", any_store_url).exit_code == 0
    clash = tmp_path / "b.json"
    fresh = _legacy_entry(task_id="t9", trace_id="n")
    clash.write_text(json.dumps({"t9": [fresh], "t1": [_legacy_entry(text="changed")]}))
    result = cli("store", "import-traces", str(clash), "--store", any_store_url)
    assert isinstance(result.exception, ConflictError)
    assert "t1_bob_00000001" in str(result.exception)
    assert list(export_traces_data(store)) == ["t1"]


def test_cli_prints_clear_error_without_traceback(store_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "traces_store.json"
    bad.write_text('{"t1": [}')
    proc = subprocess.run(
        [ARCFORGE, "store", "import-traces", str(bad), "--store", store_url],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "1000"},  # no wrapping of the long path
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"{bad}: malformed JSON" in proc.stderr


def test_export_refuses_to_overwrite(store_url: str, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    out.write_text("keep me")
    result = cli("store", "export-traces", str(out), "--store", store_url)
    assert "no store at" in str(result.exception)  # reading commands never create a store
    assert not Path(store_url.removeprefix("sqlite:///")).exists()
    open_store(store_url).dispose()
    result = cli("store", "export-traces", str(out), "--store", store_url)
    assert "already exists" in str(result.exception)
    assert out.read_text() == "keep me"
    assert cli("store", "export-traces", str(out), "--store", store_url, "--force").exit_code == 0
    assert json.loads(out.read_text()) == {}


def _dataset(tmp_path: Path) -> Path:
    original = make_task("aa11", seed=7)
    variation = original.with_(
        version=2,
        train=original.test,
        test=original.train,
        signed_by=("Dana", "eve"),
        parent=("aa11", 0),
    )
    other = make_task("bb22", seed=3).with_(signed_by=("eve",))
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps([original.to_dict(), variation.to_dict(), other.to_dict()]))
    return path


def test_dataset_round_trip(store_url: str, tmp_path: Path) -> None:
    path = _dataset(tmp_path)
    result = cli("store", "import-dataset", str(path), "--store", store_url)
    assert result.exit_code == 0, result.output
    out = tmp_path / "out.json"
    assert cli("store", "export-dataset", str(out), "--store", store_url).exit_code == 0
    key = lambda d: (d["task_id"], d["version"])  # noqa: E731
    assert sorted(json.loads(out.read_text()), key=key) == sorted(
        json.loads(path.read_text()), key=key
    )
    # importing again changes nothing; the next variation number is 3 (2 is taken)
    assert cli("store", "import-dataset", str(path), "--store", store_url).exit_code == 0
    store = open_store(store_url)
    try:
        assert [v.version for v in store.list_versions("aa11")] == [0, 2]
        dana = store.get_user_by_name("dana")
        assert dana is not None and dana.imported
        made = store.sign_variation("aa11", 0, {"op": "rot90"}, dana.id)
        assert made.outcome == "created" and made.version.version == 3
    finally:
        store.dispose()


def test_dataset_conflict_and_invalid_refused(store_url: str, tmp_path: Path) -> None:
    path = _dataset(tmp_path)
    cli("store", "import-dataset", str(path), "--store", store_url)
    before = snapshot(store_url)
    changed = json.loads(path.read_text())
    changed[0]["train"][0]["output"] = [[9]]
    changed.append(make_task("cc33").to_dict())
    clash = tmp_path / "clash.json"
    clash.write_text(json.dumps(changed))
    result = cli("store", "import-dataset", str(clash), "--store", store_url)
    assert isinstance(result.exception, ConflictError)
    assert "aa11 version 0: the store holds different content" in str(result.exception)
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps([make_task("dd44").to_dict(), {"task_id": "x", "train": []}]))
    result = cli("store", "import-dataset", str(invalid), "--store", store_url)
    assert isinstance(result.exception, InputFileError)
    assert f"{invalid}: [1].train: has no pairs" in str(result.exception)
    assert snapshot(store_url) == before
    store = open_store(store_url)
    try:
        assert store.list_tasks().total == 2
    finally:
        store.dispose()
