"""Schema maintenance."""

from __future__ import annotations

from dataclasses import dataclass

from simak.app import App
from storage.db import Database, make_sqlite_folder


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Where the database is after an upgrade."""

    url: str  # password hidden
    revision: str | None
    upgraded: bool


def upgrade(app: App) -> SchemaState:
    """Create the database or migrate it to the newest schema (also done on first use)."""
    make_sqlite_folder(app.settings.storage.url)
    db = Database(app.settings.storage.url)
    try:
        changed = db.upgrade()
        return SchemaState(db.safe_url, db.current_revision(), changed)
    finally:
        db.dispose()
