"""Mentions as staff browse them (`simak mentions`): newest first, with their current
labels and scores, filtered by label (``other`` = no label), status and brand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, and_, cast, or_, select
from sqlalchemy.orm import Session

from storage.models import MENTION_STATUSES, ClassificationRow, MentionRow

__all__ = ["MENTION_STATUSES", "MentionLine", "list_mentions"]


@dataclass(frozen=True, slots=True)
class MentionLine:
    """One mention and how it was classified (``labels`` empty: other)."""

    id: int
    platform: str
    brand: str
    author: str
    created_at: datetime
    status: str
    lang: str | None
    text: str
    url: str | None
    labels: tuple[str, ...]
    scores: dict[str, float]


def list_mentions(
    session: Session,
    *,
    label: str | None = None,
    status: str | None = None,
    brand: str | None = None,
    unsure: tuple[float, float] | None = None,
    limit: int = 50,
) -> list[MentionLine]:
    """Newest first; ``label="other"`` lists what the model left untagged; with ``unsure``
    (low, high) only mentions with some label scored in ``[low, high)``."""
    stmt = select(MentionRow, ClassificationRow).outerjoin(
        ClassificationRow,
        (ClassificationRow.mention_id == MentionRow.id) & ClassificationRow.is_current,
    )
    if label == "other":
        stmt = stmt.where(cast(ClassificationRow.labels, Text) == "[]")
    elif label is not None:  # labels are fixed tokens, stored as a JSON list
        stmt = stmt.where(cast(ClassificationRow.labels, Text).like(f'%"{label}"%'))
    if status is not None:
        stmt = stmt.where(MentionRow.status == status)
    if brand is not None:
        stmt = stmt.where(MentionRow.brand == brand)
    if unsure is not None:
        lo, hi = unsure
        columns = (ClassificationRow.praise, ClassificationRow.complaint, ClassificationRow.idea)
        stmt = stmt.where(or_(*(and_(col >= lo, col < hi) for col in columns)))
    stmt = stmt.order_by(MentionRow.created_at.desc(), MentionRow.id.desc()).limit(limit)
    return [_line(m, c) for m, c in session.execute(stmt).all()]


def _line(m: MentionRow, c: ClassificationRow | None) -> MentionLine:
    return MentionLine(
        id=m.id,
        platform=m.platform,
        brand=m.brand,
        author=m.author_name or m.author_handle or "?",
        created_at=m.created_at,
        status=m.status,
        lang=(c.lang if c else None) or m.lang,
        text=m.text,
        url=m.url,
        labels=tuple(c.labels or ()) if c else (),
        scores={"praise": c.praise, "complaint": c.complaint, "idea": c.idea} if c else {},
    )
