"""``arcforge serve`` (the studio) and ``arcforge user ...`` (its accounts)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from arcforge.errors import UsageError

user_app = typer.Typer(help="Studio accounts: add users and admins, set passwords.",
                       no_args_is_help=True)
console = Console()

StoreUrl = Annotated[
    str | None,
    typer.Option("--store", envvar="ARCFORGE_STORE", show_envvar=True,
                 help="SQLAlchemy URL or SQLite file of the store "
                 "(default: ~/.local/share/arcforge/arcforge.db)."),
]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
]


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port.")] = 8000,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", metavar="SPEC",
                     help="Data source to offer (repeatable): a bundled set, folder, dataset.json "
                     "or Kaggle file. Default: the four bundled sets."),
    ] = None,
    store: StoreUrl = None,
    runs: Annotated[
        Path | None,
        typer.Option("--runs", file_okay=False, help="Folder of run folders for the run viewer."),
    ] = None,
    private: Annotated[
        bool | None, typer.Option("--private",
                                  help="Only logged-in users may read; no open sign-up.")
    ] = None,
    proxy_headers: Annotated[
        bool | None, typer.Option("--proxy-headers",
                                  help="Trust X-Forwarded-For/-Proto from a reverse proxy on "
                                  "127.0.0.1 (only behind one: clients could otherwise fake "
                                  "their address).")
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None, typer.Option("--forwarded-allow-ips", metavar="ADDRESSES",
                                 help="With --proxy-headers: the proxies' addresses, "
                                 "comma-separated (default $FORWARDED_ALLOW_IPS, else "
                                 "127.0.0.1).")
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64,
                          help="Server processes on the port (they share everything through "
                          "the store; see docs/deploy.md).")
    ] = 1,
    config: Annotated[
        Path | None, typer.Option("--config", help="Settings file (default ./arcforge.toml "
                                  "when present): the [studio] table holds rules and limits.")
    ] = None,
    attempts: Annotated[
        int | None, typer.Option("--attempts", min=1, max=100,
                                 help="Study attempts per person and test input (2: ARC Prize "
                                 "parity, 3: H-ARC parity).")
    ] = None,
    practice: Annotated[
        bool | None, typer.Option("--practice/--no-practice",
                                  help="Offer practice mode beside study mode.")
    ] = None,
    show_traces: Annotated[
        bool | None, typer.Option("--show-traces/--hide-traces",
                                  help="Open other people's traces once a person may see a "
                                  "task's answers (hidden: admins only).")
    ] = None,
) -> None:
    """Serve the studio: browse, solve, vary and trace tasks; view runs."""
    from arcforge.config import load_settings
    from arcforge.web import serve as run_server

    if runs is not None and not runs.is_dir():
        raise UsageError(f"--runs: {runs} is not a folder")
    protocol = {"study_per_output": attempts, "practice": practice,
                "traces_after_solving": show_traces}
    studio = load_settings(config).studio.model_copy(
        update={k: v for k, v in protocol.items() if v is not None})
    run_server(host, port, data or None, store, runs, private, proxy_headers=proxy_headers,
               studio=studio, workers=workers, forwarded_allow_ips=forwarded_allow_ips)


def _read_password(password_stdin: bool, username: str) -> str:
    from arcforge.web.accounts import password_problem

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, username)
    if problem:
        raise UsageError(problem)
    return password


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Username (2-32 letters, digits, _ - .).")],
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an admin.")] = False,
    password_stdin: PasswordStdin = False,
    store: StoreUrl = None,
) -> None:
    """Create a studio account (prompts for the password)."""
    from arcforge.store import open_store
    from arcforge.web.accounts import username_problem
    from arcforge.web.security import hash_password

    problem = username_problem(name)
    if problem:
        raise UsageError(problem)
    password = _read_password(password_stdin, name)
    opened = open_store(store)
    try:
        user = opened.create_user(name, role="admin" if admin else "user",
                                  password_hash=hash_password(password))
    finally:
        opened.dispose()
    console.print(f"added {user.role} [bold]{user.username}[/]", highlight=False)


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="Username.")],
    password_stdin: PasswordStdin = False,
    store: StoreUrl = None,
) -> None:
    """Set a user's password (this ends their open sessions everywhere)."""
    from arcforge.store import NotFoundError, open_store
    from arcforge.web.security import hash_password

    opened = open_store(store)
    try:
        user = opened.get_user_by_name(name)
        if user is None:
            raise NotFoundError(f"no user {name!r}")
        if user.kind != "human":
            raise UsageError(f"{user.username} is a model, not a person: it cannot log in")
        password = _read_password(password_stdin, user.username)
        opened.set_password_hash(user.id, hash_password(password))
    finally:
        opened.dispose()
    console.print(f"password of [bold]{user.username}[/] changed", highlight=False)


@user_app.command("role")
def user_role(
    name: Annotated[str, typer.Argument(help="Username.")],
    role: Annotated[str, typer.Argument(metavar="ROLE", help="user or admin.")],
    store: StoreUrl = None,
) -> None:
    """Make a user an admin, or an admin a plain user."""
    from arcforge.store import NotFoundError, open_store

    if role not in ("user", "admin"):
        raise UsageError(f"ROLE: {role!r} is not one of user, admin")
    opened = open_store(store)
    try:
        user = opened.get_user_by_name(name)
        if user is None:
            raise NotFoundError(f"no user {name!r}")
        opened.set_role(user.id, role)  # type: ignore[arg-type]
    finally:
        opened.dispose()
    console.print(f"[bold]{user.username}[/] is now {role}", highlight=False)


@user_app.command("list")
def user_list(store: StoreUrl = None) -> None:
    """List the people who can log in (or could, once given a password)."""
    from rich.table import Table

    from arcforge.store import open_store
    from arcforge.web.timefmt import iso_time

    opened = open_store(store)
    try:
        people = opened.list_users(kind="human")
    finally:
        opened.dispose()
    table = Table("name", "role", "can log in", "imported", "created")
    for u in people:
        table.add_row(u.username, u.role, "yes" if u.password_hash else "no",
                      "yes" if u.imported else "", iso_time(u.created_at) or "")
    console.print(table)
