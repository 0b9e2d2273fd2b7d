"""followups: the routing a follow-up was last found routed under (re-route skips it)

`simak poll` and `simak send` move unapproved follow-ups on `manual` to a channel set up
since; each run read every such follow-up again, thousands of them on every poll when
nobody could be reached another way. Each now records the fingerprint of the channels and
rules it was last checked under, and the version it was checked at; only those whose
fingerprint or version differs are read again. Existing rows start unchecked (NULL): the
next run checks each once.

Revision ID: 0021_followup_routed_under
Revises: 0020_source_failing_since
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_followup_routed_under"
down_revision = "0020_source_failing_since"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("routed_under", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("routed_under_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_column("routed_under_version")
        batch_op.drop_column("routed_under")
