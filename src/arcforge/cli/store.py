"""``arcforge store ...`` (the database behind the studio) and ``arcforge merge``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from arcforge.store import Store

store_app = typer.Typer(
    help="The store: database of tasks, variations, traces, votes and attempts.",
    no_args_is_help=True,
)
console = Console()

StoreUrl = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="ARCFORGE_STORE",
        show_envvar=True,
        help="SQLAlchemy URL or SQLite file of the store "
        "[default: $XDG_DATA_HOME/arcforge/arcforge.db, i.e. ~/.local/share/arcforge/arcforge.db].",
    ),
]
Force = Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")]
InFile = Annotated[Path, typer.Argument(metavar="FILE", help="File to read.")]
OutFile = Annotated[Path, typer.Argument(metavar="FILE", help="File to write.")]


def register(app: typer.Typer) -> None:
    app.add_typer(store_app, name="store")
    app.command("merge")(merge)


@contextmanager
def opened_store(url: str | None, create: bool = True) -> Iterator[Store]:
    """The store, closed afterwards; ``create=False`` for commands that only read it."""
    from arcforge.store import open_store

    store = open_store(url, create=create)
    try:
        yield store
    finally:
        store.dispose()


def _kv_table(title: str, rows: list[tuple[str, object]]) -> Table:
    table = Table(show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, f"{value:,}" if isinstance(value, int) else escape(str(value)))
    console.print(f"[bold]{escape(title)}[/]")
    return table


@store_app.command("upgrade")
def upgrade(store_url: StoreUrl = None) -> None:
    """Bring the store's schema to the newest revision (opening a store does this too)."""
    from arcforge.store import open_store

    store = open_store(store_url, upgrade=False, create=False)
    try:
        before, after = store.upgrade()
    finally:
        store.dispose()
    where = escape(store.describe())
    if before == after:
        console.print(f"{where}: schema already at revision {after}")
    else:
        console.print(f"{where}: schema upgraded from {before or '(empty)'} to {after}")


@store_app.command("stats")
def stats(store_url: StoreUrl = None) -> None:
    """Count what the store holds."""
    from arcforge.store.maintenance import collect_stats
    from arcforge.store.paths import sqlite_file

    with opened_store(store_url, create=False) as store:
        counts = collect_stats(store)
        revision = store.revision()
        path = sqlite_file(store.url)
        title = store.describe()
    rows: list[tuple[str, object]] = list(counts.items())
    rows.append(("schema revision", revision or "-"))
    if path is not None and path.exists():
        rows.append(("file size", f"{path.stat().st_size / 1e6:.1f} MB"))
    console.print(_kv_table(title, rows))


@store_app.command("backup")
def backup(
    path: Annotated[Path, typer.Argument(help="Where to write the copy (a SQLite file).")],
    store_url: StoreUrl = None,
    force: Force = False,
) -> None:
    """Write a consistent copy of a SQLite store, safe while the studio is running."""
    from arcforge.store.maintenance import backup_store

    with opened_store(store_url, create=False) as store:
        size = backup_store(store, path, force=force)
    console.print(f"backup written to {escape(str(path))} ({size / 1e6:.1f} MB)")


@store_app.command("import-traces")
def import_traces(file: InFile, store_url: StoreUrl = None) -> None:
    """Import a legacy traces_store.json (traces, votes and voters); known ids are skipped."""
    from arcforge.store.legacy import import_traces as run

    with opened_store(store_url) as store, console.status("importing traces"):
        report = run(store, file)
    console.print(
        _kv_table(
            f"imported {escape(str(file))}",
            [
                ("tasks in file", report.tasks),
                ("traces added", report.traces_added),
                ("traces already present", report.traces_present),
                ("votes added", report.votes_added),
                ("users added (imported)", report.users_added),
            ],
        )
    )


@store_app.command("export-traces")
def export_traces(file: OutFile, store_url: StoreUrl = None, force: Force = False) -> None:
    """Write every live trace as a legacy traces_store.json."""
    from arcforge.store.legacy import export_traces as run

    with opened_store(store_url, create=False) as store:
        n = run(store, file, force=force)
    console.print(f"{n:,} traces written to {escape(str(file))}")


@store_app.command("import-dataset")
def import_dataset(file: InFile, store_url: StoreUrl = None) -> None:
    """Import a legacy dataset.json: tasks, numbered variations and their signers."""
    from arcforge.store.legacy import import_dataset as run

    with opened_store(store_url) as store, console.status("importing tasks"):
        report = run(store, file)
    console.print(
        _kv_table(
            f"imported {escape(str(file))}",
            [
                ("tasks added", report.tasks_added),
                ("versions added", report.versions_added),
                ("versions already present", report.unchanged),
                ("signatures added", report.signatures_added),
            ],
        )
    )


