"""sources: a rate-limited source waits until retry_at before it is polled again

Revision ID: 0013_source_retry_at
Revises: 0012_session_revocation
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0013_source_retry_at"
down_revision = "0012_session_revocation"
branch_labels = None
depends_on = None

UTC_DT = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("source_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retry_at", UTC_DT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_state", schema=None) as batch_op:
        batch_op.drop_column("retry_at")
