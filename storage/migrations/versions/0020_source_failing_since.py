"""sources: when a source's current failure streak began (`simak sources`: "failing since")

A source failing on every poll backs off (its next try waits longer after each failure in
a row); the streak's start is what an operator needs to see. Sources failing when this
revision runs start their streak at their last failure (the first one was not kept).

Revision ID: 0020_source_failing_since
Revises: 0019_erased_posts
Create Date: 2026-12-06 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0020_source_failing_since"
down_revision = "0019_erased_posts"
branch_labels = None
depends_on = None

UTC_DT = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("source_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failing_since", UTC_DT, nullable=True))
    op.execute(
        "UPDATE source_state SET failing_since = last_error_at WHERE consecutive_failures > 0"
    )


def downgrade() -> None:
    with op.batch_alter_table("source_state", schema=None) as batch_op:
        batch_op.drop_column("failing_since")
