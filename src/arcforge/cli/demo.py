"""``arcforge demo``: the whole product, offline, on a fixed set of bundled tasks.

It runs ``traces`` and ``codegen`` with the built-in ``builtin/dsl`` model, merges the
traces into the store, writes both reports, prints the scores, and serves the studio with
those tasks, traces and runs. ``make run`` starts it.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from arcforge.tasks import Task

DEMO_TASKS = ("arcforge.models.builtin", "demo_tasks.txt")
DEMO_FOLDER = "demo-tasks"  # under --out: the demo's tasks as <id>.json files, for the studio
# codegen refines for 2 rounds: a first search of 2,000 candidate programs (a budget that
# is the same on every machine) misses the demo's longer programs, and the feedback sends
# builtin/dsl further (twice the candidates) in the second round
DEMO_ROUNDS = 2
DEMO_SEARCH_CANDIDATES = 2_000


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo_task_list() -> tuple[str, list[str]]:
    """The demo's data spec (from the ``# data:`` header) and its task ids."""
    from arcforge.errors import ArcforgeError

    package, name = DEMO_TASKS
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    spec, ids = None, []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#"):
            key, _, value = line.lstrip("#").partition(":")
            if key.strip() == "data":
                spec = value.strip()
        elif line:
            ids.append(line)
    if spec is None or not ids:
        raise ArcforgeError(f"{package}/{name}: needs a '# data: SPEC' line and task ids")
    return spec, ids


def write_task_folder(tasks: list[Task], folder: Path) -> Path:
    """Write tasks in the official layout (``<id>.json`` with ``train`` and ``test``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        (folder / f"{task.id}.json").write_text(json.dumps(task.content()), encoding="utf-8")
    return folder


def previous_run(out: Path, kind: str, spec: str, ids: list[str],
                 rounds: int = 1) -> Path | None:
    """The newest demo run of this kind on these tasks under ``out``, to resume, if any."""
    from arcforge.errors import ArcforgeError
    from arcforge.runfiles import read_run_info

    if not out.is_dir():
        return None
    wanted = [(tid, 0) for tid in ids]
    for folder in sorted(out.iterdir(), reverse=True):
        try:
            info = read_run_info(folder)
        except ArcforgeError:
            continue
        if (info.kind, info.model, info.data, info.task_keys, info.rounds or 1) == (
            kind,
            "builtin/dsl",
            spec,
            wanted,
            rounds,
        ):
            return folder
    return None


def demo(
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop after the runs, the merge and the reports.")
    ] = False,
    host: Annotated[str, typer.Option("--host", help="Studio address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Studio port.")] = 8000,
    store_url: Annotated[
        str | None,
        typer.Option("--store", envvar="ARCFORGE_STORE", help="Store URL [default: local SQLite]."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder of run folders.")] = Path("runs"),
    fresh: Annotated[
        bool,
        typer.Option("--fresh", help="Start new runs instead of resuming the previous demo's."),
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Run the offline demo: bench builtin/dsl on bundled tasks, merge, report, serve.

    A second demo resumes the first one's runs (nothing left to do, nothing merged twice)
    unless --fresh is given.
    """
    from rich.console import Console
    from rich.markup import escape

    from arcforge.cli.store import merge, opened_store
    from arcforge.config import load_settings
    from arcforge.data import load_tasks
    from arcforge.finish import finish_run
    from arcforge.report import write_report
    from arcforge.runfiles import JOURNAL
    from arcforge.runs import RunConfig, run
    from arcforge.scoring import render_scores_table, score_run

    console = Console()
    spec, ids = demo_task_list()
    studio = f"http://{host}:{port}"
    console.rule(f"[bold]arcforge demo[/]: builtin/dsl on {len(ids)} tasks of {spec}")
    tasks = load_tasks(spec, ids)
    folder = write_task_folder(tasks, out / DEMO_FOLDER)
    with opened_store(store_url) as store:  # the tasks first, so the traces find them
        store.import_tasks(tasks, source=DEMO_FOLDER)
    run_dirs: dict[str, Path] = {}
    # one trace per task; two code samples per task, so that pass@2 has two attempts, each
    # refined on execution feedback
    for kind, samples in (("reasoning", 1), ("code", 2)):
        command = "traces" if kind == "reasoning" else "codegen"
        code = kind == "code"
        rounds = DEMO_ROUNDS if code else 1
        console.print(f"[bold]{command}[/]: {samples} sample(s) per task"
                      + (f", up to {rounds} rounds of execution feedback" if code else ""))
        settings = load_settings(
            overrides={"model": "builtin/dsl", "data": spec, "out": out, "samples": samples,
                       "rounds": rounds,
                       "builtin_search_candidates": DEMO_SEARCH_CANDIDATES if code else None}
        )
        earlier = None if fresh else previous_run(out, kind, spec, ids, rounds)
        if earlier is not None:
            console.print(f"  resuming {escape(str(earlier))} (--fresh starts anew)")
        config = RunConfig(
            kind=kind,
            settings=settings,
            task_ids=None if earlier else ids,
            resume=earlier,
            progress=progress,
        )
        result = run(config)
        finish_run(result.run_dir)
        run_dirs[kind] = result.run_dir
        console.print(f"  {result.status}: {escape(str(result.run_dir))}")

    console.print("[bold]merging the traces into the store[/]")
    merge([run_dirs["reasoning"] / JOURNAL], store_url=store_url)

    reports = {
        kind: write_report(path, None if no_serve else studio) for kind, path in run_dirs.items()
    }
    console.print(render_scores_table(score_run(run_dirs["code"])))
    for kind, path in reports.items():
        console.print(f"report ({kind}): {escape(str(path))}")
    if no_serve:
        return
    console.rule(f"studio on [link={studio}]{studio}[/link] (Ctrl+C stops it)")
    from arcforge.web import serve

    serve(
        host=host,
        port=port,
        data=[str(folder), spec],
        store_url=store_url,
        runs_dir=out,
    )
