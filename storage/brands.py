"""A brand's stored name: every row a brand brought in, moved to its new name at once.

A brand's ``name`` is stored on mentions, follow-ups, ideas, idea groups, digests and
alerts. Renaming moves them all in the caller's transaction, keeping what the constraints
promise: a person with an open conversation under both names keeps the older one (the
newer one's posts join it; it is dismissed), and a day whose digest or alert the new name
already has keeps the new name's row (the old name's one for that day goes; both were
claimed already, so nothing is sent twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.errors import ConflictError
from storage.audit import record
from storage.followups import fold_conversation
from storage.ideas import lock_board
from storage.models import (
    JOINABLE,
    Alert,
    ConversationPost,
    Digest,
    FollowUp,
    Idea,
    IdeaGroup,
    MentionRow,
)

#: Every table with a ``brand`` column, by the name counts use.
TABLES: Final[dict[str, Any]] = {
    "mentions": MentionRow,
    "followups": FollowUp,
    "ideas": Idea,
    "idea_groups": IdeaGroup,
    "digests": Digest,
    "alerts": Alert,
}


@dataclass
class BrandRename:
    """What a rename moved (or, with ``dry_run``, would move)."""

    old: str
    new: str
    dry_run: bool
    counts: dict[str, int]  # rows under the old name, per table
    folded: list[tuple[int, int]] = field(default_factory=list)  # (dismissed, kept)
    dropped_digests: list[str] = field(default_factory=list)  # days the new name had
    dropped_alerts: list[str] = field(default_factory=list)  # "label day" the new name had

    @property
    def kept(self) -> list[int]:
        """Conversations that took another one's posts (to be planned again)."""
        return sorted({into for _, into in self.folded})


def stored_brands(session: Session) -> list[str]:
    """Every brand name some row is stored under."""
    names: set[str] = set()
    for table in TABLES.values():
        names.update(session.scalars(select(table.brand).distinct()))
    return sorted(names)


def rename(
    session: Session, old: str, new: str, actor: str, now: datetime, *, dry_run: bool = False
) -> BrandRename:
    """Move every row stored under ``old`` to ``new`` (all or nothing, with the caller's
    transaction); ``dry_run`` counts and changes nothing."""
    for name in sorted((old, new)):  # grouping of either board waits (in one order)
        lock_board(session, name)
    counts = {
        key: session.scalar(select(func.count()).select_from(t).where(t.brand == old)) or 0
        for key, t in TABLES.items()
    }
    result = BrandRename(old, new, dry_run, counts)
    result.folded = _colliding_conversations(session, old, new)
    result.dropped_digests = sorted(_colliding(session, Digest, (Digest.day,), old, new))
    alerts = _colliding(session, Alert, (Alert.label, Alert.day), old, new)
    result.dropped_alerts = [f"{label} {day}" for label, day in sorted(alerts)]
    if dry_run:
        return result
    try:
        with session.begin_nested():
            _fold(session, result, actor, now)
            _drop_days(session, old, result.dropped_digests, alerts)
            for table in TABLES.values():
                session.execute(
                    update(table).where(table.brand == old).values(brand=new),
                    execution_options={"synchronize_session": False},
                )
    except IntegrityError:
        raise ConflictError(
            f"brand {new!r} got new rows while renaming (is a poll or worker with the old "
            f"config still running?); nothing was renamed: run `simak brands rename {old} "
            f"{new}` again"
        ) from None
    session.expire_all()
    record(
        session,
        actor=actor,
        action="rename_brand",
        entity="brand",
        entity_id=new,
        now=now,
        detail=_detail(result),
    )
    return result


def _colliding_conversations(session: Session, old: str, new: str) -> list[tuple[int, int]]:
    """(newer, older) open conversations of one person, one under each name; row-locked."""
    rows = session.execute(
        select(FollowUp.id, FollowUp.person_id, FollowUp.brand)
        .where(
            FollowUp.brand.in_((old, new)),
            FollowUp.kind == "conversation",
            FollowUp.person_id.is_not(None),
            FollowUp.status.in_(JOINABLE),
        )
        .order_by(FollowUp.id)
        .with_for_update()
    ).all()
    of: dict[tuple[int, str], int] = {(r.person_id, r.brand): r.id for r in rows}
    pairs = []
    for (person, brand), fid in sorted(of.items()):
        other = of.get((person, new))
        if brand == old and other is not None:
            pairs.append((max(fid, other), min(fid, other)))
    return pairs


def _colliding(session: Session, table: Any, keys: tuple[Any, ...], old: str, new: str) -> set[Any]:
    """The key values (a day; a label and day) both names have a row for."""
    theirs = {tuple(r) for r in session.execute(select(*keys).where(table.brand == new))}
    ours = {tuple(r) for r in session.execute(select(*keys).where(table.brand == old))}
    both = ours & theirs
    return {k[0] for k in both} if len(keys) == 1 else both


def _fold(session: Session, result: BrandRename, actor: str, now: datetime) -> None:
    """The newer conversation's posts join the older one; the newer one is dismissed."""
    for gone, kept in result.folded:
        note = f"joined conversation {kept} (brand {result.old} renamed to {result.new})"
        fold_conversation(session, gone, kept, actor, now, note)
        newest = session.scalar(
            select(func.max(MentionRow.created_at))
            .join(ConversationPost, ConversationPost.mention_id == MentionRow.id)
            .where(ConversationPost.followup_id == kept)
        )
        if newest is not None:
            session.execute(
                update(FollowUp)
                .where(FollowUp.id == kept, FollowUp.last_post_at < newest)
                .values(last_post_at=newest)
                .execution_options(synchronize_session=False)
            )


def _drop_days(session: Session, old: str, digest_days: list[str], alerts: set[Any]) -> None:
    """The old name's digests and alerts of days the new name already has."""
    if digest_days:
        session.execute(delete(Digest).where(Digest.brand == old, Digest.day.in_(digest_days)))
    if alerts:
        session.execute(
            delete(Alert).where(
                Alert.brand == old, tuple_(Alert.label, Alert.day).in_(sorted(alerts))
            )
        )


def _detail(result: BrandRename) -> str:
    moved = ", ".join(f"{k} {v}" for k, v in result.counts.items())
    text = f"renamed brand {result.old!r} to {result.new!r}: {moved}"
    if result.folded:
        text += "; conversations joined: " + ", ".join(f"{g}->{k}" for g, k in result.folded)
    if result.dropped_digests:
        text += f"; digests of {', '.join(result.dropped_digests)} kept under the new name"
    if result.dropped_alerts:
        text += f"; alerts of {', '.join(result.dropped_alerts)} kept under the new name"
    return text
