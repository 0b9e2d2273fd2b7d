"""`simak db backup`: a consistent copy of a SQLite database while Simak keeps running
(a plain `cp` of the file misses what is still in the write-ahead log)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from tests.core.conftest import Project


def _approved(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT count(*) FROM followups WHERE status = 'approved'")
        return int(row.fetchone()[0])


def test_backup_includes_what_is_still_in_the_write_ahead_log(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    fid = str(project.json("queue")[0]["id"])
    if not project.db_url.startswith("sqlite"):
        refused = project.run("db", "backup", str(project.root / "copy.db"))
        assert refused.exit_code == 2 and "pg_dump" in refused.stderr, refused.output
        return
    live = Path(project.db_url.removeprefix("sqlite:///"))
    server = sqlite3.connect(live)  # a running `simak serve`: the log is not checkpointed
    server.execute("SELECT count(*) FROM mentions").fetchone()
    try:
        assert project.run("followup", "approve", fid).exit_code == 0
        shutil.copy(live, project.root / "cp.db")
        with sqlite3.connect(project.root / "cp.db") as cp:  # the approval is not in it
            tables = {r[0] for r in cp.execute("SELECT name FROM sqlite_master")}
        assert "followups" not in tables or _approved(project.root / "cp.db") == 0
        target = project.root / "backup.db"
        done = project.run("db", "backup", str(target))
        assert done.exit_code == 0, done.output
        assert done.stdout.startswith("backed up ") and str(target) in done.stdout
        assert _approved(target) == 1
        again = project.run("db", "backup", str(target))  # never overwritten
        assert again.exit_code == 2 and "exists already" in again.stderr
    finally:
        server.close()


def test_backup_of_a_missing_database_creates_nothing(project: Project, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "simak.db"
    project.config.write_text(
        project.config.read_text("utf-8").replace(project.db_url, f"sqlite:///{missing}"),
        "utf-8",
    )
    result = project.run("db", "backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 4 and "no database at" in result.stderr, result.output
    assert not missing.exists() and not (tmp_path / "copy.db").exists()


def test_db_status_says_whether_an_upgrade_is_due_and_changes_nothing(
    project: Project, tmp_path: Path
) -> None:
    """Before, `simak db` had only `upgrade`: no way to see the revision without
    migrating (every other command upgrades on first use)."""
    assert project.run("db", "upgrade").exit_code == 0
    now = project.json("db", "status")
    assert now["state"] == "current" and now["revision"] == now["newest"], now
    missing = tmp_path / "none" / "simak.db"
    project.config.write_text(
        project.config.read_text("utf-8").replace(project.db_url, f"sqlite:///{missing}"),
        "utf-8",
    )
    empty = project.run("db", "status")
    assert empty.exit_code == 0 and "no schema yet" in empty.stdout, empty.output
    assert not missing.exists()
