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


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Where the database's schema is, read without changing anything."""

    url: str  # password hidden
    revision: str | None  # None: no schema yet
    newest: str | None  # the newest revision this Simak knows
    state: str  # current | needs_upgrade | empty | newer


def status(app: App) -> SchemaStatus:
    """The database's schema revision against this Simak's newest; never creates or
    upgrades anything (``simak db upgrade`` does, as does any other command)."""
    db = Database(app.settings.storage.url)
    try:
        newest = db.head_revision()
        current = None if db.missing_file() else db.current_revision()
        if current is None:
            state = "empty"
        elif current == newest:
            state = "current"
        else:
            state = "needs_upgrade" if db.knows(current) else "newer"
        return SchemaStatus(db.safe_url, current, newest, state)
    finally:
        db.dispose()
