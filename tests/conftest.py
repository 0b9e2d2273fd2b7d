"""Database fixtures shared by every test that stores something: SQLite and PostgreSQL.

``db_url`` is parametrised over both backends. PostgreSQL comes from the throwaway server
``scripts/with-postgres`` starts (``make test`` does that; it exports SIMAK_TEST_PG_URL).
Each PostgreSQL test gets a fresh database cloned from a migrated template, so it starts
from the real schema in ~0.1 s. Without a server the PostgreSQL half is skipped, and the
summary says so; under CI it is an error instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ENV = "SIMAK_TEST_PG_URL"
_TEMPLATE = "simak_template"
BACKENDS = ["sqlite", "postgresql"]


def _admin_engine():  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(os.environ[PG_ENV], isolation_level="AUTOCOMMIT")


def _with_db(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated template database on the test server (once per session)."""
    if not os.environ.get(PG_ENV):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_ENV} is not set: run the tests through scripts/with-postgres")
        pytest.skip("no PostgreSQL server (run `make test`, which starts one)")
    from storage.db import open_database

    engine = _admin_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {_TEMPLATE}")
        conn.exec_driver_sql(f"CREATE DATABASE {_TEMPLATE}")
    db = open_database(_with_db(os.environ[PG_ENV], _TEMPLATE))
    db.dispose()
    yield _TEMPLATE
    engine.dispose()


def new_pg_database(template: str) -> str:
    """A fresh database cloned from ``template``; returns its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {template}")
    engine.dispose()
    return _with_db(os.environ[PG_ENV], name)


def drop_pg_database(url: str) -> None:
    """Drop a test database, disconnecting whoever is still on it."""
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL with the current schema: SQLite in tmp_path, or a fresh PostgreSQL one."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'simak.db'}"
        return
    url = new_pg_database(request.getfixturevalue("pg_template"))
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Like ``db_url`` but with no schema at all (first-run tests); same backend param."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("pg_template")
    url = new_pg_database("template0")
    try:
        yield url
    finally:
        drop_pg_database(url)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran on PostgreSQL (and how many were skipped for want of it)."""
    ran = skipped = 0
    for key in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(key, []):
            if getattr(report, "when", "call") != "call" and key != "skipped":
                continue
            if "postgresql" in getattr(report, "nodeid", ""):
                if key == "skipped":
                    skipped += 1
                else:
                    ran += 1
    line = f"{ran} tests ran on PostgreSQL"
    if skipped:
        line += f" ({skipped} skipped: no server)"
    terminalreporter.write_line(line, bold=True)
