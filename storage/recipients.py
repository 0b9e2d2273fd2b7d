"""Typed facts about a stored mention that routing needs: who wrote it and how to reach them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import NotFound
from common.records import Recipient
from storage.models import Handle, MentionRow, Person


@dataclass(frozen=True, slots=True)
class MentionFacts:
    """One stored mention as routing sees it."""

    id: int
    platform: str
    brand: str
    text: str
    url: str | None
    created_at: datetime
    person_id: int | None
    recipient: Recipient
    person_mentions: int  # how many mentions this person has made (loyalty)


def mention_facts_many(session: Session, ids: Sequence[int]) -> dict[int, MentionFacts]:
    """Facts about many mentions in a few queries (a classified batch)."""
    if not ids:
        return {}
    rows = session.execute(
        select(MentionRow, Handle, Person)
        .outerjoin(Handle, Handle.id == MentionRow.handle_id)
        .outerjoin(Person, Person.id == MentionRow.person_id)
        .where(MentionRow.id.in_(ids))
    ).all()
    people = {m.person_id for m, _, _ in rows if m.person_id is not None}
    counts = dict(
        session.execute(
            select(MentionRow.person_id, func.count())
            .where(MentionRow.person_id.in_(people))
            .group_by(MentionRow.person_id)
        ).all()
    )
    return {
        m.id: MentionFacts(
            id=m.id,
            platform=m.platform,
            brand=m.brand,
            text=m.text,
            url=m.url,
            created_at=m.created_at,
            person_id=m.person_id,
            recipient=_recipient(m, h, p),
            person_mentions=int(counts.get(m.person_id, 1)) if m.person_id else 1,
        )
        for m, h, p in rows
    }


def mention_facts(session: Session, mention_id: int) -> MentionFacts:
    """The facts about one mention (NotFound for an unknown id)."""
    m = session.get(MentionRow, mention_id)
    if m is None:
        raise NotFound(f"mention {mention_id} does not exist; see `simak queue --json`")
    return MentionFacts(
        id=m.id,
        platform=m.platform,
        brand=m.brand,
        text=m.text,
        url=m.url,
        created_at=m.created_at,
        person_id=m.person_id,
        recipient=recipient_for(session, m),
        person_mentions=_count(session, m.person_id),
    )


def recipient_for(session: Session, m: MentionRow) -> Recipient:
    """How to reach the author privately: the handle that wrote it, else the person's
    handle on the same platform, plus the person's email."""
    handle = session.get(Handle, m.handle_id) if m.handle_id is not None else None
    person = session.get(Person, m.person_id) if m.person_id is not None else None
    if handle is None and person is not None:
        handle = session.scalar(
            select(Handle)
            .where(Handle.person_id == person.id, Handle.platform == m.platform)
            .order_by(Handle.id)
            .limit(1)
        )
    return _recipient(m, handle, person)


def _recipient(m: MentionRow, handle: Handle | None, person: Person | None) -> Recipient:
    return Recipient(
        name=(person.display_name if person else None) or m.author_name,
        platform=m.platform,
        handle=handle.handle if handle else m.author_handle,
        user_id=handle.user_id if handle else None,
        email=(person.email if person else None) or (handle.email if handle else None),
    )


def _count(session: Session, person_id: int | None) -> int:
    if person_id is None:
        return 1
    n = session.scalar(
        select(func.count()).select_from(MentionRow).where(MentionRow.person_id == person_id)
    )
    return int(n or 1)
