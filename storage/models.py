"""SQLAlchemy 2.x models. Portable: SQLite (default) and PostgreSQL (psycopg 3).

Promises live here as constraints, not in Python: one row per (platform, external id),
one handle per (platform, key), one *current* classification per mention, one follow-up
per mention, one idempotency key per follow-up, one delivery attempt in flight per
follow-up, and status columns that can only hold known states. Anything written by
strangers (ids, names, URLs, platform keys from import files) is ``Text``: no length a
server could reject.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage.textfold import search_key

MENTION_STATUSES: Final = ("new", "classified", "routed", "filtered", "duplicate")
FOLLOWUP_STATUSES: Final = (
    "open",
    "approved",
    "sending",
    "sent",
    "failed",
    "unknown",
    "handed_to_staff",
    "snoozed",
    "done",
    "dismissed",
)
DELIVERY_STATUSES: Final = (
    "sending",
    "sent",
    "failed",
    "unknown",
    "handed_to_staff",
    "retry",
    "unreachable",
)
IDEA_STATUSES: Final = (
    "new",
    "needs-info",
    "considering",
    "planned",
    "in-progress",
    "done",
    "declined",
    "duplicate",
)
SUGGESTION_STATUSES: Final = ("open", "accepted", "rejected")
#: What a follow-up is: an answer to a person's posts, a check-in with a loyal customer,
#: or news for everyone who asked for an idea.
FOLLOWUP_KINDS: Final = ("conversation", "reminder", "announcement")
SEVERITIES: Final = ("critical", "high", "normal")


def one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK expression allowing only ``values`` in ``column``."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


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
    """A customer, possibly known under several platform handles.

    A person merged into another keeps its row (``merged_into_id``) so the merge can be
    undone; its handles, mentions and follow-ups point at the person it was merged into.
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    last_contacted_at: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    do_not_contact_at: Mapped[datetime | None]  # every channel refuses this person
    do_not_contact_by: Mapped[str | None] = mapped_column(Text)
    do_not_contact_reason: Mapped[str | None] = mapped_column(Text)
    # display_name and email folded for searches (storage.textfold.search_key)
    search_key: Mapped[str | None] = mapped_column(Text)

    handles: Mapped[list[Handle]] = relationship(back_populates="person")


class PersonNote(Base):
    """Something staff want colleagues to know about a person."""

    __tablename__ = "person_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class Reminder(Base):
    """A check-in with a loyal customer: at most one per person per period, and one per
    merge root per period (``root_id``: whom the person was merged into when it was
    claimed), so two people merged into one human cannot both win a claim (constraints)."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("person_id", "period", name="uq_reminders_period"),
        UniqueConstraint("root_id", "period", name="uq_reminders_root_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    root_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL", name="fk_reminders_root_id_people")
    )
    period: Mapped[int] = mapped_column(Integer)  # days since epoch // reminder interval
    followup_id: Mapped[int | None] = mapped_column(
        ForeignKey("followups.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime]


class Voucher(Base):
    """A gift code from a configured pool; taken once, by one follow-up, never reused."""

    __tablename__ = "vouchers"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    pool: Mapped[str] = mapped_column(Text, index=True)
    followup_id: Mapped[int | None] = mapped_column(
        ForeignKey("followups.id", ondelete="SET NULL"), unique=True
    )
    taken_at: Mapped[datetime | None]
    added_at: Mapped[datetime]


class Handle(Base):
    """One identity of a person on one platform."""

    __tablename__ = "handles"
    __table_args__ = (UniqueConstraint("platform", "key", name="uq_handles_platform_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)  # platform user id, else lower-cased handle
    user_id: Mapped[str | None] = mapped_column(Text)
    handle: Mapped[str | None] = mapped_column(Text)
    display_name: Mapped[str | None] = mapped_column(Text)
    profile_url: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(Text)
    # handle, display_name and email folded for searches (storage.textfold.search_key)
    search_key: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship(back_populates="handles")


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _person_search_key(_mapper: Any, _connection: Any, person: Person) -> None:
    """A person written through the session has its search key filled (Core inserts and
    updates fill it themselves: storage.handles)."""
    key = search_key(person.display_name, person.email)
    if person.search_key != key:
        person.search_key = key


@event.listens_for(Handle, "before_insert")
@event.listens_for(Handle, "before_update")
def _handle_search_key(_mapper: Any, _connection: Any, handle: Handle) -> None:
    key = search_key(handle.handle, handle.display_name, handle.email)
    if handle.search_key != key:
        handle.search_key = key


class PersonMerge(Base):
    """A recorded merge of ``merged_id`` into ``kept_id``; ``handle_ids`` moved with it."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    handle_ids: Mapped[list[int]] = mapped_column(JSON)
    # open conversations folded together: [{"from": id, "into": id, "mentions": [ids]}]
    folded: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[str | None] = mapped_column(Text)


