"""Groups of the owner's ideas board: centroids for incremental grouping, owner actions.

A new idea meets its brand's live group centroids (one matrix, loaded once per grouping
run), never every stored idea. Merges are links (``merged_into_id``): the merged group
keeps its members, so unmerge restores both. The board as read (groups with their posts,
people counted once) is :mod:`storage.idea_board`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from common.errors import ConflictError, NotFound, UsageError
from common.text import fold
from storage.audit import AUTOMATIC, record
from storage.dialect import insert
from storage.ids import chunked
from storage.models import (
    IDEA_STATUSES,
    ClassificationRow,
    Idea,
    IdeaGroup,
    IdeaNotice,
    MentionRow,
)

Vectors = npt.NDArray[np.float32]
#: Every idea status, for use cases and edges (which may not import the ORM models).
STATUSES = IDEA_STATUSES
#: Statuses that close an idea: automatic grouping never adds a post to such a group (the
#: post would be marked done or declined without anyone telling its author); the owner
#: sees it as "maybe the same" and merges it (then `simak ideas notify`).
CLOSED_STATUSES = ("done", "declined", "duplicate")
#: How a group is titled from a post: ``title_of(text, brand)`` (the board's own titling,
#: given by the use case: brand words and request wrapping left out).
TitleOf = Callable[[str, str], str]


def to_bytes(vector: Vectors) -> bytes:
    """A centroid as stored."""
    return np.asarray(vector, np.float32).tobytes()


def from_bytes(raw: bytes) -> Vectors:
    """A stored centroid."""
    return np.frombuffer(raw, np.float32).copy()


def centroids(session: Session, brand: str, space: str) -> tuple[list[int], Vectors, list[int]]:
    """Ids, centroid sums and sizes of ``brand``'s live groups in ``space`` (ascending id),
    closed ones too: a new idea closest to one is never placed in another by default."""
    query = select(IdeaGroup.id, IdeaGroup.centroid, IdeaGroup.size).where(
        IdeaGroup.brand == brand, IdeaGroup.space == space, IdeaGroup.merged_into_id.is_(None)
    )
    rows = session.execute(query.order_by(IdeaGroup.id)).all()
    if not rows:
        return [], np.zeros((0, 0), np.float32), []
    sums = np.vstack([from_bytes(r.centroid) for r in rows])
    return [r.id for r in rows], sums, [int(r.size) for r in rows]


def new_group(
    session: Session, *, brand: str, title: str, space: str, vector: Vectors, now: datetime
) -> int:
    """Start a group (empty; :func:`join` adds its first idea)."""
    row = IdeaGroup(
        brand=brand,
        title=title,
        renamed=False,
        status="new",
        space=space,
        centroid=to_bytes(np.zeros_like(vector)),
        size=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    record(session, actor=AUTOMATIC, action="new_idea_group", entity="idea_group",
           entity_id=row.id, now=now, detail="started by automatic grouping")  # fmt: skip
    return row.id


def join(session: Session, idea_id: int, group_id: int, status: str) -> bool:
    """Put an ungrouped idea into a group (taking the group's status).

    The idea moves only while it has no group (a compare-and-set), so two grouping runs
    can never place one idea twice; returns whether this call placed it.
    """
    moved = session.execute(
        update(Idea)
        .where(Idea.id == idea_id, Idea.group_id.is_(None), Idea.group_key.is_(None))
        .values(group_id=group_id, group_key=f"g{group_id}", status=status)
    )
    return bool(getattr(moved, "rowcount", 0))


def grow(session: Session, changes: dict[int, tuple[Vectors, int]], now: datetime) -> None:
    """Store new centroid sums of the groups a run added to (id: (sum, ideas added)),
    each change in the audit log (counts only)."""
    for group_id, (centroid, added) in sorted(changes.items()):
        session.execute(
            update(IdeaGroup)
            .where(IdeaGroup.id == group_id)
            .values(centroid=to_bytes(centroid), size=IdeaGroup.size + added, updated_at=now)
        )
        detail = f"{added} new idea(s) grouped automatically"
        record(session, actor=AUTOMATIC, action="group_ideas", entity="idea_group",
               entity_id=group_id, now=now, detail=detail)  # fmt: skip


def statuses(session: Session, group_ids: list[int]) -> dict[int, str]:
    """Status of each group (asked in chunks: a regroup may touch the whole board)."""
    out: dict[int, str] = {}
    for chunk in chunked(group_ids):
        query = select(IdeaGroup.id, IdeaGroup.status).where(IdeaGroup.id.in_(chunk))
        out.update((r.id, r.status) for r in session.execute(query))
    return out


def _group(session: Session, group_id: int, lock: bool = False) -> IdeaGroup:
    """The group (``lock``: row-locked for this transaction, read again under the lock)."""
    row = session.get(IdeaGroup, group_id, with_for_update=lock, populate_existing=lock)
    if row is None:
        raise NotFound(f"idea group {group_id} does not exist; see `simak ideas`")
    return row


def root_in(parents: Mapping[int, int | None], group_id: int) -> int:
    """The live group ``group_id`` was (transitively) merged into, given every group's
    ``merged_into_id`` (a cycle stops where it would repeat)."""
    seen = {group_id}
    while (up := parents.get(group_id)) is not None and up not in seen:
        seen.add(up)
        group_id = up
    return group_id


def parents(session: Session, brand: str | None = None) -> dict[int, int | None]:
    """Every group's ``merged_into_id`` (of ``brand``, or all), for :func:`root_in`."""
    stmt = select(IdeaGroup.id, IdeaGroup.merged_into_id)
    if brand is not None:
        stmt = stmt.where(IdeaGroup.brand == brand)
    return {gid: up for gid, up in session.execute(stmt).all()}  # noqa: C416 - Row, not tuple


def root_of(session: Session, group_id: int) -> int:
    """The live group ``group_id`` was (transitively) merged into, or itself."""
    seen = {group_id}
    row = _group(session, group_id)
    while row.merged_into_id is not None and row.merged_into_id not in seen:
        seen.add(row.merged_into_id)
        row = _group(session, row.merged_into_id)
    return row.id


def merge(session: Session, kept: int, gone: int, actor: str, now: datetime) -> None:
    """Link group ``gone`` into ``kept`` (both live); undone by :func:`unmerge`."""
    if kept == gone:
        raise UsageError(f"idea group {kept} cannot be merged into itself")
    # both row-locked in id order and read under the locks: two merges sharing a group
    # (B into A and A into B at once) run one after the other, never into a loop
    locked = {gid: _group(session, gid, lock=True) for gid in sorted((kept, gone))}
    a, b = locked[kept], locked[gone]
    if a.brand != b.brand:
        raise UsageError(f"groups {kept} and {gone} belong to different brands; merge within one")
    done = session.execute(
        update(IdeaGroup)
        .where(IdeaGroup.id == gone, IdeaGroup.merged_into_id.is_(None))
        .values(merged_into_id=kept, updated_at=now)
    )
    if not getattr(done, "rowcount", 0) or a.merged_into_id is not None:
        raise ConflictError(
            f"idea group {gone if not getattr(done, 'rowcount', 0) else kept} is merged "
            "already; unmerge it first or merge into the group it joined"
        )
    record(session, actor=actor, action="merge_ideas", entity="idea_group", entity_id=kept,
           now=now, detail=f"merged group {gone} into {kept}")  # fmt: skip


def unmerge(session: Session, gone: int, actor: str, now: datetime) -> int:
    """Undo the merge of ``gone``: both groups stand alone again; returns the former target."""
    row = _group(session, gone)
    target = row.merged_into_id
    done = session.execute(
        update(IdeaGroup)
        .where(IdeaGroup.id == gone, IdeaGroup.merged_into_id.is_not(None))
        .values(merged_into_id=None, updated_at=now)
    )
    if target is None or not getattr(done, "rowcount", 0):
        raise ConflictError(f"idea group {gone} is not merged into another; nothing to undo")
    record(session, actor=actor, action="unmerge_ideas", entity="idea_group", entity_id=gone,
           now=now, detail=f"group {gone} split off {target} again")  # fmt: skip
    return target


def rename(session: Session, group_id: int, title: str, actor: str, now: datetime) -> None:
    """The owner's title for a group (kept when new ideas join)."""
    title = " ".join(title.split())  # one line: a title is shown in tables and CSV cells
    if not fold(title).strip():  # only zero-width characters: as empty on the board
        raise UsageError("a group title cannot be empty; give a few words")
    _group(session, group_id)
    session.execute(
        update(IdeaGroup)
        .where(IdeaGroup.id == group_id)
        .values(title=title, renamed=True, updated_at=now)
    )
    record(session, actor=actor, action="rename_idea_group", entity="idea_group",
           entity_id=group_id, now=now, detail=title[:200])  # fmt: skip


def check_status(status: str) -> None:
    """UsageError naming the valid statuses unless ``status`` is one."""
    if status not in IDEA_STATUSES:
        raise UsageError(f"unknown idea status {status!r}; use one of {', '.join(IDEA_STATUSES)}")


def set_status(
    session: Session, group_id: int, status: str, note: str | None, actor: str, now: datetime
) -> str:
    """Set a group's status (and its merged groups' ideas'); returns the previous one.
    ``note`` None keeps the group's note, an empty one clears it."""
    check_status(status)
    row = _group(session, group_id, lock=True)  # two changes at once: the trail says both
    before = row.status
    notes = {} if note is None else {"note": note.strip() or None}
    session.execute(
        update(IdeaGroup)
        .where(IdeaGroup.id == group_id)
        .values(status=status, updated_at=now, **notes)
    )
    members = _family(session, group_id)
    session.execute(update(Idea).where(Idea.group_id.in_(members)).values(status=status))
    record(session, actor=actor, action="idea_status", entity="idea_group", entity_id=group_id,
           now=now, detail=f"{before} -> {status}")  # fmt: skip
    return before


def _family(session: Session, root: int) -> list[int]:
    """``root`` and every group merged into it, at any depth."""
    family, frontier = [root], [root]
    while frontier:
        children = list(
            session.scalars(select(IdeaGroup.id).where(IdeaGroup.merged_into_id.in_(frontier)))
        )
        frontier = [c for c in children if c not in family]
        family.extend(frontier)
    return family


def split(
    session: Session, group_id: int, idea_ids: list[int], title: str, actor: str, now: datetime
) -> tuple[int, set[int]]:
    """Move ideas of a group (or its merged groups) into a new group; returns its id and
    the groups the ideas left.

    Centroids of all of them are recomputed by the caller (:func:`set_centroid`).
    """
    root = _group(session, group_id)
    family = _family(session, group_id)
    rows = session.execute(
        select(Idea.id, Idea.group_id).where(Idea.id.in_(idea_ids), Idea.group_id.in_(family))
    ).all()
    found = {r.id for r in rows}
    if not idea_ids or found != set(idea_ids):
        raise UsageError(
            f"ideas {sorted(set(idea_ids) - found)} are not in group {group_id}; "
            "see `simak ideas show ID`"
        )
    left = session.scalar(select(func.count()).select_from(Idea).where(Idea.group_id.in_(family)))
    if left == len(found):
        raise UsageError(
            f"that would move every post of idea {group_id}; leave at least one, or "
            f"rename it instead (`simak ideas rename {group_id} TITLE`)"
        )
    new = IdeaGroup(brand=root.brand, title=title, renamed=bool(title), status=root.status,
                    note=root.note, space=root.space, centroid=root.centroid, size=0,
                    created_at=now, updated_at=now)  # fmt: skip
    session.add(new)
    session.flush()
    session.execute(
        update(Idea).where(Idea.id.in_(idea_ids)).values(group_id=new.id, group_key=f"g{new.id}")
    )
    detail = f"ideas {', '.join(map(str, sorted(found)))} to group {new.id}"
    record(session, actor=actor, action="split_idea_group", entity="idea_group",
           entity_id=group_id, now=now, detail=detail)  # fmt: skip
    record(session, actor=actor, action="split_idea_group", entity="idea_group",
           entity_id=new.id, now=now, detail=f"{len(idea_ids)} ideas from {group_id}")  # fmt: skip
    return new.id, {int(r.group_id) for r in rows}


def told(session: Session, idea_ids: list[int], kind: str) -> set[int]:
    """Which of the posts ``idea_ids`` a notice of ``kind`` (done, declined) told about."""
    out: set[int] = set()
    for chunk in chunked(idea_ids):
        out.update(
            session.scalars(
                select(IdeaNotice.idea_id).where(
                    IdeaNotice.idea_id.in_(chunk), IdeaNotice.kind == kind
                )
            )
        )
    return out


def mark_told(session: Session, idea_ids: list[int], kind: str, followup_id: int) -> bool:
    """Record that notice ``followup_id`` tells about the posts ``idea_ids``; False (and
    nothing recorded by this call counts: the caller rolls back) when another notice of
    ``kind`` told about one of them already, committed or racing this one (the key)."""
    rows = [{"idea_id": i, "kind": kind, "followup_id": followup_id} for i in set(idea_ids)]
    added = session.scalars(
        insert(session, IdeaNotice)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["idea_id", "kind"])
        .returning(IdeaNotice.idea_id)
    ).all()
    return len(added) == len(rows)


