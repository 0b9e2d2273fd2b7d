"""reminders: one per human per period, merges included (unique merge root per period)

Revision ID: 0014_reminder_root
Revises: 0013_source_retry_at
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_reminder_root"
down_revision = "0013_source_retry_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("root_id", sa.Integer(), nullable=True))
    # Existing reminders keep their own person as root: (person_id, period) was unique,
    # so the new constraint holds for every row already there.
    op.execute("UPDATE reminders SET root_id = person_id")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_reminders_root_id_people", "people", ["root_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_unique_constraint("uq_reminders_root_period", ["root_id", "period"])


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint("uq_reminders_root_period", type_="unique")
        batch_op.drop_constraint("fk_reminders_root_id_people", type_="foreignkey")
        batch_op.drop_column("root_id")
