"""Conversations: a follow-up holds one person's posts while it is open, approved or snoozed.

"One open conversation per person and brand" is a partial unique index on ``followups``;
joining a post is an ``INSERT … ON CONFLICT DO NOTHING`` into ``followup_mentions``, so a
post belongs to one conversation however many runs route it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from common.records import Classification
from storage.dialect import insert
from storage.models import JOINABLE, ClassificationRow, ConversationPost, FollowUp, MentionRow
from storage.recipients import MentionFacts, mention_facts_many


def open_conversation(session: Session, person_id: int, brand: str) -> int | None:
    """The person's conversation with ``brand`` that still takes new posts, if any."""
    return session.scalar(
        select(FollowUp.id).where(
            FollowUp.kind == "conversation",
            FollowUp.person_id == person_id,
            FollowUp.brand == brand,
            FollowUp.status.in_(JOINABLE),
        )
    )


def open_conversations(
    session: Session, people: Collection[tuple[int, str]]
) -> dict[tuple[int, str], int]:
    """(person id, brand) → the open conversation of each pair that has one (one query per
    500 people). The query looks people up by id and the kind and status are checked
    here: with them in the WHERE, SQLite walked every open follow-up by status instead
    (10 ms a page at 10,000 follow-ups, growing with the queue; by person: under 1 ms)."""
    out: dict[tuple[int, str], int] = {}
    wanted = set(people)
    ids = sorted({person_id for person_id, _ in wanted})
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(
                FollowUp.person_id, FollowUp.brand, FollowUp.id, FollowUp.kind, FollowUp.status
            ).where(FollowUp.person_id.in_(ids[start : start + 500]))
        ).all()
        for person_id, brand, followup_id, kind, status in rows:
            if kind != "conversation" or status not in JOINABLE:
                continue
            if person_id is not None and (person_id, brand) in wanted:
                out.setdefault((person_id, brand), followup_id)
    return out


def lock_open(session: Session, found: Mapping[tuple[int, str], int]) -> dict[tuple[int, str], int]:
    """Row-lock the conversations ``found`` ((person id, brand) → id, as read by
    :func:`open_conversations`) in id order, and return those that still take posts as
    that person's with that brand, read under the lock (``FOR UPDATE`` reads the newest
    row after waiting; SQLite has one writer). One dismissed, sent, merged away or renamed
    since it was read is left out: its posts start a conversation instead of joining one
    nobody will read. Runs locking the conversations they touch in one global order wait
    for each other instead of deadlocking."""
    ids = sorted(set(found.values()))
    still: dict[int, tuple[int, str]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(FollowUp.id, FollowUp.person_id, FollowUp.brand)
            .where(
                FollowUp.id.in_(ids[start : start + 500]),
                FollowUp.kind == "conversation",
                FollowUp.status.in_(JOINABLE),
            )
            .order_by(FollowUp.id)
            .with_for_update()
        ).all()
        still.update({r.id: (r.person_id, r.brand) for r in rows})
    return {key: fid for key, fid in found.items() if still.get(fid) == key}


def join(
    session: Session, followup_id: int, mention_id: int, posted_at: datetime, now: datetime
) -> bool:
    """Add a post to a conversation; False when the post already belongs to one."""
    added = session.execute(
        insert(session, ConversationPost)
        .values(mention_id=mention_id, followup_id=followup_id, added_at=now)
        .on_conflict_do_nothing()
        .returning(ConversationPost.mention_id)
    ).scalar_one_or_none()
    if added is None:
        return False
    session.execute(
        update(FollowUp)
        .where(FollowUp.id == followup_id, FollowUp.last_post_at < posted_at)
        .values(last_post_at=posted_at)
        .execution_options(synchronize_session=False)
    )
    return True


def conversation_of(session: Session, mention_id: int) -> int | None:
    """The conversation a mention belongs to, if any."""
    return session.scalar(
        select(ConversationPost.followup_id).where(ConversationPost.mention_id == mention_id)
    )


def posts(session: Session, followup_id: int) -> list[tuple[MentionFacts, Classification]]:
    """Every post of a conversation with its current classification, oldest first."""
    rows = session.execute(
        select(ConversationPost.mention_id, ClassificationRow)
        .join(
            ClassificationRow,
            (ClassificationRow.mention_id == ConversationPost.mention_id)
            & ClassificationRow.is_current,
        )
        .where(ConversationPost.followup_id == followup_id)
    ).all()
    facts = mention_facts_many(session, [mid for mid, _ in rows])
    out = [(facts[mid], _classification(c)) for mid, c in rows if mid in facts]
    return sorted(out, key=lambda fc: (fc[0].created_at, fc[0].id))


def _classification(row: ClassificationRow) -> Classification:
    labels = tuple(label for label in ("praise", "complaint", "idea") if label in row.labels)
    return Classification(
        labels=labels,  # type: ignore[arg-type]
        scores={"praise": row.praise, "complaint": row.complaint, "idea": row.idea},
        lang=row.lang,
        model=row.model,
        severity=row.severity,
        severity_reason=row.severity_reason,
        severity_score=row.severity_score,
    )


def label_history(
    session: Session, person_ids: Collection[int], since: datetime
) -> dict[int, dict[int, tuple[str, ...]]]:
    """person id → {mention id: current labels} of their posts since ``since``."""
    if not person_ids:
        return {}
    rows = session.execute(
        select(MentionRow.person_id, MentionRow.id, ClassificationRow.labels)
        .join(
            ClassificationRow,
            (ClassificationRow.mention_id == MentionRow.id) & ClassificationRow.is_current,
        )
        .where(MentionRow.person_id.in_(person_ids), MentionRow.created_at >= since)
    ).all()
    out: dict[int, dict[int, tuple[str, ...]]] = {}
    for person_id, mention_id, labels in rows:
        if person_id is not None:
            out.setdefault(person_id, {})[mention_id] = tuple(labels or ())
    return out
