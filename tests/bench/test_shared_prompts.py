"""A prompt's messages are written once per run file (with the first record that sends it);
readers give every record its messages back, and the files stay small."""

from __future__ import annotations

import json

from tests.bench.scripted import dihedral_tasks
from tests.fakeserver import Rule

from arcforge.runfiles import (
    JOURNAL,
    final_results_files,
    iter_journal,
    read_results,
    task_groups,
)
from arcforge.runs import RunConfig, run


def test_each_prompt_is_written_once_and_read_back_everywhere(fake_server, make_settings):
    fake_server.rules = [Rule(content="The rule is a rotation.")]
    tasks = dihedral_tasks(4)
    result = run(RunConfig("reasoning", make_settings(samples=5), tasks=tasks, progress=False))
    lines = [json.loads(line) for line in (result.run_dir / JOURNAL).read_text().splitlines()]
    assert len(lines) == 20
    assert sum("messages" in line for line in lines) == 4  # one per task's prompt
    final = final_results_files(result.run_dir)[-1]
    assert sum("messages" in r for r in json.loads(final.read_text())["results"]) == 4
    for source in (result.run_dir, final, result.run_dir / JOURNAL):
        records = read_results(source).records
        assert len(records) == 20
        for record in records:
            assert record.messages and record.messages[-1]["role"] == "user"
        by_task = {r.task_id: r.messages for r in records}
        assert all(r.messages is by_task[r.task_id] for r in records)  # one list, shared
    streamed = list(iter_journal(result.run_dir / JOURNAL))
    whole = read_results(result.run_dir).records
    assert [r.messages for r in streamed] == [r.messages for r in whole]
    grouped = dict(task_groups(result.run_dir))
    assert sorted(grouped) == [(t.id, 0) for t in tasks]
    assert all(len(rs) == 5 and all(r.messages for r in rs) for rs in grouped.values())


def test_a_resumed_run_does_not_write_a_known_prompt_again(fake_server, make_settings):
    fake_server.rules = [Rule(content="The rule is a rotation.")]
    tasks = dihedral_tasks(2)
    first = run(RunConfig("reasoning", make_settings(samples=2), tasks=tasks, progress=False))
    journal = first.run_dir / JOURNAL
    lines = journal.read_text().splitlines()
    journal.write_text("\n".join(lines[:3]) + "\n")  # as if killed after three samples
    run(RunConfig("reasoning", make_settings(), resume=first.run_dir, progress=False))
    written = [json.loads(line) for line in journal.read_text().splitlines()]
    assert len(written) == 4 and sum("messages" in w for w in written) == 2
    assert all(r.messages for r in read_results(first.run_dir).records)
