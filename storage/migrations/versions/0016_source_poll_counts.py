"""sources: how many polls each source had, by outcome (the /metrics polls counter)

Revision ID: 0016_source_poll_counts
Revises: 0015_legacy_idea_groups
Create Date: 2026-12-05 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_source_poll_counts"
down_revision = "0015_legacy_idea_groups"
branch_labels = None
depends_on = None

COLUMNS = ("polls_ok", "polls_failed", "polls_rate_limited")


def upgrade() -> None:
    with op.batch_alter_table("source_state", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("source_state", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.drop_column(name)