def member_texts(session: Session, group_id: int) -> list[str]:
    """Texts of a group's own ideas (for recomputing its centroid)."""
    return list(
        session.scalars(
            select(MentionRow.text)
            .join(Idea, Idea.mention_id == MentionRow.id)
            .where(Idea.group_id == group_id)
            .order_by(Idea.id)
        )
    )


def set_centroid(
    session: Session, group_id: int, centroid: Vectors, size: int, space: str | None = None
) -> None:
    """Store a recomputed centroid sum (and, when given, the space it was computed in)."""
    values: dict[str, object] = {"centroid": to_bytes(centroid), "size": size}
    if space is not None:
        values["space"] = space
    session.execute(update(IdeaGroup).where(IdeaGroup.id == group_id).values(**values))


def centroid_of(session: Session, group_id: int) -> tuple[str, str, Vectors]:
    """Brand, space and centroid sum of one group."""
    row = _group(session, group_id)
    return row.brand, row.space, from_bytes(row.centroid)


def titles(session: Session, group_ids: list[int]) -> dict[int, str]:
    """Title of each group."""
    rows = session.execute(
        select(IdeaGroup.id, IdeaGroup.title).where(IdeaGroup.id.in_(group_ids))
    ).all()
    return {r.id: r.title for r in rows}


