"""Captured product ideas and the groups of the owner's ideas board.

Routing only *captures* an idea (ungrouped). Grouping is a separate, serialised step that
takes the ungrouped ideas in a canonical order (when posted, then platform and id), so
overlapping runs build the same board one clean run would.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, distinct, func, select, true, update
from sqlalchemy.orm import Session

from common.errors import UsageError
from storage.dialect import advisory_lock, insert
from storage.models import IDEA_STATUSES, Idea, MentionRow, Person


@dataclass(frozen=True, slots=True)
class IdeaMember:
    """One person's voice inside an idea group."""

    mention_id: int
    person_id: int | None
    author: str
    platform: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class IdeaBoardRow:
    """One group of similar ideas: what, how many asked, who, and its status."""

    group_key: str
    brand: str
    title: str
    status: str
    count: int
    people: int
    first_seen: datetime
    last_seen: datetime
    members: list[IdeaMember] = field(default_factory=list)


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


def assign_group(session: Session, idea_id: int, group_key: str) -> None:
    """Put an ungrouped idea into ``group_key`` (taking the group's status)."""
    status = session.scalar(select(Idea.status).where(Idea.group_key == group_key).limit(1))
    session.execute(
        update(Idea)
        .where(Idea.id == idea_id, Idea.group_key.is_(None))
        .values(group_key=group_key, status=status or "new")
    )


def set_group_status(session: Session, group_key: str, status: str) -> int:
    """Set the status of every idea in a group; return how many changed."""
    if status not in IDEA_STATUSES:
        raise UsageError(f"unknown idea status {status!r}; use one of {', '.join(IDEA_STATUSES)}")
    result = session.execute(update(Idea).where(Idea.group_key == group_key).values(status=status))
    return int(getattr(result, "rowcount", 0) or 0)


def _top_groups(session: Session, limit: int) -> list[str]:
    """The ``limit`` most-asked group keys, ranked in SQL as :func:`idea_board` ranks them."""
    # an idea with no known person counts as one person of its own (as _board_row does)
    people = func.count(distinct(Idea.person_id)) + func.sum(
        case((Idea.person_id.is_(None), 1), else_=0)
    )
    asks = func.count()
    first = func.min(MentionRow.created_at)
    ranked = (
        select(Idea.group_key)
        .join(MentionRow, MentionRow.id == Idea.mention_id)
        .where(Idea.group_key.is_not(None))
        .group_by(Idea.group_key)
        .order_by(people.desc(), asks.desc(), first, Idea.group_key)
        .limit(limit)
    )
    return [str(k) for k in session.scalars(ranked)]


def idea_board(session: Session, limit: int | None = None) -> list[IdeaBoardRow]:
    """Idea groups, most-asked first; with ``limit``, only the first ``limit`` groups (the
    ranking is done by the database, and only their ideas are read)."""
    only = Idea.group_key.in_(_top_groups(session, limit)) if limit is not None else true()
    rows = session.execute(
        select(
            Idea.group_key,
            Idea.brand,
            Idea.title,
            Idea.status,
            Idea.person_id,
            MentionRow.id,
            MentionRow.platform,
            MentionRow.text,
            MentionRow.created_at,
            func.coalesce(Person.display_name, MentionRow.author_name, MentionRow.author_handle),
        )
        .join(MentionRow, MentionRow.id == Idea.mention_id)
        .outerjoin(Person, Person.id == Idea.person_id)
        .where(Idea.group_key.is_not(None), only)
        .order_by(MentionRow.created_at, MentionRow.platform, MentionRow.external_id)
    ).all()
    groups: dict[str, list[tuple[_Head, IdeaMember]]] = defaultdict(list)
    for key, brand, title, status, person_id, mid, platform, text, created, name in rows:
        member = IdeaMember(mid, person_id, name or "?", platform, text, created)
        groups[str(key)].append((_Head(brand, title, status), member))
    board = [_board_row(key, items) for key, items in groups.items()]
    return sorted(board, key=lambda r: (-r.people, -r.count, r.first_seen, r.group_key))


@dataclass(frozen=True, slots=True)
class _Head:
    brand: str
    title: str
    status: str


def _board_row(key: str, items: list[tuple[_Head, IdeaMember]]) -> IdeaBoardRow:
    first = items[0][0]
    members = [m for _, m in items]
    people = {m.person_id if m.person_id is not None else f"m{m.mention_id}" for m in members}
    return IdeaBoardRow(
        group_key=key,
        brand=first.brand,
        title=first.title,
        status=first.status,
        count=len(items),
        people=len(people),
        first_seen=min(m.created_at for m in members),
        last_seen=max(m.created_at for m in members),
        members=members,
    )
