"""`simak db ...`: schema maintenance."""

from __future__ import annotations

import typer

from simak.cli.common import handle_errors, state, stdout
from storage.db import Database

db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)


@db_app.command("upgrade")
@handle_errors
def upgrade(ctx: typer.Context) -> None:
    """Create the database or migrate it to the newest schema (also done on first use)."""
    app = state(ctx).app()
    db = Database(app._database_url())
    changed = db.upgrade()
    rev = db.current_revision()
    stdout().print(
        f"database {db.safe_url} at revision {rev}"
        + (" (upgraded)" if changed else " (already current)")
    )
