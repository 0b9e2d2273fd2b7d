"""forget: tombstones of erased posts, so a source delivering one again does not bring it
(or its author) back

``erased_posts`` holds a keyed hash (HMAC-SHA256) of each erased post's platform and
external id; ``erased_posts_key`` the random key, one per database, made here. Posts
erased before this revision have no tombstone (nothing of them is left to hash).

Revision ID: 0019_erased_posts
Revises: 0018_user_sessions
Create Date: 2026-12-06 03:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0019_erased_posts"
down_revision = "0018_user_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erased_posts",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("hash"),
    )
    op.create_table(
        "erased_posts_key",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_erased_posts_key_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.get_bind().execute(
        sa.text("INSERT INTO erased_posts_key (id, secret) VALUES (1, :secret)"),
        {"secret": secrets.token_hex(32)},
    )


def downgrade() -> None:
    op.drop_table("erased_posts_key")
    op.drop_table("erased_posts")
