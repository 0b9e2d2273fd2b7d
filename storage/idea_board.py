"""The owner's ideas board as read: each live group with its (merged groups') posts,
and people counted once each, following person merges (Bayu on X and in a review is one
person). Groups themselves, centroids and owner actions live in :mod:`storage.idea_groups`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, case, cast, distinct, func, literal, select
from sqlalchemy.orm import Session

from storage.models import Idea, IdeaGroup, MentionRow, Person


@dataclass(frozen=True, slots=True)
class GroupMember:
    """One post inside a group, with the person it counts for."""

    idea_id: int
    mention_id: int | None
    group_id: int
    person_id: int | None  # after following person merges
    author: str
    platform: str
    text: str
    lang: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class GroupView:
    """A live group (merged groups folded in): what, status, how many people asked."""

    id: int
    brand: str
    title: str
    status: str
    note: str | None
    posts: int
    people: int
    first_seen: datetime | None
    last_seen: datetime | None
    merged: tuple[int, ...] = ()
    members: list[GroupMember] = field(default_factory=list)


def _person_roots(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(Person.id, Person.merged_into_id).where(Person.merged_into_id.is_not(None))
    ).all()
    parent = {r.id: int(r.merged_into_id) for r in rows}

    def root(pid: int) -> int:
        seen = set()
        while pid in parent and pid not in seen:
            seen.add(pid)
            pid = parent[pid]
        return pid

    return {pid: root(pid) for pid in parent}


def board(
    session: Session,
    brand: str | None = None,
    group_id: int | None = None,
    limit: int | None = None,
) -> list[GroupView]:
    """Live groups with their (merged groups') members; people counted once each. With
    ``limit``: only the first ``limit`` by :func:`rank`, and only their posts' texts read."""
    query = select(IdeaGroup)
    if brand is not None:
        query = query.where(IdeaGroup.brand == brand)
    groups = {g.id: g for g in session.scalars(query.order_by(IdeaGroup.id))}
    parent = {g.id: g.merged_into_id for g in groups.values()}

    def root(gid: int) -> int:
        seen = {gid}
        while parent.get(gid) is not None and parent[gid] not in seen:
            gid = int(parent[gid])  # type: ignore[arg-type]
            seen.add(gid)
        return gid

    wanted = set(groups) if group_id is None else {g for g in groups if root(g) == group_id}
    people = _person_roots(session)
    if limit is not None:  # a page: pick likely candidates cheaply, then rank them exactly
        shown = set(_candidates(session, wanted, root, limit + 20))
        wanted = {g for g in wanted if root(g) in shown}
    views = _views(groups, wanted, root, _members(session, sorted(wanted), people))
    return views if limit is None else sorted(views, key=rank)[:limit]


def _candidates(
    session: Session,
    wanted: set[int],
    root: Callable[[int], int],
    n: int,
) -> list[int]:
    """The ``n`` root groups most likely first on the board, counted by the database
    (askers by person, else by author name; recency by idea id; person merges ignored, so
    a count can only be too high — :func:`board` then ranks the candidates exactly)."""
    asker = case(
        (Idea.person_id.is_not(None), cast(Idea.person_id, String)),
        else_=literal("~") + func.coalesce(MentionRow.author_name, ""),
    )
    rows = session.execute(
        select(Idea.group_id, func.count(distinct(asker)), func.max(Idea.id))
        .outerjoin(MentionRow, MentionRow.id == Idea.mention_id)
        .where(Idea.group_id.in_(sorted(wanted)))
        .group_by(Idea.group_id)
    ).all()
    askers: dict[int, int] = defaultdict(int)
    newest: dict[int, int] = defaultdict(int)
    for gid, count, last in rows:
        r = root(gid or 0)
        askers[r] += int(count)
        newest[r] = max(newest[r], int(last or 0))
    roots = sorted({root(g) for g in wanted})
    return sorted(roots, key=lambda r: (-askers[r], -newest[r], r))[:n]


def rank(group: GroupView) -> tuple[int, float, int]:
    """Board order: most people first, then the most recently asked, then the oldest id."""
    return (-group.people, -(group.last_seen.timestamp() if group.last_seen else 0), group.id)


def _views(
    groups: dict[int, IdeaGroup],
    wanted: set[int],
    root: Callable[[int], int],
    members: list[GroupMember],
) -> list[GroupView]:
    by_root: dict[int, list[GroupMember]] = defaultdict(list)
    for m in members:
        by_root[root(m.group_id)].append(m)
    roots = sorted({root(g) for g in wanted})
    merged = defaultdict(list)
    for g in wanted:
        if root(g) != g:
            merged[root(g)].append(g)
    return [_view(groups[r], by_root[r], tuple(sorted(merged[r]))) for r in roots if r in groups]


def _members(session: Session, group_ids: list[int], roots: dict[int, int]) -> list[GroupMember]:
    """Every idea of ``group_ids`` as plain columns (no ORM objects, no raw payloads: the
    board reads thousands of them)."""
    if not group_ids:
        return []
    rows = session.execute(
        select(
            Idea.id, Idea.mention_id, Idea.group_id, Idea.person_id, Idea.created_at,
            MentionRow.author_name, MentionRow.author_handle, MentionRow.platform,
            MentionRow.text, MentionRow.lang, MentionRow.created_at.label("posted"),
            Person.display_name,
        )
        .outerjoin(MentionRow, MentionRow.id == Idea.mention_id)
        .outerjoin(Person, Person.id == Idea.person_id)
        .where(Idea.group_id.in_(group_ids))
        .order_by(Idea.created_at, Idea.id)
    ).all()  # fmt: skip
    out = []
    for r in rows:
        pid = None if r.person_id is None else roots.get(r.person_id, r.person_id)
        out.append(
            GroupMember(
                r.id, r.mention_id, int(r.group_id or 0), pid,
                r.display_name or r.author_name or r.author_handle or "?",
                r.platform or "", r.text or "", r.lang, r.posted or r.created_at,
            )
        )  # fmt: skip
    return out


def distinct_people(members: list[GroupMember]) -> set[object]:
    """Who asked, once each: a known person by id (after merges); a post with no person
    (a blog's author) by its author's name, and as the known person of that same name
    when the group has one (Bayu's tweet and Bayu's blog post are one voice)."""
    known = {m.author.casefold(): m.person_id for m in members if m.person_id is not None}
    out: set[object] = set()
    for m in members:
        if m.person_id is not None:
            out.add(m.person_id)
        elif m.author and m.author != "?":
            out.add(known.get(m.author.casefold(), m.author.casefold()))
        else:
            out.add(f"post-{m.idea_id}")
    return out


def _view(group: IdeaGroup, members: list[GroupMember], merged: tuple[int, ...]) -> GroupView:
    people = len(distinct_people(members))
    seen = [m.created_at for m in members]
    return GroupView(
        id=group.id, brand=group.brand, title=group.title, status=group.status,
        note=group.note, posts=len(members), people=people,
        first_seen=min(seen) if seen else None, last_seen=max(seen) if seen else None,
        merged=merged, members=members,
    )  # fmt: skip
