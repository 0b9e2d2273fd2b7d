"""Captured product ideas, waiting for the board (storage.idea_groups) to group them.

Routing only *captures* an idea (ungrouped). Grouping is a separate, serialised step that
takes the ungrouped ideas in a canonical order (when posted, then platform and id), so
overlapping runs build the same board one clean run would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.dialect import advisory_lock, insert
from storage.models import Idea, MentionRow


@dataclass(frozen=True, slots=True)
class UngroupedIdea:
    """A captured idea still waiting for its group."""

    id: int
    mention_id: int
    brand: str
    text: str
    captured_at: datetime


def capture_idea(
    session: Session,
    *,
    mention_id: int,
    person_id: int | None,
    brand: str,
    title: str,
    now: datetime,
) -> None:
    """Capture an idea (once per mention, whatever runs overlap); grouped later."""
    session.execute(
        insert(session, Idea)
        .values(
            mention_id=mention_id,
            person_id=person_id,
            brand=brand,
            group_key=None,
            title=title,
            status="new",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["mention_id"])
    )


def lock_board(session: Session, brand: str) -> None:
    """Serialise grouping of ``brand``'s board for the rest of this transaction.

    SQLite needs nothing: its writing transactions already run one at a time.
    """
    advisory_lock(session, f"simak-ideas:{brand}")


def ungrouped(session: Session) -> list[UngroupedIdea]:
    """Ideas waiting for a group, in the canonical order grouping uses."""
    rows = session.execute(
        select(Idea.id, Idea.mention_id, Idea.brand, MentionRow.text, Idea.created_at)
        .join(MentionRow, MentionRow.id == Idea.mention_id)
        .where(Idea.group_key.is_(None))
        .order_by(MentionRow.created_at, MentionRow.platform, MentionRow.external_id)
    ).all()
    return [UngroupedIdea(r.id, r.mention_id, r.brand, r.text, r.created_at) for r in rows]
