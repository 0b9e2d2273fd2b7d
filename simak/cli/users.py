"""`simak users ...`: who may sign in to the web console."""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import asdict

import typer
from rich.table import Table

from common.errors import UsageError
from simak.cli.common import ACTOR, actor, handle_errors, print_json, print_line, state, stdout
from simak.cli.render import local_day, one_line
from simak.usecases import user_admin
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


def _password(from_stdin: bool, command: str = "simak users add") -> str:
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
        raise UsageError(f"the two passwords differ; run {command} again")
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
    """Every console user, with their last sign-in."""
    app = state(ctx).app()
    rows = uc.users(app)
    zone = app.settings.zone
    if as_json:
        print_json([_public(r) for r in rows])
        return
    table = Table(title="Users", title_justify="left")
    for col in ("name", "role", "disabled", "last sign-in", "since"):
        table.add_column(col)
    for r in rows:
        last = local_day(r.last_login_at, zone) if r.last_login_at else "never"
        disabled = "yes" if r.disabled else ""
        table.add_row(one_line(r.name), r.role, disabled, last, local_day(r.created_at, zone))
    stdout().print(table)


def _public(user: uc.UserRecord) -> dict[str, object]:
    """A user as --json shows them (not their session epoch)."""
    data = asdict(user)
    data.pop("epoch")
    return data


def _report(done: user_admin.Change, said: str, as_json: bool) -> None:
    if as_json:
        print_json(
            {**_public(done.user), "changed": done.changed, "sessions_ended": done.sessions_ended}
        )
    else:
        print_line(said)


JSON = typer.Option(False, "--json", help="Print the user as they are now, as JSON.")


@users_app.command("disable")
@handle_errors
def disable(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    as_json: bool = JSON,
    as_: str | None = ACTOR,
) -> None:
    """Stop a user from signing in; their open console sessions end now. The last enabled
    admin cannot be disabled (make another admin first)."""
    done = user_admin.disable(state(ctx).app(), name, actor(as_))
    said = f"user {one_line(name)} disabled; their console sessions ended"
    if not done.changed:
        said = f"user {one_line(name)} was disabled already; nothing changed"
    _report(done, said, as_json)


@users_app.command("enable")
@handle_errors
def enable(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    as_json: bool = JSON,
    as_: str | None = ACTOR,
) -> None:
    """Let a disabled user sign in again (with their password as it was)."""
    done = user_admin.enable(state(ctx).app(), name, actor(as_))
    said = f"user {one_line(name)} enabled; they can sign in again"
    if not done.changed:
        said = f"user {one_line(name)} was enabled already; nothing changed"
    _report(done, said, as_json)


@users_app.command("role")
@handle_errors
def role(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    new_role: str = typer.Argument(..., metavar="ROLE", help="staff, owner or admin."),
    as_json: bool = JSON,
    as_: str | None = ACTOR,
) -> None:
    """Give a user another role; their open console sessions end (they sign in again). The
    last enabled admin keeps theirs (make another admin first)."""
    done = user_admin.set_role(state(ctx).app(), name, new_role, actor(as_))
    said = f"user {one_line(name)} is now {new_role}; their console sessions ended"
    if not done.changed:
        said = f"user {one_line(name)} is {new_role} already; nothing changed"
    _report(done, said, as_json)


@users_app.command("password")
@handle_errors
def password(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    generate: bool = typer.Option(
        False, "--generate", help="Make one up and print it once (it is stored only as a hash)."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the new password from the first line of stdin."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    as_: str | None = ACTOR,
) -> None:
    """Reset a user's password (asked twice, or `--generate`); their open console sessions
    end and their failed sign-ins are forgotten, so they can sign in with it at once."""
    if generate and password_stdin:
        raise UsageError("give either --generate or --password-stdin, not both")
    typed = None if generate else _password(password_stdin, "simak users password")
    done = user_admin.reset_password(state(ctx).app(), name, typed, actor(as_))
    if as_json:
        print_json({"name": done.user.name, "password": done.generated, "sessions_ended": True})
    elif done.generated is not None:
        print_line(f"new password for {one_line(name)}: {done.generated}")
        print_line(
            "shown only this once: give it to them in person (Simak keeps only a hash); "
            "their console sessions ended"
        )
    else:
        print_line(f"password of {one_line(name)} changed; their console sessions ended")
