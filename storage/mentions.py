"""Storing mentions and linking their authors to people."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from common.records import Author, Classification, Mention
from common.text import fold
from storage.models import ClassificationRow, FollowUp, Handle, Idea, MentionRow, Person

# The same text from the same person on two platforms within this window is one voice.
_CROSS_POST_WINDOW = timedelta(days=3)
_MIN_CROSS_POST_CHARS = 20


def text_hash(text: str) -> str:
    """A hash of the folded text, for spotting cross-posts."""
    normalised = " ".join(fold(text).split())
    return hashlib.sha256(normalised.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class PendingMention:
    """A stored mention that still needs classifying."""

    id: int
    brand: str
    text: str
    title: str | None


def _find_or_create_person(session: Session, author: Author, now: datetime) -> Person | None:
    key = author.key.partition(":")[2]
    if not key:
        return None
    handle = session.scalar(
        select(Handle).where(Handle.platform == author.platform, Handle.key == key)
    )
    if handle is not None:
        _refresh_handle(handle, author)
        return handle.person
    person = _person_by_email(session, author.email)
    if person is None:
        person = Person(
            display_name=author.display_name or author.handle, email=author.email, created_at=now
        )
        session.add(person)
    session.add(
        Handle(
            person=person,
            platform=author.platform,
            key=key,
            user_id=author.user_id,
            handle=author.handle,
            display_name=author.display_name,
            profile_url=author.profile_url,
            email=author.email,
            lang=author.lang,
        )
    )
    return person


def _person_by_email(session: Session, email: str | None) -> Person | None:
    # The same email on two platforms is one customer: their history follows them.
    if not email or "@" not in email:
        return None
    session.flush()
    return session.scalar(
        select(Person)
        .where(func.lower(Person.email) == email.strip().lower())
        .order_by(Person.id)
        .limit(1)
    )


def _refresh_handle(handle: Handle, author: Author) -> None:
    for attr in ("handle", "display_name", "profile_url", "email", "lang"):
        value = getattr(author, attr)
        if value:
            setattr(handle, attr, value)
    if author.email and not handle.person.email:
        handle.person.email = author.email


def _cross_post_of(session: Session, row: MentionRow) -> MentionRow | None:
    if len(row.text) < _MIN_CROSS_POST_CHARS:
        return None
    return session.scalar(
        select(MentionRow)
        .where(
            MentionRow.text_hash == row.text_hash,
            MentionRow.platform != row.platform,
            MentionRow.created_at >= row.created_at - _CROSS_POST_WINDOW,
            MentionRow.created_at <= row.created_at + _CROSS_POST_WINDOW,
        )
        .order_by(MentionRow.id)
        .limit(1)
    )


def _link_cross_post(session: Session, row: MentionRow, original: MentionRow) -> None:
    row.duplicate_of_id = original.id
    row.status = "duplicate"
    if original.person_id is None or row.person_id in (None, original.person_id):
        return
    # Same words, two platforms: one person. Fold the newer record into the known one.
    old, keep = row.person_id, original.person_id
    session.execute(update(Handle).where(Handle.person_id == old).values(person_id=keep))
    for table in (MentionRow, FollowUp, Idea):
        session.execute(update(table).where(table.person_id == old).values(person_id=keep))
    row.person_id = keep
    session.flush()
    session.execute(
        delete(Person).where(Person.id == old), execution_options={"synchronize_session": False}
    )
    session.expire_all()


def save_mentions(session: Session, mentions: Sequence[Mention], now: datetime) -> list[int]:
    """Insert mentions not seen before; return the ids of the new rows.

    A mention already stored under the same (platform, external_id) is skipped,
    so re-running a poll never duplicates anything.
    """
    new_ids: list[int] = []
    seen: set[tuple[str, str]] = set()
    for mention in mentions:
        key = (mention.platform, mention.external_id)
        if (
            key in seen
            or session.scalar(
                select(MentionRow.id).where(
                    MentionRow.platform == key[0], MentionRow.external_id == key[1]
                )
            )
            is not None
        ):
            continue
        seen.add(key)
        row = _mention_row(mention, _find_or_create_person(session, mention.author, now), now)
        session.add(row)
        session.flush()
        original = _cross_post_of(session, row)
        if original is not None:
            _link_cross_post(session, row, original)
        new_ids.append(row.id)
    return new_ids


def _mention_row(mention: Mention, person: Person | None, now: datetime) -> MentionRow:
    return MentionRow(
        platform=mention.platform,
        external_id=mention.external_id,
        source=mention.source,
        brand=mention.brand,
        person=person,
        author_handle=mention.author.handle,
        author_name=mention.author.display_name,
        title=mention.title,
        text=mention.text,
        text_hash=text_hash(mention.text),
        lang=mention.lang_hint,
        url=mention.url,
        created_at=mention.created_at,
        fetched_at=now,
        raw_json=mention.raw_json,
        status="new",
    )


def pending_mentions(session: Session, limit: int) -> list[PendingMention]:
    """Mentions not yet classified, oldest first."""
    rows = session.execute(
        select(MentionRow.id, MentionRow.brand, MentionRow.text, MentionRow.title)
        .where(MentionRow.status == "new")
        .order_by(MentionRow.id)
        .limit(limit)
    ).all()
    return [PendingMention(id=r.id, brand=r.brand, text=r.text, title=r.title) for r in rows]


def save_classification(
    session: Session,
    mention_id: int,
    result: Classification,
    now: datetime,
    *,
    corrected_by: str | None = None,
) -> None:
    """Store ``result`` as the current classification of a mention."""
    session.execute(
        update(ClassificationRow)
        .where(ClassificationRow.mention_id == mention_id, ClassificationRow.is_current.is_(True))
        .values(is_current=False)
    )
    session.add(
        ClassificationRow(
            mention_id=mention_id,
            labels=list(result.labels),
            praise=result.scores["praise"],
            complaint=result.scores["complaint"],
            idea=result.scores["idea"],
            lang=result.lang,
            model=result.model,
            created_at=now,
            corrected_by=corrected_by,
            is_current=True,
        )
    )
    session.execute(update(MentionRow).where(MentionRow.id == mention_id).values(lang=result.lang))
    session.execute(
        update(MentionRow)
        .where(MentionRow.id == mention_id, MentionRow.status == "new")
        .values(status="classified")
    )


def set_status(session: Session, mention_id: int, status: str) -> None:
    """Move a mention to ``status`` (classified, routed, filtered, duplicate)."""
    session.execute(update(MentionRow).where(MentionRow.id == mention_id).values(status=status))


def count_pending(session: Session) -> int:
    """How many mentions wait to be classified."""
    return int(
        session.scalar(
            select(func.count()).select_from(MentionRow).where(MentionRow.status == "new")
        )
        or 0
    )
