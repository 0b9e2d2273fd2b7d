"""A person as staff see them: every handle, mention and follow-up, and their merges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import NotFound
from storage.models import ClassificationRow, FollowUp, Handle, MentionRow, Person
from storage.people import MergeRecord, merges_of


@dataclass(frozen=True, slots=True)
class HandleView:
    """One identity of the person."""

    platform: str
    handle: str | None
    user_id: str | None
    display_name: str | None
    email: str | None
    profile_url: str | None


@dataclass(frozen=True, slots=True)
class MentionView:
    """One thing the person said."""

    id: int
    platform: str
    created_at: datetime
    text: str
    url: str | None
    labels: tuple[str, ...]
    status: str


@dataclass(frozen=True, slots=True)
class FollowUpSummary:
    """One follow-up to the person and its outcome."""

    id: int
    mention_id: int
    label: str
    status: str
    channel: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class PersonView:
    """Everything Simak knows about one person."""

    id: int
    name: str | None
    email: str | None
    created_at: datetime
    last_contacted_at: datetime | None
    notes: str | None
    merged_into_id: int | None
    handles: list[HandleView]
    mentions: list[MentionView]
    followups: list[FollowUpSummary]
    merges: list[MergeRecord]


def person_view(session: Session, person_id: int) -> PersonView:
    """The person page (NotFound for an unknown id)."""
    p = session.get(Person, person_id)
    if p is None:
        raise NotFound(f"person {person_id} does not exist; see `simak queue --json` for ids")
    return PersonView(
        id=p.id,
        name=p.display_name,
        email=p.email,
        created_at=p.created_at,
        last_contacted_at=p.last_contacted_at,
        notes=p.notes,
        merged_into_id=p.merged_into_id,
        handles=_handles(session, p.id),
        mentions=_mentions(session, p.id),
        followups=_followups(session, p.id),
        merges=merges_of(session, p.id),
    )


def _handles(session: Session, person_id: int) -> list[HandleView]:
    rows = session.scalars(select(Handle).where(Handle.person_id == person_id).order_by(Handle.id))
    return [
        HandleView(h.platform, h.handle, h.user_id, h.display_name, h.email, h.profile_url)
        for h in rows
    ]


def _mentions(session: Session, person_id: int) -> list[MentionView]:
    rows = session.execute(
        select(MentionRow, ClassificationRow.labels)
        .outerjoin(
            ClassificationRow,
            (ClassificationRow.mention_id == MentionRow.id) & ClassificationRow.is_current,
        )
        .where(MentionRow.person_id == person_id)
        .order_by(MentionRow.created_at.desc(), MentionRow.id.desc())
    ).all()
    return [
        MentionView(m.id, m.platform, m.created_at, m.text, m.url, tuple(labels or ()), m.status)
        for m, labels in rows
    ]


def _followups(session: Session, person_id: int) -> list[FollowUpSummary]:
    rows = session.scalars(
        select(FollowUp).where(FollowUp.person_id == person_id).order_by(FollowUp.id.desc())
    )
    return [
        FollowUpSummary(f.id, f.mention_id, f.label, f.status, f.channel, f.created_at, f.sent_at)
        for f in rows
    ]