@store_app.command("export-dataset")
def export_dataset(file: OutFile, store_url: StoreUrl = None, force: Force = False) -> None:
    """Write every live task version as a legacy dataset.json."""
    from arcforge.store.legacy import export_dataset as run

    with opened_store(store_url, create=False) as store:
        n = run(store, file, force=force)
    console.print(f"{n:,} task versions written to {escape(str(file))}")


@store_app.command("export-data")
def export_data(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="Folder to write into.")],
    store_url: StoreUrl = None,
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl (one JSON object a line) or parquet.")
    ] = "jsonl",
    min_score: Annotated[
        int | None, typer.Option("--min-score", help="Only traces with at least this score.")
    ] = None,
    source: Annotated[
        str, typer.Option("--source", help="Traces by human, model or all authors.")
    ] = "all",
    force: Annotated[bool, typer.Option("--force", help="Replace files that exist.")] = False,
) -> None:
    """Write traces, tasks and attempts (with action logs) for research and training;
    people appear under pseudonyms."""
    from arcforge.errors import UsageError
    from arcforge.store.datafiles import FORMATS
    from arcforge.store.datafiles import export_data as run
    from arcforge.store.datasets import SOURCES

    if fmt not in FORMATS:
        raise UsageError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if source not in SOURCES:
        raise UsageError(f"--source: {source!r} is not one of {', '.join(SOURCES)}")
    with opened_store(store_url, create=False) as store, console.status("exporting") as status:
        counts: dict[str, int] = {}

        def done(name: str, rows: int) -> None:
            counts[name] = rows
            status.update(f"exporting ({name}: {rows:,} rows)")

        paths = run(store, folder, fmt=fmt, min_score=min_score, source=source,  # type: ignore[arg-type]
                    force=force, progress=done)
    console.print(_kv_table(f"written to {folder}", [
        (paths[name].name, counts[name]) for name in paths]))


def merge(
    results_files: Annotated[
        list[Path],
        typer.Argument(
            metavar="RESULTS_FILE...",
            help="results.jsonl journals, results_*.json final files, or legacy results "
            "files (.json, or .jsonl with a metadata first line).",
        ),
    ],
    store_url: StoreUrl = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be added; change nothing.")
    ] = False,
    model_username: Annotated[
        str | None,
        typer.Option(
            "--model-username", help="Author name for legacy files (overrides their metadata)."
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Refuse every file when one entry is bad "
                           "(default: skip bad entries and list them).")
    ] = False,
) -> None:
    """Add the model reasoning of results files to the store as traces (idempotent)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from arcforge.store.merge import merge_files

    with (
        opened_store(store_url) as store,
        Progress(
            TextColumn("reading"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("files", total=len(results_files))
        report = merge_files(
            store,
            results_files,
            dry_run=dry_run,
            model_username=model_username,
            strict=strict,
            progress=lambda _path: bar.advance(task),
        )
    verb = "would add" if dry_run else "added"
    table = Table(
        title=f"merge into {escape(store.describe())}" + (" (dry run)" if dry_run else "")
    )
    table.add_column("file", overflow="fold")
    table.add_column("format", no_wrap=True)
    for column in ("records", "errors", "empty", "skipped", verb, "present"):
        table.add_column(column, justify="right", no_wrap=True)
    for f in report.files:
        table.add_row(
            escape(f.path),
            f.format,
            f"{f.records:,}",
            f"{f.errors:,}",
            f"{f.empty:,}",
            f"{len(f.skipped):,}",
            f"{f.added:,}",
            f"{f.present:,}",
        )
    console.print(table)
    for f in report.files:
        for note in f.notes:
            console.print(f"[yellow]note:[/] {escape(f.path)}: {escape(note)}")
        for problem in f.skipped:
            console.print(f"[yellow]skipped:[/] {escape(str(problem))}")
    for note in report.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    for author, n in sorted(report.authors.items()):
        if n:
            console.print(f"{verb} {n:,} traces by {escape(author)}")
    if report.tasks_created:
        were = "are" if dry_run else "were"
        console.print(
            f"{report.tasks_created:,} tasks {were} not in the store: their traces are kept "
            "against the task id, without task content until the tasks are imported"
        )
    if report.added == 0:
        console.print("nothing new to add")
