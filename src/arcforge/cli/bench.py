"""``arcforge traces``, ``codegen`` and ``predict``: ask a model for reasoning traces, for
reasoning plus ``solve_task`` code, or for the output grids themselves, over many tasks,
durably (see docs/bench.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from arcforge.cli.options import MaxTasks, TaskIds

Model = Annotated[str | None, typer.Option(
    "--model", "-m", help="provider/model: openai/, openrouter/, anthropic/, ollama/, vllm/, "
    "openai-compatible/ (with --base-url), replay/<results file>, builtin/dsl.")]
Data = Annotated[str | None, typer.Option(
    "--data", help="Data source: a bundled set, folder, dataset.json, Kaggle file or 'store'.")]
Samples = Annotated[int | None, typer.Option("--samples", "-k", min=1,
                                             help="Samples per task.")]
Concurrency = Annotated[int | None, typer.Option(
    "--concurrency", "-c", min=1, help="Requests in flight at most (lowered on 429).")]
Temperature = Annotated[float | None, typer.Option(
    "--temperature", min=0.0, max=2.0, help="Sampling temperature (default: the model's).")]
MaxTokens = Annotated[int | None, typer.Option("--max-tokens", min=1,
                                               help="Answer length limit in tokens.")]
Out = Annotated[Path | None, typer.Option("--out", help="Folder of run folders (default runs/).")]
Resume = Annotated[Path | None, typer.Option(
    "--resume", help="Continue the run in this folder: finished samples are skipped.")]
MaxCost = Annotated[float | None, typer.Option(
    "--max-cost", min=0.0, help="Stop starting requests once the run has cost this many USD.")]
BaseUrl = Annotated[str | None, typer.Option(
    "--base-url", help="Endpoint of an OpenAI-compatible server (e.g. http://localhost:8000/v1).")]
ConfigFile = Annotated[Path | None, typer.Option(
    "--config", help="Settings file (default ./arcforge.toml when present).")]
Prompt = Annotated[Path | None, typer.Option(
    "--prompt", help="A prompt template file replacing the bundled one.")]
Encoding = Annotated[str | None, typer.Option(
    "--encoding", help="Grid encoding in prompts: json (rows as JSON lists) or digits.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Show request events.")]
NoProgress = Annotated[bool, typer.Option("--no-progress", help="Hide the progress bar.")]
Augment = Annotated[str | None, typer.Option(
    "--augment", metavar="LIST", help="Comma-separated frames: identity, rot90, rot180, rot270, "
    "flip_h, flip_v, transpose, anti_transpose, colours (join with +); sample s sees the task "
    "under entry s mod n, and answers are mapped back.")]
MaxCostPerTask = Annotated[float | None, typer.Option(
    "--max-cost-per-task", min=0.0, help="Stop starting requests for a task once it has cost "
    "this many USD.")]
Rounds = Annotated[int | None, typer.Option(
    "--rounds", min=1, max=32, help="Rounds per sample: a program that fails a train pair is "
    "shown what went wrong and asked again, up to this many times in all (default 1).")]
FeedbackPrompt = Annotated[Path | None, typer.Option(
    "--feedback-prompt", help="A feedback template file replacing the bundled one (--rounds).")]

# Options fixed by run.json once a run exists.
_FIXED_ON_RESUME = ("model", "data", "task_ids", "max_tasks", "samples", "temperature",
                    "max_tokens", "prompt", "encoding", "out", "augment", "rounds",
                    "feedback_prompt")
# a command's own defaults, under the settings file and the environment
_DEFAULTS = {"predict": {"samples": 2}}


def _execute(kind: str, options: dict[str, Any]) -> None:
    from rich.console import Console

    from arcforge.config import load_settings
    from arcforge.data import parse_task_ids
    from arcforge.errors import UsageError
    from arcforge.runs.config import RunConfig
    from arcforge.runs.runner import run

    resume = options.pop("resume")
    if resume is not None:
        given = [name for name in _FIXED_ON_RESUME if options.get(name) is not None]
        if given:
            flags = ", ".join("--" + n.replace("_", "-") for n in given)
            raise UsageError(f"--resume: {flags} cannot change for an existing run "
                             "(its run.json decides them)")
    settings = load_settings(options.pop("config"), {
        name: options[name] for name in (
            "model", "data", "samples", "concurrency", "temperature", "max_tokens", "out",
            "max_cost", "max_cost_per_task", "base_url", "encoding", "augment", "rounds")
        if name in options
    }, defaults=_DEFAULTS.get(kind))
    config = RunConfig(
        kind=kind,  # type: ignore[arg-type]
        settings=settings,
        task_ids=parse_task_ids(options["task_ids"]),
        max_tasks=options["max_tasks"],
        prompt=options["prompt"],
        feedback_prompt=options.get("feedback_prompt"),
        resume=resume,
        verbose=options["verbose"],
        progress=not options["no_progress"],
    )
    result = run(config)
    console = Console()
    scores = None
    if kind != "reasoning":
        from arcforge.errors import ArcforgeError
        from arcforge.finish import finish_run

        try:
            scores = finish_run(result.run_dir)
        except ArcforgeError as exc:
            Console(stderr=True).print(f"[red]scoring failed:[/] {exc}")
    _print_summary(console, result, scores)
    if result.status in ("interrupted", "cancelled"):
        raise typer.Exit(130)


def _print_summary(console: Any, result: Any, scores: Any) -> None:
    from rich.table import Table

    table = Table(title="run", show_header=False, box=None)
    table.add_row("status", result.status)
    table.add_row("samples", f"{result.finished} of {result.total} finished")
    errors = ", ".join(f"{k} {v}" for k, v in sorted(result.errors.items())) or "none"
    table.add_row("errors", errors)
    table.add_row("cost", f"${result.spent:.4f}" if result.cost_known else "unknown (no price)")
    if result.final_path is not None:
        table.add_row("results", str(result.final_path.name))
    console.print(table)
    if scores is not None:
        from arcforge.scoring import render_scores_table

        console.print(render_scores_table(scores))
    console.print(str(result.run_dir), highlight=False, soft_wrap=True)


def _command(kind: str, doc: str) -> Any:
    """One run command; ``traces``, ``codegen`` and ``predict`` take the same options."""

    def command(
        model: Model = None, data: Data = None, task_ids: TaskIds = None,
        max_tasks: MaxTasks = None, samples: Samples = None, concurrency: Concurrency = None,
        temperature: Temperature = None, max_tokens: MaxTokens = None, out: Out = None,
        resume: Resume = None, max_cost: MaxCost = None,
        max_cost_per_task: MaxCostPerTask = None, base_url: BaseUrl = None,
        config: ConfigFile = None, prompt: Prompt = None, encoding: Encoding = None,
        augment: Augment = None, verbose: Verbose = False, no_progress: NoProgress = False,
    ) -> None:
        _execute(kind, dict(locals()))

    def codegen(
        model: Model = None, data: Data = None, task_ids: TaskIds = None,
        max_tasks: MaxTasks = None, samples: Samples = None, concurrency: Concurrency = None,
        temperature: Temperature = None, max_tokens: MaxTokens = None, out: Out = None,
        resume: Resume = None, max_cost: MaxCost = None,
        max_cost_per_task: MaxCostPerTask = None, base_url: BaseUrl = None,
        config: ConfigFile = None, prompt: Prompt = None, encoding: Encoding = None,
        augment: Augment = None, rounds: Rounds = None, feedback_prompt: FeedbackPrompt = None,
        verbose: Verbose = False, no_progress: NoProgress = False,
    ) -> None:
        _execute(kind, dict(locals()))

    chosen = codegen if kind == "code" else command
    chosen.__doc__ = doc
    return chosen


def register(app: typer.Typer) -> None:
    """Add ``traces``, ``codegen`` and ``predict`` to the root app."""
    app.command("traces")(
        _command("reasoning", "Ask a model to explain the rule of each task (reasoning traces).")
    )
    app.command("codegen")(
        _command(
            "code",
            "Ask a model for reasoning plus a solve_task program; run it in the sandbox; score.",
        )
    )
    app.command("predict")(
        _command(
            "predict",
            "Ask a model for each test output grid directly (two samples by default); score "
            "as the ARC Prize leaderboard does.",
        )
    )
