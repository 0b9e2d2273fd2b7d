"""Migrations: the models match them (`alembic check`), upgrades keep data, first runs are
atomic and cannot race."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from common.errors import StorageError
from storage.db import Database, _alembic_config, open_database
from tests.conftest import BACKENDS
from tests.core import old_rows


def test_models_match_migrations(db_url: str) -> None:
    db = open_database(db_url)
    cfg: Config = _alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)  # raises when autogenerate would emit anything
    db.dispose()


def test_upgrade_from_0002_keeps_every_row(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/old.db"  # type: ignore[str-bytes-safe]
    cfg = _alembic_config()
    engine = create_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        now = datetime(2026, 11, 20, tzinfo=UTC).isoformat()
        conn.execute(text("INSERT INTO people (id, created_at) VALUES (1, :n)"), {"n": now})
        conn.execute(
            text("INSERT INTO handles (id, person_id, platform, key) VALUES (1, 1, 'x', 'budi')")
        )
        conn.execute(
            text(
                "INSERT INTO mentions (id, platform, external_id, source, brand, person_id, "
                "text, text_hash, created_at, fetched_at, raw_json, status) VALUES (1, 'x', 'a', "
                "'s', 'b', 1, 't', 'h', :n, :n, '{}', 'routed')"
            ),
            {"n": now},
        )
        conn.execute(
            text(
                "INSERT INTO followups (id, mention_id, person_id, status, label, priority, "
                "due_at, channel, lang, subject, draft, idempotency_key, created_at, "
                "updated_at) VALUES (1, 1, 1, 'snoozed', 'complaint', 70, :n, 'manual', 'id', "
                "'s', 'd', 'simak-fu-1', :n, :n)"
            ),
            {"n": now},
        )
        conn.execute(
            text(
                "INSERT INTO followup_events (followup_id, to_status, actor, at) "
                "VALUES (1, 'open', 'simak', :n)"
            ),
            {"n": now},
        )
    engine.dispose()
    db = open_database(url)
    with db.engine.connect() as conn:
        events = conn.execute(text("SELECT count(*) FROM followup_events")).scalar()
        row = conn.execute(text("SELECT version, snoozed_until IS NOT NULL FROM followups")).one()
        handle = conn.execute(text("SELECT handle_id FROM mentions")).scalar()
    assert events == 1  # rebuilding tables cascaded no deletes
    assert tuple(row) == (1, 1) and handle == 1


def _first_run(url: str) -> None:
    open_database(url).dispose()


@pytest.mark.parametrize("empty_db_url", BACKENDS, indirect=True)
def test_two_first_runs_at_once_do_not_race(empty_db_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_first_run, args=(empty_db_url,)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    db = Database(empty_db_url)
    assert db.current_revision() == db.head_revision()
    assert "followups" in inspect(db.engine).get_table_names()
    db.dispose()


def _revisions() -> list[str]:
    scripts = ScriptDirectory.from_config(_alembic_config())
    return [r.revision for r in reversed(list(scripts.walk_revisions()))]


Snapshot = dict[str, list[tuple[object, ...]]]


def _at_revision(url: str, revision: str) -> tuple[dict[str, list[str]], Snapshot]:
    """A database at ``revision`` holding old_rows: the columns written, and their values."""
    cfg = _alembic_config()
    engine = create_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        written = old_rows.fill(conn)
        before = old_rows.snapshot(conn, written)
    engine.dispose()
    return written, before


@pytest.mark.parametrize("revision", _revisions()[:-1])
@pytest.mark.parametrize("empty_db_url", BACKENDS, indirect=True)
def test_upgrade_from_every_revision_keeps_every_row(empty_db_url: str, revision: str) -> None:
    written, before = _at_revision(empty_db_url, revision)
    db = Database(empty_db_url)
    assert db.upgrade() is True and db.upgrade() is False  # a second run changes nothing
    with db.engine.connect() as conn:
        after = old_rows.snapshot(conn, written)
        loose = conn.execute(text("SELECT count(*) FROM ideas WHERE group_id IS NULL")).scalar()
    db.dispose()
    for table in written:
        if table != "idea_groups":  # groups are added for ideas grouped before 0009
            assert after[table] == before[table], table
    order = _revisions()
    if order.index(revision) < order.index("0015_legacy_idea_groups"):
        assert loose == 0  # every idea is on the board (0015 places the loose ones)


@pytest.mark.parametrize("empty_db_url", BACKENDS, indirect=True)
def test_ideas_grouped_before_0009_are_on_the_board(empty_db_url: str) -> None:
    _at_revision(empty_db_url, "0008_alerts")
    db = open_database(empty_db_url)
    with db.engine.connect() as conn:
        groups = conn.execute(
            text("SELECT title, status, size, space FROM idea_groups ORDER BY title")
        ).all()
        keys = conn.execute(text("SELECT DISTINCT group_key FROM ideas WHERE id < 3")).all()
    db.dispose()
    assert [tuple(g) for g in groups] == [
        ("loyalty card", "new", 1, ""),  # space '': recomputed at the next grouping run
        ("menu tanpa gula", "considering", 1, ""),
        ("oat milk", "planned", 2, ""),
    ]
    assert len(keys) == 1 and keys[0][0].startswith("g")  # one group, today's key


@pytest.mark.parametrize("empty_db_url", BACKENDS, indirect=True)
def test_notices_drafted_before_0017_cover_the_posts_they_told_about(
    empty_db_url: str,
) -> None:
    """A notice keyed by group and person covers that person's posts in the group now, so
    a split after the upgrade does not tell them again."""
    _at_revision(empty_db_url, "0016_source_poll_counts")
    engine = create_engine(empty_db_url)
    with engine.begin() as conn:
        followups = sa.Table("followups", sa.MetaData(), autoload_with=conn)
        row = dict(conn.execute(followups.select().where(followups.c.id == 1)).mappings().one())
        for fid, key in ((101, "simak-idea-1-3"), (102, "simak-idea-1-1-declined")):
            values = {**row, "id": fid, "kind": "announcement", "mention_id": None}
            conn.execute(followups.insert(), {**values, "idempotency_key": key})
    engine.dispose()
    db = open_database(empty_db_url)
    with db.engine.connect() as conn:
        told = conn.execute(text("SELECT idea_id, kind, followup_id FROM idea_notices")).all()
    db.dispose()
    # idea 1 (person 3, group 1) shipped; idea 3 (person 3, group 2) is another idea
    assert sorted(tuple(r) for r in told) == [(1, "done", 101), (2, "declined", 102)]


def test_two_current_classifications_of_one_post_upgrade(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/old.db"  # type: ignore[str-bytes-safe]
    _at_revision(url, "0002")
    engine = create_engine(url)
    with engine.begin() as conn:  # two runs classified post 2 at once (no claims yet)
        conn.execute(text("UPDATE classifications SET is_current = 1 WHERE mention_id = 2"))
    engine.dispose()
    db = open_database(url)
    with db.engine.connect() as conn:
        current = conn.execute(
            text("SELECT id FROM classifications WHERE mention_id = 2 AND is_current")
        ).all()
    db.dispose()
    assert [r[0] for r in current] == [20]  # the newest stays current


def test_a_schema_from_a_newer_simak_is_one_clear_line(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/new.db"  # type: ignore[str-bytes-safe]
    open_database(url).dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    engine.dispose()
    with pytest.raises(StorageError, match="revision 0099_future, which this Simak does not"):
        open_database(url)


@pytest.mark.parametrize("empty_db_url", BACKENDS, indirect=True)
def test_downgrade_then_upgrade_again(empty_db_url: str) -> None:
    written, before = _at_revision(empty_db_url, "0013_source_retry_at")
    open_database(empty_db_url).dispose()
    for target in ("0013_source_retry_at", "0005"):  # 0014's and 0006's downgrades
        engine = create_engine(empty_db_url)
        with engine.begin() as conn:
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, target)
        engine.dispose()
        db = open_database(empty_db_url)
        with db.engine.connect() as conn:
            assert old_rows.snapshot(conn, {"mentions": written["mentions"]}) == {
                "mentions": before["mentions"]
            }
        assert db.current_revision() == db.head_revision()
        db.dispose()


def test_a_current_schema_opens_while_another_process_writes(tmp_path: object) -> None:
    """Every command opens the database through the migration check: a writer holding
    SQLite's lock (a long poll, a stuck run) must not make `simak queue` wait minutes."""
    url = f"sqlite:///{tmp_path}/busy.db"  # type: ignore[str-bytes-safe]
    open_database(url).dispose()
    writer = sqlite3.connect(f"{tmp_path}/busy.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE alembic_version SET version_num = version_num")
    try:
        started = time.monotonic()
        db = open_database(url)
        with db.read() as session:
            session.execute(text("SELECT count(*) FROM followups")).scalar_one()
        db.dispose()
        assert time.monotonic() - started < 5  # not the busy timeout nor the migration wait
    finally:
        writer.rollback()
        writer.close()
