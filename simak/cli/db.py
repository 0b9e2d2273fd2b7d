"""`simak db ...`: schema maintenance and backups."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from simak.cli.common import handle_errors, print_json, print_line, state
from simak.usecases.database import backup as backup_database
from simak.usecases.database import status as schema_status
from simak.usecases.database import upgrade as upgrade_schema

db_app = typer.Typer(
    rich_markup_mode="markdown", help="Database schema commands and backups.", no_args_is_help=True
)


@db_app.command("upgrade")
@handle_errors
def upgrade(ctx: typer.Context) -> None:
    """Create the database or migrate it to the newest schema (also done on first use)."""
    result = upgrade_schema(state(ctx).app())
    state_text = "upgraded" if result.upgraded else "already current"
    print_line(f"database {result.url} at revision {result.revision} ({state_text})")


@db_app.command("backup")
@handle_errors
def backup(
    ctx: typer.Context,
    target: Path = typer.Argument(..., help="The new file to write (never overwritten)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Copy the SQLite database to a new file while Simak keeps running (a plain `cp` of
    the file misses changes still in its write-ahead log). PostgreSQL: use pg_dump."""
    result = backup_database(state(ctx).app(), target)
    if as_json:
        print_json(asdict(result))
        return
    print_line(
        f"backed up {result.url} (revision {result.revision}) to {result.path} "
        f"({result.bytes:,} bytes)"
    )


_STATUS = {
    "current": "up to date",
    "needs_upgrade": "older than this Simak: run `simak db upgrade` (back up first)",
    "empty": "no schema yet: the first command creates it",
    "newer": "written by a newer Simak: use that version",
}


@db_app.command("status")
@handle_errors
def status(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """The database's schema revision and this Simak's newest; changes nothing."""
    result = schema_status(state(ctx).app())
    if as_json:
        print_json(asdict(result))
        return
    print_line(
        f"database {result.url} at revision {result.revision or 'none'}, newest "
        f"{result.newest}: {_STATUS[result.state]}"
    )
