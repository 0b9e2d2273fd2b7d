"""conversations: a follow-up holds a person's posts; one open conversation per person and
brand

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_JOINABLE = "person_id IS NOT NULL AND status IN ('open', 'approved', 'snoozed')"


def upgrade() -> None:
    op.create_table(
        "followup_mentions",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("added_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["followup_id"], ["followups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id"),
    )
    with op.batch_alter_table("followup_mentions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_followup_mentions_followup_id"), ["followup_id"], unique=False
        )
    with op.batch_alter_table("person_merges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("folded", sa.JSON(), nullable=True))
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("brand", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("last_post_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
    _backfill()
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.alter_column("brand", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column(
            "last_post_at",
            existing_type=storage.models.UTCDateTime(timezone=True),
            nullable=False,
        )
        batch_op.create_index(
            "uq_followups_open_per_person",
            ["person_id", "brand"],
            unique=True,
            sqlite_where=sa.text(_JOINABLE),
            postgresql_where=sa.text(_JOINABLE),
        )


def _backfill() -> None:
    op.execute(
        "UPDATE followups SET brand = (SELECT m.brand FROM mentions m WHERE m.id = "
        "followups.mention_id), last_post_at = (SELECT m.created_at FROM mentions m "
        "WHERE m.id = followups.mention_id)"
    )
    op.execute(
        "INSERT INTO followup_mentions (mention_id, followup_id, added_at) "
        "SELECT mention_id, id, created_at FROM followups"
    )
    # Before conversations a person could have several open follow-ups: the oldest takes
    # the others' posts, and the others are dismissed with a note saying where they went.
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(f"SELECT id, person_id, brand FROM followups WHERE {_JOINABLE} ORDER BY id")
    ).all()
    keeper: dict[tuple[int, str], int] = {}
    for fid, person, brand in rows:
        first = keeper.setdefault((person, brand), fid)
        if first == fid:
            continue
        conn.execute(
            sa.text("UPDATE followup_mentions SET followup_id = :k WHERE followup_id = :f"),
            {"k": first, "f": fid},
        )
        conn.execute(
            sa.text(
                "UPDATE followups SET status = 'dismissed', version = version + 1, "
                "status_note = :note WHERE id = :f"
            ),
            {"f": fid, "note": f"joined conversation {first} (one per person)"},
        )


def downgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_followups_open_per_person",
            sqlite_where=sa.text(_JOINABLE),
            postgresql_where=sa.text(_JOINABLE),
        )
        batch_op.drop_column("last_post_at")
        batch_op.drop_column("brand")
    with op.batch_alter_table("followup_mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_mentions_followup_id"))
    op.drop_table("followup_mentions")
    with op.batch_alter_table("person_merges", schema=None) as batch_op:
        batch_op.drop_column("folded")