def brands(session: Session) -> list[str]:
    """Brands that have idea groups."""
    return list(session.scalars(select(IdeaGroup.brand).distinct().order_by(IdeaGroup.brand)))


def other_space(session: Session, brand: str, space: str) -> list[int]:
    """Ids of ``brand``'s groups (merged ones too) whose centroid is in another space."""
    return list(
        session.scalars(
            select(IdeaGroup.id)
            .where(IdeaGroup.brand == brand, IdeaGroup.space != space)
            .order_by(IdeaGroup.id)
        )
    )


def set_title(session: Session, group_id: int, title: str) -> None:
    """An automatic title (not the owner's: new ideas or a regroup may still change it)."""
    session.execute(update(IdeaGroup).where(IdeaGroup.id == group_id).values(title=title))


def retitle(
    session: Session, group_ids: Iterable[int | None], removed: str, title_of: TitleOf
) -> None:
    """A group's automatic title comes from one of its current posts. After posts left
    (erased, split off, corrected away from "idea"), a title none of the posts left gives
    (through ``title_of(text, brand)``, the board's own titling) is made again from the
    earliest of them, else it is ``removed``; a title the owner chose stays."""
    for group_id in sorted({g for g in group_ids if g is not None}):
        group = session.get(IdeaGroup, group_id)
        if group is None or group.renamed:
            continue
        texts = session.scalars(
            select(MentionRow.text)
            .join(Idea, Idea.mention_id == MentionRow.id)
            .where(Idea.group_id == group_id, MentionRow.text != "")
            .order_by(MentionRow.created_at, Idea.id)
        ).all()
        titles = [t for t in (title_of(text, group.brand) for text in texts) if t]
        if group.title not in titles:
            group.title = titles[0] if titles else removed


