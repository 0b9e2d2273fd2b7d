"""Running a new model over stored mentions (`simak reclassify`): which mentions it may
change, and storing its verdict by compare-and-set, so a staff correction that landed
after the model read a mention (or another run's verdict) is never overwritten."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, func, select, update
from sqlalchemy.orm import Session

from common.records import Classification
from storage.audit import record
from storage.mentions import save_classification
from storage.models import ClassificationRow, MentionRow

#: Mentions a new model may re-label: classified and routed ones (not yet classified:
#: `simak poll` does those; filtered by language and duplicates are never routed).
RECLASSIFIABLE = ("classified", "routed")


@dataclass(frozen=True, slots=True)
class Scope:
    """Which stored mentions: posted since ``since`` (None: any time), with ``label``
    (``other``: no label; None: any), of one of ``brands`` (None: any brand)."""

    since: datetime | None = None
    label: str | None = None
    brands: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A mention the model may re-label, and the classification it was read with."""

    id: int
    classification_id: int
    brand: str
    who: str
    title: str | None
    text: str
    labels: tuple[str, ...]
    lang: str = "und"  # as stored: the language its follow-up's draft is written in


@dataclass(frozen=True, slots=True)
class Skipped:
    """Mentions in the scope left alone, by reason."""

    corrected: int = 0  # staff corrected them: never overridden
    duplicate: int = 0  # cross-posts of another mention
    unclassified: int = 0  # not classified yet (the next poll does them)
    filtered: int = 0  # filtered by the brand's languages


def _in_scope(scope: Scope) -> Any:
    """A select of mentions joined with their current classification (outer), filtered."""
    stmt = select(MentionRow.id).outerjoin(
        ClassificationRow,
        (ClassificationRow.mention_id == MentionRow.id) & ClassificationRow.is_current,
    )
    if scope.since is not None:
        stmt = stmt.where(MentionRow.created_at >= scope.since)
    if scope.brands is not None:
        stmt = stmt.where(MentionRow.brand.in_(scope.brands))
    if scope.label == "other":
        stmt = stmt.where(cast(ClassificationRow.labels, Text) == "[]")
    elif scope.label is not None:  # labels are fixed tokens, stored as a JSON list
        stmt = stmt.where(cast(ClassificationRow.labels, Text).like(f'%"{scope.label}"%'))
    return stmt


def _candidates(scope: Scope) -> Any:
    return _in_scope(scope).where(
        MentionRow.status.in_(RECLASSIFIABLE),
        ClassificationRow.id.is_not(None),
        ClassificationRow.corrected_by.is_(None),
    )


def count_candidates(session: Session, scope: Scope) -> int:
    """How many mentions in ``scope`` the model may re-label."""
    inner = _candidates(scope).subquery()
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)


def skipped(session: Session, scope: Scope) -> Skipped:
    """Mentions in ``scope`` a re-classification leaves alone, counted by reason."""
    corrected = _in_scope(scope).where(ClassificationRow.corrected_by.is_not(None)).subquery()
    statuses = dict(
        session.execute(
            select(MentionRow.status, func.count())
            .where(MentionRow.id.in_(_in_scope(scope).where(
                ClassificationRow.corrected_by.is_(None)
            )))
            .group_by(MentionRow.status)
        ).all()
    )  # fmt: skip
    return Skipped(
        corrected=int(session.scalar(select(func.count()).select_from(corrected)) or 0),
        duplicate=int(statuses.get("duplicate", 0)),
        unclassified=int(statuses.get("new", 0)),
        filtered=int(statuses.get("filtered", 0)),
    )


def candidates(session: Session, scope: Scope, after_id: int, limit: int) -> list[Candidate]:
    """The next ``limit`` mentions in ``scope`` the model may re-label, by id after
    ``after_id``, each with the classification it is read with (for the compare-and-set)."""
    ids = _candidates(scope).where(MentionRow.id > after_id).order_by(MentionRow.id).limit(limit)
    rows = session.execute(
        select(MentionRow, ClassificationRow)
        .join(ClassificationRow, ClassificationRow.mention_id == MentionRow.id)
        .where(MentionRow.id.in_(ids), ClassificationRow.is_current)
        .order_by(MentionRow.id)
    ).all()
    return [
        Candidate(
            id=m.id,
            classification_id=c.id,
            brand=m.brand,
            who=m.author_name or m.author_handle or "?",
            title=m.title,
            text=m.text,
            labels=tuple(c.labels or ()),
            lang=m.lang or "und",
        )
        for m, c in rows
    ]


def store_reclassified(
    session: Session,
    mention_id: int,
    read_with: int,
    result: Classification,
    actor: str,
    now: datetime,
) -> bool:
    """Make ``result`` the mention's current classification if the one current now is
    still ``read_with`` (the one the model was run against), not a staff correction, and
    the mention is still classified or routed; False (nothing written) otherwise.

    The mention's row is locked first (``FOR UPDATE``; SQLite has one writer), in the
    order a correction takes it, and the old verdict is retired by a compare-and-set on
    its id: a correction or another run's verdict that committed since makes it miss."""
    mention = session.get(MentionRow, mention_id, with_for_update=True, populate_existing=True)
    if mention is None or mention.status not in RECLASSIFIABLE:
        return False
    retired = session.execute(
        update(ClassificationRow)
        .where(
            ClassificationRow.id == read_with,
            ClassificationRow.mention_id == mention_id,
            ClassificationRow.is_current.is_(True),
            ClassificationRow.corrected_by.is_(None),
        )
        .values(is_current=False)
        .returning(ClassificationRow.labels)
        .execution_options(synchronize_session=False)
    ).first()
    if retired is None:
        return False
    save_classification(session, mention_id, result, now)  # the current one is retired
    mention.lang = result.lang
    before = ",".join(retired.labels or ()) or "other"
    record(
        session,
        actor=actor,
        action="reclassify",
        entity="mention",
        entity_id=mention_id,
        now=now,
        detail=f"{before} -> {','.join(result.labels) or 'other'} by {result.model}",
    )
    return True
