"""Child process for the crash-safety test: polls a files/feeds listener and stores
each page's mentions and cursor in one SQLite transaction, printing a line per page.

Run as ``python -m tests.listeners.crash_child KIND DB OPTIONS_JSON``. A duplicate
mention would violate the primary key and make the process fail.
"""

from __future__ import annotations

import json
import sqlite3
import sys

from listeners.base import Listener
from listeners.feeds import FeedsListener, FeedsOptions
from listeners.files import FilesListener, FilesOptions
from listeners.matching import BrandMatcher, BrandSpec


def build(kind: str, options: dict[str, object]) -> Listener:
    matcher = BrandMatcher([BrandSpec("Kopi Senja", terms=("kopi senja",))])
    if kind == "files":
        return FilesListener("src", FilesOptions.model_validate(options), matcher, env={})
    return FeedsListener("src", FeedsOptions.model_validate(options), matcher, env={})


def main(kind: str, db: str, options: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS mentions (platform TEXT, external_id TEXT, "
        "PRIMARY KEY (platform, external_id))"
    )
    conn.execute("CREATE TABLE IF NOT EXISTS cursor (id INTEGER PRIMARY KEY, value TEXT)")
    row = conn.execute("SELECT value FROM cursor WHERE id = 1").fetchone()
    for page in build(kind, json.loads(options)).poll(row[0] if row else None):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO mentions VALUES (?, ?)",
            [(m.platform, m.external_id) for m in page.mentions],
        )
        if page.cursor is not None:
            conn.execute("INSERT OR REPLACE INTO cursor VALUES (1, ?)", (page.cursor,))
        conn.execute("COMMIT")
        print("page", flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
