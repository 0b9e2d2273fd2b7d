"""console: sessions signed out before their cookie expires

Revision ID: 0012_session_revocation
Revises: 0011_task_engine
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0012_session_revocation"
down_revision = "0011_task_engine"
branch_labels = None
depends_on = None

UTC_DT = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "revoked_sessions",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTC_DT, nullable=False),
        sa.PrimaryKeyConstraint("sid"),
    )
    op.create_index("ix_revoked_sessions_expires_at", "revoked_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_revoked_sessions_expires_at", table_name="revoked_sessions")
    op.drop_table("revoked_sessions")
