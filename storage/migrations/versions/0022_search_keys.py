"""people, handles: search keys, so `people find` ignores accents alike on both databases

A search compared SQL-folded names (SQLite: a Python function per row; PostgreSQL: its own
lower() and normalize()) and ignored case only: "jose" did not find "JOSÉ". Each person and
handle now stores its name, handle and address folded in Python (storage.textfold:
case, accents, apostrophes, Unicode form); rows already there are filled here, in pages.

Revision ID: 0022_search_keys
Revises: 0021_followup_routed_under
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.textfold import search_key

revision = "0022_search_keys"
down_revision = "0021_followup_routed_under"
branch_labels = None
depends_on = None

PAGE = 1000
#: Each table and the columns its key folds, in the order storage.models folds them.
FOLDED = {"people": ("display_name", "email"), "handles": ("handle", "display_name", "email")}


def upgrade() -> None:
    for table in FOLDED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("search_key", sa.Text(), nullable=True))
    for table, columns in FOLDED.items():
        _fill(table, columns)


def _fill(table: str, columns: tuple[str, ...]) -> None:
    """Every row's search key, a page of rows at a time (by id)."""
    conn = op.get_bind()
    read = sa.text(
        f"SELECT id, {', '.join(columns)} FROM {table} WHERE id > :after ORDER BY id LIMIT {PAGE}"
    )
    write = sa.text(f"UPDATE {table} SET search_key = :key WHERE id = :id")
    after = 0
    while rows := conn.execute(read, {"after": after}).all():
        keys = [{"id": row[0], "key": search_key(*row[1:])} for row in rows]
        if filled := [k for k in keys if k["key"] is not None]:
            conn.execute(write, filled)
        after = rows[-1][0]


def downgrade() -> None:
    for table in FOLDED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("search_key")
