"""task engine: procrastinate's schema on PostgreSQL (nothing on SQLite)

The schema of procrastinate 3.10.0, the version pyproject.toml pins, is kept beside the
migrations (storage/migrations/sql/) so that this revision never changes; a later
procrastinate needs a new revision with procrastinate's own migration files.

Revision ID: 0011_task_engine
Revises: 0010_console
Create Date: 2026-12-04 15:30:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0011_task_engine"
down_revision = "0010_console"
branch_labels = None
depends_on = None

SCHEMA = Path(__file__).resolve().parent.parent / "sql" / "procrastinate-3.10.0.sql"

_DROP = """
DO $$
DECLARE r record;
BEGIN
  DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
    procrastinate_jobs, procrastinate_workers CASCADE;
  FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
  LOOP EXECUTE 'DROP FUNCTION ' || r.sig || ' CASCADE'; END LOOP;
  DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
    procrastinate_job_status CASCADE;
END $$;
"""


def _driver_connection() -> object | None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    return bind.connection.driver_connection


def upgrade() -> None:
    conn = _driver_connection()
    if conn is not None:  # raw psycopg: the schema's text is not a parameter template
        conn.execute(SCHEMA.read_text(encoding="utf-8"))  # type: ignore[attr-defined]


def downgrade() -> None:
    conn = _driver_connection()
    if conn is not None:
        conn.execute(_DROP)  # type: ignore[attr-defined]
