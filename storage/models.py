"""SQLAlchemy 2.x models. Portable: SQLite (default) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, always returns timezone-aware datetimes (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to storage; pass a timezone-aware UTC value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for every Simak table."""

    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime}  # noqa: RUF012


class Person(Base):
    """A customer, possibly known under several platform handles."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime]
    last_contacted_at: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)

    handles: Mapped[list[Handle]] = relationship(back_populates="person")


class Handle(Base):
    """One identity of a person on one platform."""

    __tablename__ = "handles"
    __table_args__ = (UniqueConstraint("platform", "key", name="uq_handles_platform_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))  # platform user id, else lower-cased handle
    user_id: Mapped[str | None] = mapped_column(String(200))
    handle: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    profile_url: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(320))
    lang: Mapped[str | None] = mapped_column(String(16))

    person: Mapped[Person] = relationship(back_populates="handles")


class MentionRow(Base):
    """A stored public mention; unique per (platform, external_id)."""

    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_mentions_platform_external_id"),
        Index("ix_mentions_status", "status"),
        Index("ix_mentions_text_hash", "text_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(100))
    brand: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    author_handle: Mapped[str | None] = mapped_column(String(200))
    author_name: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str | None] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    fetched_at: Mapped[datetime]
    raw_json: Mapped[str] = mapped_column(Text)
    # new -> classified -> routed | filtered | duplicate
    status: Mapped[str] = mapped_column(String(16), default="new")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id"))

    person: Mapped[Person | None] = relationship()


class ClassificationRow(Base):
    """A classifier's (or a staff member's) verdict on a mention."""

    __tablename__ = "classifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(
        ForeignKey("mentions.id", ondelete="CASCADE"), index=True
    )
    labels: Mapped[list[str]] = mapped_column(JSON)
    praise: Mapped[float] = mapped_column(Float)
    complaint: Mapped[float] = mapped_column(Float)
    idea: Mapped[float] = mapped_column(Float)
    lang: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    corrected_by: Mapped[str | None] = mapped_column(String(100))  # staff user for corrections
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)


class FollowUp(Base):
    """A private follow-up waiting in (or done with) the staff queue."""

    __tablename__ = "followups"
    __table_args__ = (Index("ix_followups_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(
        ForeignKey("mentions.id", ondelete="CASCADE"), unique=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    # open -> approved -> sent | snoozed | done | dismissed
    status: Mapped[str] = mapped_column(String(16), default="open")
    label: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(Text)
    draft: Mapped[str] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    external_message_id: Mapped[str | None] = mapped_column(String(200))


class FollowUpEvent(Base):
    """Audit of follow-up status transitions."""

    __tablename__ = "followup_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(
        ForeignKey("followups.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)


class Idea(Base):
    """A product idea captured from a mention, grouped with similar ones."""

    __tablename__ = "ideas"

    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(
        ForeignKey("mentions.id", ondelete="CASCADE"), unique=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    brand: Mapped[str] = mapped_column(String(100))
    group_key: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(Text)
    # new / considering / planned / done / declined
    status: Mapped[str] = mapped_column(String(16), default="new")
    created_at: Mapped[datetime]


class SourceState(Base):
    """Cursor and health of one configured source."""

    __tablename__ = "source_state"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    cursor: Mapped[str | None] = mapped_column(Text)
    last_run_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    fetched_last_run: Mapped[int] = mapped_column(Integer, default=0)
    stored_last_run: Mapped[int] = mapped_column(Integer, default=0)
    reads_last_run: Mapped[int] = mapped_column(Integer, default=0)
    warnings_last_run: Mapped[int] = mapped_column(Integer, default=0)
    last_warning: Mapped[str | None] = mapped_column(Text)  # e.g. a bozo feed or bad line


class AuditLog(Base):
    """Who did what, for anything that changes state a person would care about."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(Text)
