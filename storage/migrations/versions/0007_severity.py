"""severity: classifications and follow-ups carry a severity and its reason

Revision ID: 0007_severity
Revises: 0006
Create Date: 2026-12-04 12:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_severity"
down_revision = "0006"
branch_labels = None
depends_on = None

_CHECK = "severity IN ('critical', 'high', 'normal')"


def upgrade() -> None:
    with op.batch_alter_table("classifications") as batch_op:
        batch_op.add_column(sa.Column("severity", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("severity_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("severity_score", sa.Float(), nullable=True))
    with op.batch_alter_table("followups") as batch_op:
        batch_op.add_column(
            sa.Column("severity", sa.String(length=16), server_default="normal", nullable=False)
        )
        batch_op.add_column(sa.Column("severity_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("severity_score", sa.Float(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint("ck_followups_severity", _CHECK)


def downgrade() -> None:
    with op.batch_alter_table("followups") as batch_op:
        batch_op.drop_constraint("ck_followups_severity", type_="check")
        batch_op.drop_column("severity_score")
        batch_op.drop_column("severity_reason")
        batch_op.drop_column("severity")
    with op.batch_alter_table("classifications") as batch_op:
        batch_op.drop_column("severity_score")
        batch_op.drop_column("severity_reason")
        batch_op.drop_column("severity")
