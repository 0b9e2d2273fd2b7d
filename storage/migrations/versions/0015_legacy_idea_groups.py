"""ideas board: ideas grouped before 0009 (a group_key, no group) become board groups

Before 0009 a group was only a shared ``ideas.group_key``; 0009 added ``idea_groups`` but
left those ideas in no group and not waiting either, so the board never showed them. Each
old key becomes a group with its ideas' title and status. Its centroid is empty, in no
vector space: the next grouping run (or ``simak ideas regroup``) recomputes it from its
posts, as for any group after the vector space changes.

Revision ID: 0015_legacy_idea_groups
Revises: 0014_reminder_root
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0015_legacy_idea_groups"
down_revision = "0014_reminder_root"
branch_labels = None
depends_on = None

_LEGACY = "group_id IS NULL AND group_key IS NOT NULL"


def upgrade() -> None:
    conn = op.get_bind()
    keys = conn.execute(
        sa.text(f"SELECT DISTINCT brand, group_key FROM ideas WHERE {_LEGACY}")
    ).all()
    for brand, key in sorted(keys):
        _make_group(conn, brand, key)


def _make_group(conn: sa.Connection, brand: str, key: str) -> None:
    members = conn.execute(
        sa.text(
            f"SELECT id, title, status, created_at FROM ideas WHERE {_LEGACY} "
            "AND brand = :b AND group_key = :k ORDER BY created_at, id"
        ),
        {"b": brand, "k": key},
    ).all()
    first = members[0]
    times = [_aware(m.created_at) for m in members]
    group_id = conn.execute(
        sa.text(
            "INSERT INTO idea_groups (brand, title, renamed, status, space, centroid, size, "
            "created_at, updated_at) VALUES (:b, :t, false, :s, '', :c, :n, :c0, :c1) "
            "RETURNING id"
        ).bindparams(
            sa.bindparam("c", type_=sa.LargeBinary()),
            sa.bindparam("c0", type_=sa.DateTime(timezone=True)),
            sa.bindparam("c1", type_=sa.DateTime(timezone=True)),
        ),
        {
            "b": brand,
            "t": first.title,
            "s": first.status,
            "c": b"",
            "n": len(members),
            "c0": min(times),
            "c1": max(times),
        },
    ).scalar_one()
    conn.execute(
        sa.text(
            "UPDATE ideas SET group_id = :g, group_key = :gk, status = :s "
            "WHERE id IN :ids"
        ).bindparams(sa.bindparam("ids", expanding=True)),
        {"g": group_id, "gk": f"g{group_id}", "s": first.status, "ids": [m.id for m in members]},
    )  # fmt: skip


def _aware(value: datetime | str) -> datetime:
    """SQLite hands back text; stored times are UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def downgrade() -> None:
    pass  # the groups stay: 0014's schema has them, and its code shows them
