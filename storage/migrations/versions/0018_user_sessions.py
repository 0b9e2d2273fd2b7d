"""console users: a session epoch (a role change, a disable or a password reset ends the
user's open sessions) and the last sign-in

Revision ID: 0018_user_sessions
Revises: 0017_idea_notices
Create Date: 2026-12-06 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0018_user_sessions"
down_revision = "0017_idea_notices"
branch_labels = None
depends_on = None

UTC_DT = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("last_login_at", UTC_DT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("session_epoch")
