"""The owner's ideas board as read: each live group with its (merged groups') posts,
and people counted once each, following person merges (Bayu on X and in a review is one
person), in the board's order (:class:`BoardOrder`: people × recency, regulars weighted).
Groups themselves, centroids and owner actions live in :mod:`storage.idea_groups`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, case, cast, distinct, func, literal, select
from sqlalchemy.orm import Session

from storage.care import regulars as regulars_among
from storage.ids import chunked
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
    #: Of ``people``, how many are regulars (praised the business lately; see BoardOrder).
    regulars: int = 0
    #: The board's order: people (regulars weighted) × recency; higher first.
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class BoardOrder:
    """How the board is ordered: unique people, a regular counting ``regular_weight``
    people, times ``0.5 ** (days since the last ask / half_life_days)``; ties go to more
    people, then the most recent ask, then the oldest group. A regular is a person with at
    least ``min_praise`` praising posts in the ``window_days`` before ``now`` (as the
    reminders count them)."""

    now: datetime
    half_life_days: float = 30.0
    regular_weight: float = 2.0
    window_days: int = 90
    min_praise: int = 3

    def decay(self, last_seen: datetime | None) -> float:
        """The recency factor: 1.0 for an ask just now, 0.5 one half-life ago."""
        if last_seen is None:
            return 0.0
        age = max((self.now - last_seen).total_seconds(), 0.0) / 86_400
        return float(0.5 ** (age / self.half_life_days))

    def score(self, people: int, regulars: int, last_seen: datetime | None) -> float:
        """A group's place on the board (higher first)."""
        weighted = people - regulars + self.regular_weight * regulars
        return weighted * self.decay(last_seen)

    def bound(self, askers: int, last_seen: datetime | None) -> float:
        """The highest :meth:`score` a group with at most ``askers`` people can have."""
        return max(self.regular_weight, 1.0) * askers * self.decay(last_seen)


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
    order: BoardOrder | None = None,
) -> list[GroupView]:
    """Live groups with their (merged groups') members; people counted once each. With
    ``order``: regulars counted, scored and sorted; with ``limit`` too, only the first
    ``limit`` (and only their posts' texts read). A listing leaves out groups with no posts
    left (split, corrected or erased away); ``group_id`` shows one whatever it holds."""
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

    def load(keep: set[int]) -> list[GroupView]:
        chosen = {g for g in wanted if root(g) in keep}
        found = _views(groups, chosen, root, _members(session, chosen, people))
        found = found if group_id is not None else [v for v in found if v.posts]
        return found if order is None else _scored(session, found, order)

    if order is None or limit is None:
        views = load({root(g) for g in wanted})
        return views if order is None else sorted(views, key=rank)
    return _page(session, wanted, root, order, limit, load)


def _page(
    session: Session,
    wanted: set[int],
    root: Callable[[int], int],
    order: BoardOrder,
    limit: int,
    load: Callable[[set[int]], list[GroupView]],
) -> list[GroupView]:
    """The first ``limit`` groups without reading every post: the likeliest candidates by
    the database's counts are ranked exactly, then any group whose best possible score
    (:meth:`BoardOrder.bound`) could still beat the last of them."""
    bounds = _bounds(session, wanted, root, order)
    likely = sorted(bounds, key=lambda r: (-bounds[r], r))
    views = load(set(likely[: limit + 20]))
    views.sort(key=rank)
    floor = views[limit - 1].score if len(views) >= limit else -1.0
    rest = {r for r in likely[limit + 20 :] if bounds[r] >= floor}
    if rest:
        views = sorted([*views, *load(rest)], key=rank)
    return views[:limit]


def _bounds(
    session: Session, wanted: set[int], root: Callable[[int], int], order: BoardOrder
) -> dict[int, float]:
    """Each root group's highest possible score, counted by the database: askers by person,
    else by author name, else by post (person merges and name matches ignored, so a count
    can only be too high), and the latest ask."""
    author = func.nullif(func.coalesce(MentionRow.author_name, MentionRow.author_handle), "")
    asker = case(
        (Idea.person_id.is_not(None), cast(Idea.person_id, String)),
        (author.is_not(None), literal("~") + author),
        else_=literal("#") + cast(Idea.id, String),
    )
    rows = [
        row
        for chunk in chunked(wanted)
        for row in session.execute(
            select(
                Idea.group_id,
                func.count(distinct(asker)),
                func.max(func.coalesce(MentionRow.created_at, Idea.created_at)),
            )
            .outerjoin(MentionRow, MentionRow.id == Idea.mention_id)
            .where(Idea.group_id.in_(chunk))
            .group_by(Idea.group_id)
        ).all()
    ]
    askers: dict[int, int] = defaultdict(int)
    latest: dict[int, list[datetime]] = {root(g): [] for g in wanted}
    for gid, count, last in rows:
        r = root(gid or 0)
        askers[r] += int(count)
        latest[r].extend([_aware(last)] if last is not None else [])
    return {r: order.bound(askers[r], max(last, default=None)) for r, last in latest.items()}


def _aware(moment: datetime) -> datetime:
    """SQLite's aggregate hands back a naive UTC datetime."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _scored(session: Session, views: list[GroupView], order: BoardOrder) -> list[GroupView]:
    """``views`` with their regulars counted and scored."""
    everyone = {m.person_id for v in views for m in v.members if m.person_id is not None}
    since = order.now - timedelta(days=order.window_days)
    regular = regulars_among(session, everyone, since, order.min_praise)
    out = []
    for view in views:
        count = len({m.person_id for m in view.members if m.person_id in regular})
        score = order.score(view.people, count, view.last_seen)
        out.append(replace(view, regulars=count, score=score))
    return out


def rank(group: GroupView) -> tuple[float, int, float, int]:
    """Board order: highest score, then most people, then the latest ask, then oldest id."""
    last = group.last_seen.timestamp() if group.last_seen else 0.0
    return (-group.score, -group.people, -last, group.id)


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


def _members(session: Session, group_ids: set[int], roots: dict[int, int]) -> list[GroupMember]:
    """Every idea of ``group_ids`` as plain columns (no ORM objects, no raw payloads: the
    board reads thousands of them)."""
    columns = (
        Idea.id, Idea.mention_id, Idea.group_id, Idea.person_id, Idea.created_at,
        MentionRow.author_name, MentionRow.author_handle, MentionRow.platform,
        MentionRow.text, MentionRow.lang, MentionRow.created_at.label("posted"),
        Person.display_name,
    )  # fmt: skip
    rows = [
        row
        for chunk in chunked(group_ids)
        for row in session.execute(
            select(*columns)
            .outerjoin(MentionRow, MentionRow.id == Idea.mention_id)
            .outerjoin(Person, Person.id == Idea.person_id)
            .where(Idea.group_id.in_(chunk))
        ).all()
    ]
    rows.sort(key=lambda r: (_aware(r.created_at), r.id))
    out = []
    for r in rows:
        pid = None if r.person_id is None else roots.get(r.person_id, r.person_id)
        out.append(
            GroupMember(
                r.id, r.mention_id, int(r.group_id or 0), pid,
                _author(r),
                r.platform or "", r.text or "", r.lang, r.posted or r.created_at,
            )
        )  # fmt: skip
    return out


def _author(row: Any) -> str:
    """Who wrote a member's post; "?" once retention removed it (the idea still counts for
    its person, but the board no longer names them for it)."""
    if row.mention_id is None:
        return "?"
    return str(row.display_name or row.author_name or row.author_handle or "?")


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
