"""Staff corrections of classifier labels: stored, audited, and read back for training."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from common.errors import NotFound, UsageError
from common.records import LABELS, Classification
from storage.audit import record
from storage.mentions import save_classification
from storage.models import ClassificationRow, MentionRow


@dataclass(frozen=True, slots=True)
class Correction:
    """A text with the labels a person says are right."""

    mention_id: int
    text: str
    labels: tuple[str, ...]
    lang: str
    corrected_by: str


def correct_labels(
    session: Session, mention_id: int, labels: tuple[str, ...], actor: str, now: datetime
) -> Classification:
    """Replace a mention's current labels with ``labels`` chosen by ``actor``.

    The mention's row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite writes one at
    a time), so corrections of one mention, and a classifier storing its verdict, run one
    after the other: each reads the labels the previous one left, and no two of them
    insert a current classification at once."""
    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise UsageError(
            f"unknown label(s) {', '.join(unknown)}; use {', '.join(LABELS)}, or other for none"
        )
    mention = session.get(MentionRow, mention_id, with_for_update=True, populate_existing=True)
    if mention is None:
        raise NotFound(f"mention {mention_id} does not exist; see `simak mentions` for mention ids")
    ordered = tuple(label for label in LABELS if label in labels)
    current = session.scalar(
        select(ClassificationRow).where(
            ClassificationRow.mention_id == mention_id, ClassificationRow.is_current.is_(True)
        )
    )
    result = Classification(
        labels=ordered,  # type: ignore[arg-type]
        scores={lab: 1.0 if lab in ordered else 0.0 for lab in LABELS},
        lang=current.lang if current else (mention.lang or "und"),
        model="staff",
        severity=current.severity if current else None,
        severity_reason=current.severity_reason if current else None,
        severity_score=current.severity_score if current else None,
    )
    before = ",".join(current.labels) if current else "none"
    save_classification(session, mention_id, result, now, corrected_by=actor)
    # A staff verdict is final: the classifier must not claim the mention afterwards.
    session.execute(
        update(MentionRow)
        .where(MentionRow.id == mention_id, MentionRow.status == "new")
        .values(status="classified", lang=result.lang, claimed_by=None, claim_expires_at=None)
    )
    record(
        session,
        actor=actor,
        action="correct_labels",
        entity="mention",
        entity_id=mention_id,
        now=now,
        detail=f"{before or 'other'} -> {','.join(ordered) or 'other'}",
    )
    return result


def corrections(session: Session) -> list[Correction]:
    """Every current staff correction, oldest first (training data)."""
    rows = session.execute(
        select(ClassificationRow, MentionRow.text)
        .join(MentionRow, MentionRow.id == ClassificationRow.mention_id)
        .where(ClassificationRow.is_current.is_(True), ClassificationRow.corrected_by.is_not(None))
        .order_by(ClassificationRow.id)
    ).all()
    return [
        Correction(c.mention_id, text, tuple(c.labels), c.lang, c.corrected_by or "")
        for c, text in rows
    ]
