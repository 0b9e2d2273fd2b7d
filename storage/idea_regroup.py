"""Re-clustering a brand's board: which groups automatic grouping may redo, and the moves.

Only *automatic* groups are redone: still ``new``, titled by grouping (never renamed), in no
merge (neither merged nor merged into), never the subject of an owner's action in the audit
log (status, rename, merge, split), and with every post still stored (retention may have
removed a post's text, and an idea without text cannot be compared again). Everything the
owner touched stays as it is; redone ideas may join it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.audit import AUTOMATIC, record
from storage.models import AuditLog, Idea, IdeaGroup, MentionRow


@dataclass(frozen=True, slots=True)
class RedoIdea:
    """An idea of an automatic group, with the text it is compared on."""

    idea_id: int
    group_id: int
    text: str


def automatic_ideas(session: Session, brand: str) -> list[RedoIdea]:
    """The ideas of ``brand``'s automatic groups (see the module docstring), by idea id."""
    touched = select(AuditLog.entity_id).where(
        AuditLog.entity == "idea_group", AuditLog.actor != AUTOMATIC
    )
    merged_into = select(IdeaGroup.merged_into_id).where(IdeaGroup.merged_into_id.is_not(None))
    textless = select(Idea.group_id).where(Idea.mention_id.is_(None), Idea.group_id.is_not(None))
    groups = (
        select(IdeaGroup.id)
        .where(
            IdeaGroup.brand == brand,
            IdeaGroup.status == "new",
            IdeaGroup.renamed.is_(False),
            IdeaGroup.merged_into_id.is_(None),
            IdeaGroup.id.not_in(merged_into),
            IdeaGroup.id.not_in(textless),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(Idea.id, Idea.group_id, MentionRow.text)
        .join(MentionRow, MentionRow.id == Idea.mention_id)
        .where(Idea.group_id.in_(groups))
        .order_by(Idea.id)
    ).all()
    touched_ids = {str(v) for v in session.scalars(touched) if v is not None}
    return [
        RedoIdea(idea_id, group_id, text)
        for idea_id, group_id, text in rows
        if group_id is not None and str(group_id) not in touched_ids
    ]


def apply_moves(
    session: Session, moves: Mapping[int, tuple[int, int, str]], emptied: list[int]
) -> int:
    """Move ideas (idea id → (from group, to group, the target's status)), each only if it
    is still where the plan found it (compare-and-set), then delete the automatic groups
    left empty; returns how many ideas moved."""
    moved = 0
    for idea_id, (before, after, status) in sorted(moves.items()):
        done = session.execute(
            update(Idea)
            .where(Idea.id == idea_id, Idea.group_id == before)
            .values(group_id=after, group_key=f"g{after}", status=status)
        )
        moved += int(getattr(done, "rowcount", 0) or 0)
    if emptied:
        still_used = select(Idea.group_id).where(Idea.group_id.in_(emptied))
        session.execute(
            delete(IdeaGroup).where(IdeaGroup.id.in_(emptied), IdeaGroup.id.not_in(still_used))
        )
    return moved


def record_regroup(session: Session, brand: str, detail: str, actor: str, now: datetime) -> None:
    """The audit entry of one brand's re-clustering (what moved, in words)."""
    record(session, actor=actor, action="regroup_ideas", entity="idea_board", entity_id=brand,
           now=now, detail=detail[:2000])  # fmt: skip
