"""Counts for `simak stats` and the console's charts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import idea_groups
from storage.models import (
    FOLLOWUP_STATUSES,
    MENTION_STATUSES,
    ClassificationRow,
    FollowUp,
    Idea,
    MentionRow,
    Person,
)


@dataclass(frozen=True, slots=True)
class Stats:
    """Totals across the database."""

    mentions: int
    mentions_by_status: dict[str, int]
    labels: dict[str, int]
    languages: dict[str, int]
    followups: dict[str, int]
    ideas: int
    idea_groups: int
    people: int


def _count(session: Session, column: object) -> int:
    return int(session.scalar(select(func.count()).select_from(column)) or 0)  # type: ignore[arg-type]


def counts_by(session: Session, column: Any, keys: tuple[str, ...]) -> dict[str, int]:
    """Rows per value of ``column``, every value of ``keys`` present (0 when none)."""
    counts = dict.fromkeys(keys, 0)
    for key, n in session.execute(select(column, func.count()).group_by(column)).all():
        counts[key] = int(n)
    return counts


def _live_groups(session: Session) -> int:
    """Board groups holding at least one idea, a merged group counted in the one it joined."""
    up = idea_groups.parents(session)
    used = session.scalars(select(Idea.group_id).where(Idea.group_id.is_not(None)).distinct())
    return len({idea_groups.root_in(up, g) for g in used if g is not None})


def current_labels(session: Session) -> dict[str, int]:
    """Mentions per current label (a post may carry two; none counts as "other")."""
    labels = {"praise": 0, "complaint": 0, "idea": 0, "other": 0}
    current = select(ClassificationRow.labels).where(ClassificationRow.is_current.is_(True))
    for (row_labels,) in session.execute(current).all():
        for label in row_labels or ["other"]:
            labels[label] = labels.get(label, 0) + 1
    return labels


def collect_stats(session: Session) -> Stats:
    """Count mentions, labels, languages, follow-ups, ideas and people."""
    by_status = counts_by(session, MentionRow.status, MENTION_STATUSES)
    languages = {
        lang: int(n)
        for lang, n in session.execute(
            select(func.coalesce(MentionRow.lang, "und"), func.count()).group_by(MentionRow.lang)
        ).all()
    }
    labels = current_labels(session)
    groups = _live_groups(session)
    return Stats(
        mentions=sum(by_status.values()),
        mentions_by_status=by_status,
        labels=labels,
        languages=languages,
        followups=counts_by(session, FollowUp.status, FOLLOWUP_STATUSES),
        ideas=_count(session, Idea),
        idea_groups=int(groups),
        people=int(
            session.scalar(
                select(func.count()).select_from(Person).where(Person.merged_into_id.is_(None))
            )
            or 0
        ),
    )
