"""`simak db ...`: schema maintenance."""

from __future__ import annotations

import typer

from simak.cli.common import handle_errors, print_line, state
from simak.usecases.database import upgrade as upgrade_schema

db_app = typer.Typer(
    rich_markup_mode="markdown", help="Database schema commands.", no_args_is_help=True
)


@db_app.command("upgrade")
@handle_errors
def upgrade(ctx: typer.Context) -> None:
    """Create the database or migrate it to the newest schema (also done on first use)."""
    result = upgrade_schema(state(ctx).app())
    state_text = "upgraded" if result.upgraded else "already current"
    print_line(f"database {result.url} at revision {result.revision} ({state_text})")
