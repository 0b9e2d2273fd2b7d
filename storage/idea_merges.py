"""Merging two idea groups, recorded so that it can be undone exactly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from common.errors import NotFound, UsageError
from storage.models import Idea, IdeaGroupMerge


@dataclass(frozen=True, slots=True)
class IdeaMergeRecord:
    """One merge of ``merged_key`` into ``kept_key`` (undone_at set once undone)."""

    id: int
    kept_key: str
    merged_key: str
    ideas: int
    actor: str
    at: datetime
    undone_at: datetime | None


def _record(row: IdeaGroupMerge) -> IdeaMergeRecord:
    return IdeaMergeRecord(
        row.id, row.kept_key, row.merged_key, len(row.idea_ids), row.actor, row.at, row.undone_at
    )


def merge_groups(
    session: Session, kept_key: str, merged_key: str, actor: str, now: datetime
) -> IdeaMergeRecord:
    """Move every idea of ``merged_key`` into ``kept_key`` (taking its status)."""
    if kept_key == merged_key:
        raise UsageError("cannot merge an idea group into itself; pick two different groups")
    kept = session.scalar(select(Idea).where(Idea.group_key == kept_key).limit(1))
    if kept is None:
        raise NotFound(f"no idea group {kept_key!r}; see `simak ideas`")
    moved = session.execute(
        update(Idea)
        .where(Idea.group_key == merged_key)
        .values(group_key=kept_key, status=kept.status)
        .returning(Idea.id)
    ).scalars()
    ids = sorted(int(i) for i in moved)
    if not ids:
        raise NotFound(f"no idea group {merged_key!r} (merged already?); see `simak ideas`")
    row = IdeaGroupMerge(
        kept_key=kept_key, merged_key=merged_key, idea_ids=ids, actor=actor, at=now
    )
    session.add(row)
    session.flush()
    return _record(row)


def undo_merge(session: Session, merge_id: int, actor: str, now: datetime) -> IdeaMergeRecord:
    """Give the merged group its ideas back; a merge is undone once (compare-and-set)."""
    claimed = session.execute(
        update(IdeaGroupMerge)
        .where(IdeaGroupMerge.id == merge_id, IdeaGroupMerge.undone_at.is_(None))
        .values(undone_at=now, undone_by=actor)
    )
    row = session.get(IdeaGroupMerge, merge_id)
    if row is None:
        raise NotFound(f"no idea merge {merge_id}; see the ideas board's recent merges")
    if not getattr(claimed, "rowcount", 0):
        raise UsageError(f"idea merge {merge_id} was undone already")
    session.execute(
        update(Idea)
        .where(Idea.id.in_(row.idea_ids), Idea.group_key == row.kept_key)
        .values(group_key=row.merged_key)
    )
    session.refresh(row)
    return _record(row)


def recent_merges(session: Session, limit: int = 10) -> list[IdeaMergeRecord]:
    """The latest merges, newest first."""
    rows = session.scalars(select(IdeaGroupMerge).order_by(IdeaGroupMerge.id.desc()).limit(limit))
    return [_record(r) for r in rows]