def drop_idea(session: Session, mention_id: int, actor: str, now: datetime) -> int | None:
    """A post is no longer an idea (a staff correction): it leaves the board; returns the
    group it left (its centroid is recomputed by the caller), None when it was not there.

    Decided under the mention's row lock, which every correction takes first: when a later
    correction made the post an idea again, it stays (None)."""
    session.get(MentionRow, mention_id, with_for_update=True, populate_existing=True)
    labels = session.scalar(
        select(ClassificationRow.labels).where(
            ClassificationRow.mention_id == mention_id, ClassificationRow.is_current.is_(True)
        )
    )
    if labels is not None and "idea" in labels:
        return None
    row = session.execute(
        select(Idea.id, Idea.group_id).where(Idea.mention_id == mention_id)
    ).one_or_none()
    if row is None:
        return None
    session.execute(delete(Idea).where(Idea.id == row.id))
    detail = f"mention {mention_id} is not an idea"
    record(session, actor=actor, action="drop_idea", entity="idea_group",
           entity_id=row.group_id, now=now, detail=detail)  # fmt: skip
    return None if row.group_id is None else int(row.group_id)


def brand_of(session: Session, group_id: int | None) -> str | None:
    """The brand of a group (None for no group)."""
    if group_id is None:
        return None
    return session.scalar(select(IdeaGroup.brand).where(IdeaGroup.id == group_id))
