"""``arcforge store export-data``: traces with their tasks, task versions, attempts with their
logs, as JSONL and as Parquet (read back with pyarrow and with Hugging Face ``datasets``);
people only under pseudonyms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from arcforge.cli import app
from arcforge.store import Store, open_store
from arcforge.store.datafiles import parquet_schema

from .conftest import make_task

runner = CliRunner()
LOG = [{"tool": "view", "t_ms": 0, "since": "open"},
       {"tool": "choose_colour", "colour": 2, "t_ms": 700},
       {"tool": "edit", "cells": [[0, 1], [1, 1]], "colour": 2, "t_ms": 950}]


def seed(store: Store) -> dict[str, Any]:
    """Two people, a model, an admin; a variation; traces, votes, a description and checks."""
    store.import_tasks([make_task("aa11", seed=1), make_task("bb22", seed=2)])
    ann, ben = store.create_user("annabel"), store.create_user("benedikt")
    gpt = store.create_user("openai/gpt-x", kind="model")
    rot = store.sign_variation("aa11", 0, {"op": "rot90"}, ben.id).version
    answer = store.get_task("aa11").test[0].output
    solved = store.submit_attempt(ann.id, "aa11", 0, 0, answer, True, LOG, 1300, mode="study")
    store.submit_attempt(ben.id, "bb22", 0, 0, [[1]], False, [], 40, mode="practice")
    described = store.add_description(ann.id, solved.attempt.id, {
        "what_you_see": "three dots", "output_size": "2 by 2", "how_to_build": "fold it"})
    model_trace = store.add_trace("aa11", 0, gpt.id, "The output is [[1, 1], [4, 5]].")
    human_trace = store.add_trace("bb22", 0, ben.id, "Keep the corners.")
    store.vote(model_trace.id, ann.id, 1)
    store.vote(model_trace.id, ben.id, 1)
    store.vote(human_trace.id, ann.id, -1)
    check = store.start_check(described.id, ben.id)
    store.submit_check(check.id, ben.id, answer, True, LOG[:1], 300, attempts=2)
    store.record_model_check(human_trace.id, "openai/gpt-x", "failure", {"tests": []})
    return {"people": ["annabel", "benedikt"], "rot": rot.version, "answer": answer,
            "description": described.id, "model_trace": model_trace.id,
            "human_trace": human_trace.id}


def export(url: str, folder: Path, *args: str) -> dict[str, list[dict[str, Any]]]:
    result = runner.invoke(app, ["store", "export-data", str(folder), "--store", url, *args])
    assert result.exit_code == 0, result.output
    fmt = "parquet" if "parquet" in args else "jsonl"
    if fmt == "parquet":
        return {n: pq.read_table(folder / f"{n}.parquet").to_pylist()
                for n in ("traces", "tasks", "attempts")}
    return {n: [json.loads(line) for line in (folder / f"{n}.jsonl").read_text().splitlines()]
            for n in ("traces", "tasks", "attempts")}


def test_export_holds_every_trace_version_and_attempt(store: Store, any_store_url: str,
                                                      tmp_path: Path) -> None:
    facts = seed(store)
    data = export(any_store_url, tmp_path / "out")
    traces = {t["id"]: t for t in data["traces"]}
    assert set(traces) == {facts["description"], facts["model_trace"], facts["human_trace"]}
    described = traces[facts["description"]]
    assert described["kind"] == "description" and described["test_index"] == 0
    assert described["fields"]["how_to_build"] == "fold it"
    assert (described["uses_ok"], described["uses_failed"]) == (1, 0)
    assert described["task"]["test"][0]["output"] == facts["answer"]  # with its task content
    model = traces[facts["model_trace"]]
    assert (model["author"], model["source"], model["score"]) == ("openai/gpt-x", "model", 2)
    assert (model["votes_up"], model["votes_down"], model["kind"]) == (2, 0, "trace")
    human = traces[facts["human_trace"]]
    assert (human["votes_down"], human["uses_failed"], human["score"]) == (1, 1, -1)
    versions = {(t["task_id"], t["version"]): t for t in data["tasks"]}
    assert set(versions) == {("aa11", 0), ("aa11", facts["rot"]), ("bb22", 0)}
    rot = versions[("aa11", facts["rot"])]
    assert rot["transform"] == [{"op": "rot90"}] and rot["parent_version"] == 0
    assert rot["signed_by"] == [rot["created_by"]] and rot["created_by"].startswith("p-")
    study, practice, build = data["attempts"]
    assert (study["mode"], study["correct"], study["duration_ms"]) == ("study", True, 1300)
    assert [a["tool"] for a in study["actions"]] == ["view", "choose_colour", "edit", "submit"]
    assert study["actions"][-1]["correct"] is True and study["viewing_ms"] == 700
    assert practice["mode"] == "practice" and practice["viewing_ms"] == 40  # the submission
    assert (build["mode"], build["description_id"]) == ("check", facts["description"])
    assert build["user"] == practice["user"] != study["user"] == described["author"]


def test_people_appear_only_under_stable_pseudonyms(store: Store, any_store_url: str,
                                                    tmp_path: Path) -> None:
    facts = seed(store)
    first = export(any_store_url, tmp_path / "a")
    for name in ("traces", "tasks", "attempts"):
        raw = (tmp_path / "a" / f"{name}.jsonl").read_text().casefold()
        assert not [p for p in facts["people"] if p in raw], name
    again = export(any_store_url, tmp_path / "b")
    assert [a["user"] for a in again["attempts"]] == [a["user"] for a in first["attempts"]]
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    other = open_store(other_url)
    try:
        seed(other)
    finally:
        other.dispose()
    elsewhere = export(other_url, tmp_path / "c")
    assert elsewhere["attempts"][0]["user"] != first["attempts"][0]["user"]


def test_min_score_and_source_select_traces(store: Store, any_store_url: str,
                                            tmp_path: Path) -> None:
    facts = seed(store)
    best = export(any_store_url, tmp_path / "best", "--min-score", "1")["traces"]
    assert [t["id"] for t in best] == [facts["model_trace"]]
    people = export(any_store_url, tmp_path / "people", "--source", "human")["traces"]
    assert {t["id"] for t in people} == {facts["description"], facts["human_trace"]}
    assert {t["source"] for t in people} == {"human"}
    negative = export(any_store_url, tmp_path / "neg", "--min-score", "-1")["traces"]
    assert len(negative) == 3


def test_parquet_holds_the_same_rows(store: Store, any_store_url: str, tmp_path: Path) -> None:
    seed(store)
    rows = export(any_store_url, tmp_path / "j")
    table = export(any_store_url, tmp_path / "p", "--format", "parquet")
    for name in ("traces", "tasks", "attempts"):
        assert pq.read_schema(tmp_path / "p" / f"{name}.parquet") == parquet_schema(name)
    assert table["traces"] == rows["traces"]
    assert [{**t, "transform": json.loads(t["transform"])} for t in table["tasks"]] == rows["tasks"]
    for got, want in zip(table["attempts"], rows["attempts"], strict=True):
        logged = [{"tool": a["tool"], "t_ms": a["t_ms"], "cells": a["cells"],
                   "colour": a["colour"], **json.loads(a["extra"])} for a in got["actions"]]
        assert {**got, "actions": logged} == want


def test_hugging_face_datasets_loads_the_parquet_files(
    store: Store, any_store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets")
    facts = seed(store)
    export(any_store_url, tmp_path / "p", "--format", "parquet")
    loaded = {n: datasets.load_dataset("parquet", data_files=str(tmp_path / "p" / f"{n}.parquet"),
                                       split="train", cache_dir=str(tmp_path / "cache"))
              for n in ("traces", "tasks", "attempts")}  # one data set a file: three schemas
    assert loaded["attempts"].num_rows == 3 and loaded["tasks"].num_rows == 3
    first = loaded["attempts"][0]
    assert [a["tool"] for a in first["actions"]] == ["view", "choose_colour", "edit", "submit"]
    description = next(t for t in loaded["traces"] if t["id"] == facts["description"])
    assert description["task"]["test"][0]["output"] == facts["answer"]


def test_refusals(store: Store, any_store_url: str, tmp_path: Path) -> None:
    seed(store)
    export(any_store_url, tmp_path / "out")
    again = runner.invoke(app, ["store", "export-data", str(tmp_path / "out"), "--store",
                                any_store_url])
    assert again.exit_code != 0 and "already exists" in str(again.exception)
    forced = runner.invoke(app, ["store", "export-data", str(tmp_path / "out"), "--store",
                                 any_store_url, "--force"])
    assert forced.exit_code == 0, forced.output
    for args, message in ((["--format", "csv"], "--format"), (["--source", "people"],
                                                               "--source")):
        bad = runner.invoke(app, ["store", "export-data", str(tmp_path / "x"), "--store",
                                  any_store_url, *args])
        assert bad.exit_code != 0 and message in str(bad.exception)
    missing = runner.invoke(app, ["store", "export-data", str(tmp_path / "y"), "--store",
                                  str(tmp_path / "nothing.db")])
    assert missing.exit_code != 0 and "no store" in str(missing.exception)
