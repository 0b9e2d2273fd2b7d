"""Schema maintenance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True, slots=True)
class Backup:
    """Where a backup went."""

    url: str  # password hidden
    path: str
    bytes: int
    revision: str | None


def backup(app: App, target: Path) -> Backup:
    """Copy the SQLite database to ``target`` as it is now, while other runs keep going
    (neither created nor upgraded first: back up, then ``simak db upgrade``)."""
    db = Database(app.settings.storage.url)
    try:
        size = db.backup(target)
        return Backup(db.safe_url, str(target.resolve()), size, db.current_revision())
    finally:
        db.dispose()
