"""Migrations: the models match them (`alembic check`), upgrades keep data, first runs are
atomic and cannot race."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

from storage.db import Database, _alembic_config, open_database
from tests.conftest import BACKENDS


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
