"""Merge suggestions: two people who may be one (the same words on two platforms), recorded
once each, that staff confirm (:func:`storage.people.merge` accepts the suggestion) or
reject.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from common.errors import ConflictError
from storage.dialect import insert
from storage.models import MergeSuggestion


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Two people who may be one."""

    id: int
    person_id: int
    other_id: int
    reason: str
    status: str
    created_at: datetime


def suggest_same_person(
    session: Session, person_id: int, other_id: int, reason: str, now: datetime
) -> None:
    """Record (once) that two people may be one; staff decide with merge or reject."""
    if person_id == other_id:
        return
    low, high = sorted((person_id, other_id))
    session.execute(
        insert(session, MergeSuggestion)
        .values(person_id=low, other_id=high, reason=reason, status="open", created_at=now)
        .on_conflict_do_nothing(index_elements=["person_id", "other_id"])
    )


def open_suggestions(session: Session, limit: int = 200) -> list[Suggestion]:
    """Merge suggestions nobody decided yet, oldest first."""
    rows = session.scalars(
        select(MergeSuggestion)
        .where(MergeSuggestion.status == "open")
        .order_by(MergeSuggestion.id)
        .limit(limit)
    )
    return [
        Suggestion(r.id, r.person_id, r.other_id, r.reason, r.status, r.created_at) for r in rows
    ]


def reject_suggestion(session: Session, suggestion_id: int, actor: str, now: datetime) -> None:
    """Staff say the two people are different; the suggestion is closed."""
    done = session.execute(
        update(MergeSuggestion)
        .where(MergeSuggestion.id == suggestion_id, MergeSuggestion.status == "open")
        .values(status="rejected", decided_by=actor, decided_at=now)
        .returning(MergeSuggestion.id)
    ).scalar_one_or_none()
    if done is None:
        raise ConflictError(f"suggestion {suggestion_id} does not exist or was already decided")
