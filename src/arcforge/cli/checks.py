"""``arcforge check-traces``: a model builds test outputs from traces alone (check by use)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from arcforge.cli.bench import BaseUrl, ConfigFile, Encoding, Model, Prompt
from arcforge.cli.options import TaskIds
from arcforge.cli.store import StoreUrl, opened_store

console = Console()


def register(app: typer.Typer) -> None:
    app.command("check-traces")(check_traces)


def check_traces(
    model: Model = None,
    store_url: StoreUrl = None,
    source: Annotated[str, typer.Option(
        "--source", help="Traces by human, model or all authors.")] = "model",
    task_ids: TaskIds = None,
    limit: Annotated[int | None, typer.Option(
        "--limit", min=1, help="Check at most this many traces.")] = None,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", "-c", min=1, max=256, help="Traces checked at once.")] = 4,
    base_url: BaseUrl = None,
    prompt: Prompt = None,
    encoding: Encoding = None,
    config: ConfigFile = None,
    no_progress: Annotated[bool, typer.Option("--no-progress",
                                              help="Hide the progress bar.")] = False,
) -> None:
    """Ask a model to build each trace's test outputs from the trace alone, and record on
    the trace whether it was enough (traces it checked before are skipped)."""
    import asyncio

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from arcforge.agents.encoding import check_encoding
    from arcforge.agents.templates import load_template
    from arcforge.config import load_settings
    from arcforge.data import parse_task_ids
    from arcforge.errors import UsageError
    from arcforge.models import get_model
    from arcforge.store import Store
    from arcforge.tracecheck import CheckReport
    from arcforge.tracecheck import check_traces as run

    if source not in ("human", "model", "all"):
        raise UsageError(f"--source: {source!r} is not one of human, model, all")
    settings = load_settings(config, {"model": model, "base_url": base_url,
                                      "encoding": encoding})
    template = load_template(Path(prompt)) if prompt is not None else None
    ids = parse_task_ids(task_ids)
    chosen = get_model(settings.model, settings)

    async def main(store: Store) -> CheckReport:
        try:
            with Progress(BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          console=console, disable=no_progress, transient=True) as bar:
                task = bar.add_task("traces", total=None)
                return await run(
                    store, chosen, source=source, task_ids=list(ids) if ids else None,
                    limit=limit, concurrency=concurrency, template=template,
                    encoding=check_encoding(settings.encoding),
                    progress=lambda done, total: bar.update(task, completed=done, total=total))
        finally:
            await chosen.aclose()

    with opened_store(store_url, create=False) as store:
        report = asyncio.run(main(store))
    console.print(f"{escape(chosen.spec)}: {report.succeeded:,} traces were enough to build "
                  f"the output, {report.failed:,} were not, {report.skipped:,} skipped, "
                  f"{len(report.errors):,} requests failed", highlight=False)
    for line in report.errors[:20]:
        console.print(f"[yellow]error:[/] {escape(line)}")
