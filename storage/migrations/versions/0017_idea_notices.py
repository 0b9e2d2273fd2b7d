"""ideas board: which idea posts each "it shipped" / "not for now" notice told about

Notices were once per person and group only (the follow-up's idempotency key), and a
group split off (or unmerged from) a done idea is a new group: its people were told
again, quoting the same post. ``idea_notices`` holds each post told about once per kind.
Notices drafted before this revision cover the posts their person has in their group
(and the groups merged into it) now.

Revision ID: 0017_idea_notices
Revises: 0016_source_poll_counts
Create Date: 2026-12-05 19:00:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0017_idea_notices"
down_revision = "0016_source_poll_counts"
branch_labels = None
depends_on = None

#: The key of a notice (simak.usecases.idea_notices._notice_key): group, person, kind.
_KEY = re.compile(r"simak-idea-(\d+)-(\d+)(?:-(declined))?")


def upgrade() -> None:
    op.create_table(
        "idea_notices",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('done', 'declined')", name="ck_idea_notices_kind"),
        sa.ForeignKeyConstraint(["followup_id"], ["followups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("idea_id", "kind"),
    )
    with op.batch_alter_table("idea_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idea_notices_followup_id"), ["followup_id"], unique=False
        )
    _cover_earlier_notices(op.get_bind())


def _cover_earlier_notices(conn: sa.Connection) -> None:
    notices = conn.execute(
        sa.text(
            "SELECT id, idempotency_key FROM followups WHERE kind = 'announcement' "
            "AND idempotency_key LIKE 'simak-idea-%' ORDER BY id"
        )
    ).all()
    if not notices:
        return
    groups = _parents(conn, "idea_groups")
    people = _parents(conn, "people")
    ideas = conn.execute(sa.text("SELECT id, group_id, person_id FROM ideas")).all()
    told: dict[tuple[int, str], int] = {}
    for fid, key in notices:
        match = _KEY.fullmatch(key)
        if match is None:
            continue
        group, person = int(match[1]), int(match[2])
        kind = "declined" if match[3] else "done"
        for idea in ideas:
            if (
                idea.group_id is not None
                and idea.person_id is not None
                and group in _chain(groups, idea.group_id)
                and _root(people, idea.person_id) == _root(people, person)
            ):
                told.setdefault((idea.id, kind), fid)
    if told:
        conn.execute(
            sa.text("INSERT INTO idea_notices (idea_id, kind, followup_id) VALUES (:i, :k, :f)"),
            [{"i": i, "k": k, "f": f} for (i, k), f in sorted(told.items())],
        )


def _parents(conn: sa.Connection, table: str) -> dict[int, int | None]:
    """Every row's ``merged_into_id`` in ``table``."""
    rows = conn.execute(sa.text(f"SELECT id, merged_into_id FROM {table}")).all()
    return {int(r.id): r.merged_into_id for r in rows}


def _chain(parents: dict[int, int | None], node: int) -> list[int]:
    """``node`` and every row it was (transitively) merged into (a cycle stops)."""
    chain = [node]
    while (up := parents.get(chain[-1])) is not None and up not in chain:
        chain.append(up)
    return chain


def _root(parents: dict[int, int | None], node: int) -> int:
    """Where ``node`` was (transitively) merged into, or itself."""
    return _chain(parents, node)[-1]


def downgrade() -> None:
    with op.batch_alter_table("idea_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idea_notices_followup_id"))
    op.drop_table("idea_notices")
