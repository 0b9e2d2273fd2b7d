"""Group captured ideas on the owner's board, one serialised step per brand.

Grouping runs when classification has caught up (nothing left to classify), so the ideas
are grouped in one canonical order however many runs overlapped. Ideas waiting longer
than :data:`GROUP_ANYWAY` are grouped regardless, so a steady stream cannot starve them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from responder.ideas import IdeaGroup, assign_group
from simak.app import App
from storage.audit import record
from storage.idea_merges import IdeaMergeRecord, merge_groups, recent_merges, undo_merge
from storage.ideas import assign_group as store_group
from storage.ideas import lock_board, stored_ideas, ungrouped
from storage.mentions import count_pending

GROUP_ANYWAY = timedelta(minutes=30)


def _noise(app: App, brand_name: str) -> list[str]:
    # Brand words say nothing about *what* is asked; leave them out of similarity.
    brand = app.settings.brand(brand_name)
    return [
        brand.label,
        brand.name,
        *brand.terms,
        *brand.handles.values(),
        *app.settings.responder.ideas.ignore_terms,
    ]


def group_pending(app: App, *, force: bool = False) -> int:
    """Give every ungrouped idea its group; returns how many were grouped."""
    with app.db.read() as session:
        waiting = ungrouped(session)
        busy = count_pending(session) > 0
    overdue = [i for i in waiting if i.captured_at <= app.clock() - GROUP_ANYWAY]
    if not waiting or (busy and not force and not overdue):
        return 0
    done = 0
    for brand in sorted({i.brand for i in waiting}):
        done += _group_brand(app, brand)
    return done


def _group_brand(app: App, brand: str) -> int:
    threshold = app.settings.responder.ideas.similarity_threshold
    noise = _noise(app, brand)
    with app.db.session() as session:
        lock_board(session, brand)
        groups = _groups(stored_ideas(session, brand))
        todo = [i for i in ungrouped(session) if i.brand == brand]
        for idea in todo:
            key = assign_group(idea.text, list(groups.values()), threshold=threshold, ignore=noise)
            groups.setdefault(key, IdeaGroup(key, idea.text, idea.text, (idea.mention_id,)))
            store_group(session, idea.id, key)
    return len(todo)


def _groups(ideas: Iterable[object]) -> dict[str, IdeaGroup]:
    groups: dict[str, IdeaGroup] = {}
    for idea in ideas:
        key, text, mid = idea.group_key, idea.text, idea.mention_id  # type: ignore[attr-defined]
        if key not in groups:  # the first idea of a group represents it
            groups[key] = IdeaGroup(key, text, text, (mid,))
    return groups


def merge(app: App, kept_key: str, merged_key: str, actor: str) -> IdeaMergeRecord:
    """Fold one idea group into another, recorded (and audited) so it can be undone."""
    with app.db.session() as session:
        done = merge_groups(session, kept_key, merged_key, actor, app.clock())
        record(
            session,
            actor=actor,
            action="idea_merge",
            entity="idea_group",
            entity_id=kept_key,
            now=app.clock(),
            detail=f"merged {merged_key} ({done.ideas} ideas)",
        )
    return done


def undo(app: App, merge_id: int, actor: str) -> IdeaMergeRecord:
    """Undo one merge: the ideas it moved go back to their own group."""
    with app.db.session() as session:
        done = undo_merge(session, merge_id, actor, app.clock())
        record(
            session,
            actor=actor,
            action="idea_unmerge",
            entity="idea_group",
            entity_id=done.merged_key,
            now=app.clock(),
            detail=f"undo merge {merge_id}",
        )
    return done


def merges(app: App, limit: int = 10) -> list[IdeaMergeRecord]:
    """The latest merges, newest first (for the board's undo)."""
    with app.db.read() as session:
        return recent_merges(session, limit)