class MergeSuggestion(Base):
    """Two people who may be one (e.g. the same text on two platforms): staff decide."""

    __tablename__ = "merge_suggestions"
    __table_args__ = (
        UniqueConstraint("person_id", "other_id", name="uq_merge_suggestions_pair"),
        CheckConstraint("person_id < other_id", name="ck_merge_suggestions_ordered"),
        CheckConstraint(one_of("status", SUGGESTION_STATUSES), name="ck_merge_suggestions_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]


class MentionRow(Base):
    """A stored public mention; unique per (platform, external_id)."""

    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_mentions_platform_external_id"),
        Index("ix_mentions_status", "status"),
        Index("ix_mentions_text_hash", "text_hash"),
        CheckConstraint(one_of("status", MENTION_STATUSES), name="ck_mentions_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    brand: Mapped[str] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    handle_id: Mapped[int | None] = mapped_column(
        ForeignKey("handles.id", ondelete="SET NULL"), index=True
    )
    author_handle: Mapped[str | None] = mapped_column(Text)
    author_name: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    fetched_at: Mapped[datetime]
    raw_json: Mapped[str] = mapped_column(Text)
    # new -> classified -> routed | filtered; duplicate (a cross-post of another mention)
    status: Mapped[str] = mapped_column(String(16), default="new")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id"))
    # Classification work is claimed: a run owns these rows until claim_expires_at.
    claimed_by: Mapped[str | None] = mapped_column(Text)
    claim_expires_at: Mapped[datetime | None]

    person: Mapped[Person | None] = relationship()


class ErasedPost(Base):
    """A post `simak forget` erased, as a keyed hash of (platform, external id) only (see
    :mod:`storage.tombstones`): a poll that meets it again does not store it."""

    __tablename__ = "erased_posts"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class ErasedPostsKey(Base):
    """The random key of this database's :class:`ErasedPost` hashes (one row)."""

    __tablename__ = "erased_posts_key"
    __table_args__ = (CheckConstraint("id = 1", name="ck_erased_posts_key_one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    secret: Mapped[str] = mapped_column(String(64))


class ClassificationRow(Base):
    """A classifier's (or a staff member's) verdict on a mention; one is current."""

    __tablename__ = "classifications"
    __table_args__ = (
        Index(
            "uq_classifications_current",
            "mention_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(
        ForeignKey("mentions.id", ondelete="CASCADE"), index=True
    )
    labels: Mapped[list[str]] = mapped_column(JSON)
    praise: Mapped[float] = mapped_column(Float)
    complaint: Mapped[float] = mapped_column(Float)
    idea: Mapped[float] = mapped_column(Float)
    lang: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(String(16))  # critical / high / normal
    severity_reason: Mapped[str | None] = mapped_column(Text)  # e.g. "possible food poisoning"
    severity_score: Mapped[float | None] = mapped_column(Float)  # confidence it is critical
    created_at: Mapped[datetime]
    corrected_by: Mapped[str | None] = mapped_column(Text)  # staff user for corrections
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)


#: Statuses in which a conversation still takes a person's new posts.
JOINABLE: Final = ("open", "approved", "snoozed")
#: A person's conversation with a brand that still takes posts: one at most (an index).
OPEN_CONVERSATION: Final = (
    f"kind = 'conversation' AND person_id IS NOT NULL AND {one_of('status', JOINABLE)}"
)


class FollowUp(Base):
    """A private follow-up to one person — a conversation: their posts join it while it is
    open, approved or snoozed (one such conversation per person and brand).

    Every change is a compare-and-set on (``status``, ``version``): ``version`` grows with
    each change of status, draft, subject, labels or channel, so an action built on what a
    person saw is refused once that changed.
    """

    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_status_due", "status", "due_at"),
        Index(
            "uq_followups_open_per_person",
            "person_id",
            "brand",
            unique=True,
            sqlite_where=text(OPEN_CONVERSATION),
            postgresql_where=text(OPEN_CONVERSATION),
        ),
        CheckConstraint(one_of("status", FOLLOWUP_STATUSES), name="ck_followups_status"),
        CheckConstraint("version >= 1", name="ck_followups_version"),
        CheckConstraint(one_of("kind", FOLLOWUP_KINDS), name="ck_followups_kind"),
        CheckConstraint(one_of("severity", SEVERITIES), name="ck_followups_severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="conversation")
    # the conversation's first post; reminders and announcements answer no post; None
    # also once retention removed the post (the outcome stays, without personal data)
    mention_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentions.id", ondelete="SET NULL"), unique=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    brand: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    version: Mapped[int] = mapped_column(Integer, default=1)
    last_post_at: Mapped[datetime]  # newest post in the conversation
    label: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer)
    # the most severe post's severity (critical first in the queue) and why, for staff
    severity: Mapped[str] = mapped_column(String(16), default="normal", server_default="normal")
    severity_reason: Mapped[str | None] = mapped_column(Text)
    severity_score: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    due_at: Mapped[datetime]
    snoozed_until: Mapped[datetime | None]
    send_after: Mapped[datetime | None]  # a rate limit or provider asked to wait until then
    channel: Mapped[str] = mapped_column(String(32))
    channel_note: Mapped[str | None] = mapped_column(Text)  # why this channel (fallbacks)
    recipient: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # resolved at routing
    lang: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(Text)
    draft: Mapped[str] = mapped_column(Text)
    draft_by: Mapped[str | None] = mapped_column(Text)  # set when staff wrote the draft
    suggested_subject: Mapped[str | None] = mapped_column(Text)  # re-route kept staff text
    suggested_draft: Mapped[str | None] = mapped_column(Text)
    status_note: Mapped[str | None] = mapped_column(Text)  # e.g. why it went back to open
    approved_by: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None]
    assignee: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    external_message_id: Mapped[str | None] = mapped_column(Text)
    # the routing (channels and rules, a fingerprint) under which the re-route last found
    # this follow-up where routing puts it, and at which version: not read again until
    # either changes (see storage.channel_moves)
    routed_under: Mapped[str | None] = mapped_column(String(32))
    routed_under_version: Mapped[int | None] = mapped_column(Integer)


class ConversationPost(Base):
    """A mention that belongs to a follow-up's conversation (each mention to one only)."""

    __tablename__ = "followup_mentions"

    mention_id: Mapped[int] = mapped_column(
        ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True
    )
    followup_id: Mapped[int] = mapped_column(
        ForeignKey("followups.id", ondelete="CASCADE"), index=True
    )
    added_at: Mapped[datetime]


class Delivery(Base):
    """The outbox: one row per delivery attempt of a follow-up, with its receipt."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("followup_id", "attempt", name="uq_deliveries_attempt"),
        Index(
            "uq_deliveries_in_flight",
            "followup_id",
            unique=True,
            sqlite_where=text("status = 'sending'"),
            postgresql_where=text("status = 'sending'"),
        ),
        Index("ix_deliveries_status_lease", "status", "lease_expires_at"),
        CheckConstraint(one_of("status", DELIVERY_STATUSES), name="ck_deliveries_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followups.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    claimed_by: Mapped[str] = mapped_column(Text)
    lease_expires_at: Mapped[datetime]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    retry_at: Mapped[datetime | None]
    external_id: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)


class FollowUpEvent(Base):
    """Audit of follow-up status transitions."""

    __tablename__ = "followup_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(
        ForeignKey("followups.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)


class IdeaGroup(Base):
    """One idea on the owner's board: its title, status and the centroid new ideas meet.

    ``centroid`` is the float32 *sum* of its members' vectors in vector space ``space``
    (normalised when compared), so adding an idea is one update. A merged group keeps its
    row and members and points at the group it was merged into (undone by clearing it).
    """

    __tablename__ = "idea_groups"
    __table_args__ = (
        CheckConstraint(one_of("status", IDEA_STATUSES), name="ck_idea_groups_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand: Mapped[str] = mapped_column(Text, index=True)
    title: Mapped[str] = mapped_column(Text)
    renamed: Mapped[bool] = mapped_column(default=False)  # the owner chose the title
    status: Mapped[str] = mapped_column(String(16), default="new")
    note: Mapped[str | None] = mapped_column(Text)  # the owner's public note on the status
    space: Mapped[str] = mapped_column(String(64))
    centroid: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("idea_groups.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Idea(Base):
    """A product idea captured from a mention, grouped with similar ones."""

    __tablename__ = "ideas"
    __table_args__ = (CheckConstraint(one_of("status", IDEA_STATUSES), name="ck_ideas_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None once retention removed the post: the idea still counts on the board
    mention_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentions.id", ondelete="SET NULL"), unique=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    brand: Mapped[str] = mapped_column(Text)
    group_key: Mapped[str | None] = mapped_column(String(64), index=True)  # None: not grouped yet
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("idea_groups.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new")
    created_at: Mapped[datetime]


#: What a person may be told about an idea: it shipped, or not for now.
NOTICE_KINDS = ("done", "declined")


class IdeaNotice(Base):
    """An idea post a notice told its author about: each post is told about once per kind
    (the primary key), whatever the board's grouping becomes after (merge, unmerge,
    split): the notice that quoted it stays the one."""

    __tablename__ = "idea_notices"
    __table_args__ = (CheckConstraint(one_of("kind", NOTICE_KINDS), name="ck_idea_notices_kind"),)

    idea_id: Mapped[int] = mapped_column(
        ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    followup_id: Mapped[int] = mapped_column(
        ForeignKey("followups.id", ondelete="CASCADE"), index=True
    )


class SourceState(Base):
    """Cursor and health of one configured source."""

    __tablename__ = "source_state"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    platform: Mapped[str] = mapped_column(Text)
    cursor: Mapped[str | None] = mapped_column(Text)
    last_run_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    # The first failure of the current streak (None when not failing).
    failing_since: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    fetched_last_run: Mapped[int] = mapped_column(Integer, default=0)
    stored_last_run: Mapped[int] = mapped_column(Integer, default=0)
    reads_last_run: Mapped[int] = mapped_column(Integer, default=0)
    warnings_last_run: Mapped[int] = mapped_column(Integer, default=0)
    last_warning: Mapped[str | None] = mapped_column(Text)  # e.g. a bozo feed or bad line
    # Set when the last run was rate limited: no poll calls the platform before it.
    retry_at: Mapped[datetime | None]
    # Polls so far, by outcome (counters for /metrics).
    polls_ok: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    polls_failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    polls_rate_limited: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Lease(Base):
    """A named piece of work held by one run until ``expires_at`` (then anyone may take it)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(Text)
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Digest(Base):
    """The daily digest of one brand: claimed once per day (a constraint), then sent."""

    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint("brand", "day", name="uq_digests_brand_day"),
        CheckConstraint(one_of("status", ("sending", "sent", "empty")), name="ck_digests_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand: Mapped[str] = mapped_column(Text)
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in the business's timezone
    status: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    detail: Mapped[str | None] = mapped_column(Text)


class Alert(Base):
    """A spike alert: one per brand, label and day (a constraint), and none within the
    cool-down of the last one (checked under a lock when claimed), claimed before sending."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("brand", "label", "day", name="uq_alerts_brand_label_day"),
        CheckConstraint(one_of("status", ("sending", "sent", "recorded")), name="ck_alerts_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(16))
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in the business's timezone
    observed: Mapped[int]
    expected: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    detail: Mapped[str | None] = mapped_column(Text)


class AuditLog(Base):
    """Who did what, for anything that changes state a person would care about."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)


USER_ROLES: Final = ("staff", "owner", "admin")


class User(Base):
    """A person who signs in to the web console (password as an scrypt hash)."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(one_of("role", USER_ROLES), name="ck_users_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    #: Bumped whenever the user's open sessions must end (disabled, role changed, password
    #: reset): a session cookie carries the value it was issued with and stops working when
    #: it no longer matches.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_login_at: Mapped[datetime | None]


class RevokedSession(Base):
    """A console session signed out before its cookie expires. Cookies are signed, not
    stored, so sign-out is kept here, where every server process checks it: a copied cookie
    stops working at sign-out. Rows are pruned once the cookie would have expired anyway."""

    __tablename__ = "revoked_sessions"
    __table_args__ = (Index("ix_revoked_sessions_expires_at", "expires_at"),)

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime]


class LoginAttempt(Base):
    """One failed sign-in, counted in the database so every server process sees it."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_name_at", "name", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
