"""`simak users ...`: who may sign in to the web console."""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import asdict

import typer
from rich.table import Table

from common.errors import UsageError
from simak.cli.common import ACTOR, actor, handle_errors, print_json, state, stdout
from simak.cli.render import local_day, one_line
from simak.usecases import users as uc

users_app = typer.Typer(
    rich_markup_mode="markdown", help="Console users and their roles.", no_args_is_help=True
)


def _has_terminal() -> bool:
    """Whether getpass can ask on a terminal; without one it reads stdin instead, with a
    Python warning and the password echoed."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return sys.stdin.isatty()
    os.close(fd)
    return True


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not _has_terminal():
        raise UsageError("no terminal to ask for the password on; pipe it in with --password-stdin")
    try:
        first = getpass.getpass("Password: ")
        again = getpass.getpass("Again: ")
    except EOFError:
        raise UsageError(
            "no password was typed (the input ended); run it in a terminal, "
            "or pipe the password in with --password-stdin"
        ) from None
    if again != first:
        raise UsageError("the two passwords differ; run simak users add again")
    return first


@users_app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="User name (what they type to sign in)."),
    role: str = typer.Option("staff", "--role", help="staff, owner or admin."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
    as_: str | None = ACTOR,
) -> None:
    """Add a user who can sign in to `simak web`."""
    user_id = uc.add(state(ctx).app(), name, role, _password(password_stdin), actor(as_))
    stdout().print(f"user {one_line(name)} added ({role}, id {user_id})", markup=False)


@users_app.command("list")
@handle_errors
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Every console user."""
    app = state(ctx).app()
    rows = uc.users(app)
    zone = app.settings.zone
    if as_json:
        print_json([asdict(r) for r in rows])
        return
    table = Table(title="Users", title_justify="left")
    for col in ("name", "role", "disabled", "since"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            one_line(r.name), r.role, "yes" if r.disabled else "", local_day(r.created_at, zone)
        )
    stdout().print(table)


@users_app.command("disable")
@handle_errors
def disable(ctx: typer.Context, name: str = typer.Argument(...), as_: str | None = ACTOR) -> None:
    """Stop a user from signing in."""
    uc.disable(state(ctx).app(), name, actor(as_))
    stdout().print(f"user {one_line(name)} disabled", markup=False)
