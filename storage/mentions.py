"""Storing mentions, claiming classification work, and keeping one current verdict each.

Every write here is safe under overlapping runs: mentions and handles are inserted with
``ON CONFLICT DO NOTHING``, classification work is claimed with a compare-and-set that
only one run can win, and a partial unique index allows one current classification per
mention.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from common.records import Classification, Mention
from common.text import fold
from storage.dialect import insert, lock_ids
from storage.models import ClassificationRow, MentionRow
from storage.people import handle_for, suggest_same_person

# The same text from two people on two platforms within this window may be one person.
_CROSS_POST_WINDOW = timedelta(days=3)
_MIN_CROSS_POST_CHARS = 20


def text_hash(text: str) -> str:
    """A hash of the folded text, for spotting cross-posts."""
    normalised = " ".join(fold(text).split())
    return hashlib.sha256(normalised.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class PendingMention:
    """A stored mention claimed for classification."""

    id: int
    brand: str
    text: str
    title: str | None


def save_mentions(session: Session, mentions: Sequence[Mention], now: datetime) -> list[int]:
    """Insert mentions not seen before; return the ids of the new rows.

    A mention already stored under the same (platform, external_id) — by this run or an
    overlapping one — is skipped, so re-running a poll never duplicates anything.
    """
    new_ids: list[int] = []
    for mention in mentions:
        handle_id, person_id = handle_for(session, mention.author, now)
        row_id = session.execute(
            insert(session, MentionRow)
            .values(**_mention_values(mention, handle_id, person_id, now))
            .on_conflict_do_nothing(index_elements=["platform", "external_id"])
            .returning(MentionRow.id)
        ).scalar_one_or_none()
        if row_id is None:
            continue
        _check_cross_post(session, row_id, mention, person_id, now)
        new_ids.append(row_id)
    return new_ids


def _mention_values(
    mention: Mention, handle_id: int | None, person_id: int | None, now: datetime
) -> dict[str, object]:
    return {
        "platform": mention.platform,
        "external_id": mention.external_id,
        "source": mention.source,
        "brand": mention.brand,
        "person_id": person_id,
        "handle_id": handle_id,
        "author_handle": mention.author.handle,
        "author_name": mention.author.display_name,
        "title": mention.title,
        "text": mention.text,
        "text_hash": text_hash(mention.text),
        "lang": mention.lang_hint,
        "url": mention.url,
        "created_at": mention.created_at,
        "fetched_at": now,
        "raw_json": mention.raw_json,
        "status": "new",
    }


def _check_cross_post(
    session: Session, row_id: int, mention: Mention, person_id: int | None, now: datetime
) -> None:
    """The same words on another platform: a duplicate of the same person's post, or —
    from someone else — a suggestion for staff that the two may be one person."""
    if len(mention.text) < _MIN_CROSS_POST_CHARS:
        return
    window = (
        MentionRow.created_at >= mention.created_at - _CROSS_POST_WINDOW,
        MentionRow.created_at <= mention.created_at + _CROSS_POST_WINDOW,
    )
    others = session.execute(
        select(MentionRow.id, MentionRow.person_id)
        .where(
            MentionRow.text_hash == text_hash(mention.text),
            MentionRow.platform != mention.platform,
            MentionRow.id != row_id,
            *window,
        )
        .order_by(MentionRow.id)
        .limit(3)
    ).all()
    if not others:
        return
    same = [o for o in others if person_id is not None and o.person_id == person_id]
    if same:
        session.execute(
            update(MentionRow)
            .where(MentionRow.id == row_id)
            .values(status="duplicate", duplicate_of_id=same[0].id)
        )
        return
    people = {o.person_id for o in others if o.person_id is not None}
    # Copypasta (many people, same words) is not one person: suggest only a single match.
    if person_id is not None and len(people) == 1:
        suggest_same_person(
            session, person_id, people.pop(), "the same words on two platforms", now
        )


def claim_holders(session: Session) -> list[str]:
    """Runs holding classification claims now (to check which of them died)."""
    return list(
        session.scalars(
            select(MentionRow.claimed_by)
            .where(MentionRow.status == "new", MentionRow.claimed_by.is_not(None))
            .distinct()
        )
    )


def claim_pending(
    session: Session,
    holder: str,
    now: datetime,
    ttl: timedelta,
    limit: int,
    dead: Collection[str] = (),
) -> list[PendingMention]:
    """Claim up to ``limit`` unclassified mentions for ``holder`` until ``now + ttl``.

    A claim left by a killed run is taken over once it expires, or at once when its
    holder is in ``dead``; two runs never get the same rows while a claim is live.
    """
    free = and_(
        MentionRow.status == "new",
        or_(
            MentionRow.claim_expires_at.is_(None),
            MentionRow.claim_expires_at < now,
            MentionRow.claimed_by.in_(tuple(dead)),
        ),
    )
    ids = lock_ids(session, select(MentionRow.id).where(free).order_by(MentionRow.id).limit(limit))
    if not ids:
        return []
    rows = session.execute(
        update(MentionRow)
        .where(MentionRow.id.in_(ids), free)
        .values(claimed_by=holder, claim_expires_at=now + ttl)
        .returning(MentionRow.id, MentionRow.brand, MentionRow.text, MentionRow.title)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(
        (PendingMention(id=r.id, brand=r.brand, text=r.text, title=r.title) for r in rows),
        key=lambda m: m.id,
    )


def finish_claim(
    session: Session, mention_id: int, holder: str, result: Classification, now: datetime
) -> bool:
    """Store the classifier's verdict if ``holder`` still owns the claim; False otherwise
    (the claim expired and another run classified the mention)."""
    won = session.execute(
        update(MentionRow)
        .where(
            MentionRow.id == mention_id,
            MentionRow.status == "new",
            MentionRow.claimed_by == holder,
        )
        .values(status="classified", lang=result.lang, claimed_by=None, claim_expires_at=None)
        .returning(MentionRow.id)
    ).scalar_one_or_none()
    if won is None:
        return False
    save_classification(session, mention_id, result, now)
    return True


def save_classification(
    session: Session,
    mention_id: int,
    result: Classification,
    now: datetime,
    *,
    corrected_by: str | None = None,
) -> None:
    """Store ``result`` as the current classification of a mention (the previous one is
    kept as history); the partial unique index refuses two current ones."""
    session.execute(
        update(ClassificationRow)
        .where(ClassificationRow.mention_id == mention_id, ClassificationRow.is_current)
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
    session.flush()


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
