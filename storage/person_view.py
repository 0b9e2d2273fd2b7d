"""A person as staff see them: every handle, mention and follow-up, and their merges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.contactable import blocked
from storage.models import ClassificationRow, FollowUp, Handle, MentionRow, Person, PersonNote
from storage.people import MergeRecord, merges_of
from storage.people_search import no_such_person


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
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class FollowUpSummary:
    """One follow-up to the person and its outcome."""

    id: int
    mention_id: int | None
    label: str
    status: str
    channel: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class NoteView:
    """A note staff left about the person."""

    id: int
    author: str
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Loyalty:
    """How much of a regular the person is."""

    mentions: int
    positive: int  # posts with praise
    complaints: int
    ideas: int
    first_seen: datetime | None
    last_seen: datetime | None
    languages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PersonView:
    """Everything Simak knows about one person."""

    id: int
    name: str | None
    email: str | None
    created_at: datetime
    last_contacted_at: datetime | None
    merged_into_id: int | None
    handles: list[HandleView]
    mentions: list[MentionView]
    followups: list[FollowUpSummary]
    merges: list[MergeRecord]
    notes: list[NoteView]
    loyalty: Loyalty
    do_not_contact: str | None  # why, when staff marked the person


def person_view(session: Session, person_id: int) -> PersonView:
    """The person page (NotFound for an unknown id)."""
    p = session.get(Person, person_id)
    if p is None:
        raise no_such_person(person_id)
    mentions = _mentions(session, p.id)
    return PersonView(
        id=p.id,
        name=p.display_name,
        email=p.email,
        created_at=p.created_at,
        last_contacted_at=p.last_contacted_at,
        merged_into_id=p.merged_into_id,
        handles=_handles(session, p.id),
        mentions=mentions,
        followups=_followups(session, p.id),
        merges=merges_of(session, p.id),
        notes=_notes(session, p.id),
        loyalty=_loyalty(mentions),
        do_not_contact=(
            f"{p.do_not_contact_reason} (set by {p.do_not_contact_by})"
            if p.do_not_contact_at
            else _merged_do_not_contact(session, p.id)
        ),
    )


def _merged_do_not_contact(session: Session, person_id: int) -> str | None:
    """A mark on someone merged with this person (it counts for them too)."""
    why = blocked(session, person_id)
    return why.removeprefix("do not contact: ") if why else None


def _notes(session: Session, person_id: int) -> list[NoteView]:
    rows = session.scalars(
        select(PersonNote).where(PersonNote.person_id == person_id).order_by(PersonNote.id.desc())
    )
    return [NoteView(n.id, n.author, n.text, n.at) for n in rows]


def _loyalty(mentions: list[MentionView]) -> Loyalty:
    when = [m.created_at for m in mentions]
    return Loyalty(
        mentions=len(mentions),
        positive=sum("praise" in m.labels for m in mentions),
        complaints=sum("complaint" in m.labels for m in mentions),
        ideas=sum("idea" in m.labels for m in mentions),
        first_seen=min(when) if when else None,
        last_seen=max(when) if when else None,
        languages=tuple(sorted({m.lang for m in mentions if m.lang})),
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
        MentionView(
            m.id, m.platform, m.created_at, m.text, m.url, tuple(labels or ()), m.status, m.lang
        )
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
