"""Group captured ideas on the owner's board, one serialised step per brand.

Grouping runs when classification has caught up (nothing left to classify), so the ideas
are grouped in one canonical order however many runs overlapped. Ideas waiting longer
than :data:`GROUP_ANYWAY` are grouped regardless, so a steady stream cannot starve them.

The new ideas are first clustered among themselves (up to 256 at a time), then each cluster
meets the brand's group centroids (one matrix loaded per run): it joins the nearest group
at or above the similarity threshold, else founds a group titled by its most central post
(:func:`responder.idea_vectors.place`). Cost per idea is bounded by the batch and one
matrix-vector product over the groups, never a pass over stored ideas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from sqlalchemy.orm import Session

from responder.idea_text import ignore_set
from responder.idea_title import idea_title
from responder.idea_vectors import CentroidIndex, IdeaVectorizer, for_model, place
from simak.app import App
from storage import idea_groups
from storage.ideas import lock_board, ungrouped
from storage.mentions import count_pending

GROUP_ANYWAY = timedelta(minutes=30)
TITLE_CHARS = 80
REMOVED = "(removed)"  # a group's title when no post of it is left to give one
#: "Maybe the same as …": groups whose centroids sit this far below the joining threshold.
SUGGEST_MARGIN = 0.12


def noise(app: App, brand_name: str) -> list[str]:
    """Words that say nothing about *what* is asked (brand names, handles)."""
    brand = app.settings.brand(brand_name)
    return [
        brand.label,
        brand.name,
        *brand.terms,
        *brand.handles.values(),
        *app.settings.responder.ideas.ignore_terms,
    ]


def vectorizer(app: App, brand: str) -> IdeaVectorizer:
    """The vector space ``brand``'s board groups in: lexical, plus meaning when the
    embedded classifier is loaded and its model folder (or the default model's, for a head
    on the untuned encoder) ships an idea head (``idea_head.npz``). The brand's names and
    handles are left out of both parts: they are in most posts, whatever the idea."""
    inner = getattr(app.classifier, "inner", app.classifier)
    terms = noise(app, brand)
    return for_model(
        ignore_set(terms),
        getattr(inner, "embed", None),
        getattr(inner, "model_dir", None),
        getattr(inner, "default_model_dir", None),
        terms=terms,
    )


def threshold_for(app: App, space: IdeaVectorizer) -> float:
    """The joining cosine: the configured one, else the one measured for the space."""
    configured = app.settings.responder.ideas.similarity_threshold
    return space.threshold if configured is None else configured


def title_of(text: str, ignore: list[str]) -> str:
    """A board title from a post: what it proposes, without handles, links and brand
    words (:func:`responder.idea_title.idea_title`)."""
    return idea_title(text, ignore, TITLE_CHARS)


def titler(app: App) -> idea_groups.TitleOf:
    """The board's own titling, for groups whose posts changed (:func:`title_of`)."""
    return lambda text, brand: title_of(text, noise(app, brand))


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


def respace_all(app: App) -> int:
    """Bring every brand's group centroids into the current vector space (see
    :func:`respace`); returns how many groups were recomputed."""
    with app.db.read() as session:
        brands = idea_groups.brands(session)
    done = 0
    for brand in brands:
        space = vectorizer(app, brand)
        with app.db.session() as session:
            lock_board(session, brand)
            done += respace(session, space, brand)
    return done


def _group_brand(app: App, brand: str) -> int:
    space = vectorizer(app, brand)
    threshold = threshold_for(app, space)
    ignore = noise(app, brand)
    now = app.clock()
    with app.db.session() as session:
        lock_board(session, brand)
        todo = [i for i in ungrouped(session) if i.brand == brand]
        if not todo:
            return 0
        respace(session, space, brand)
        vectors = space.vectors([i.text for i in todo])
        ids, sums, sizes = idea_groups.centroids(session, brand, space.space)
        index = CentroidIndex(ids, sums, vectors.shape[1], sizes)
        status = idea_groups.statuses(session, ids)
        closed = {gid for gid, s in status.items() if s in idea_groups.CLOSED_STATUSES}

        def found(row: int) -> int:
            gid = idea_groups.new_group(
                session, brand=brand, title=title_of(todo[row].text, ignore),
                space=space.space, vector=vectors[row], now=now,
            )  # fmt: skip
            status[gid] = "new"
            return gid

        def join(row: int, gid: int) -> bool:
            return idea_groups.join(session, todo[row].id, gid, status[gid])

        changes = place(index, vectors, threshold, found, join, closed)  # never joined
        idea_groups.grow(session, changes, now)
    return sum(added for _, added in changes.values())


def recompute(app: App, session: Session, brand: str, group_id: int) -> None:
    """Rebuild a group's centroid from its own posts (after a split or a removal)."""
    rebuild(session, vectorizer(app, brand), group_id)


def rebuild(session: Session, space: IdeaVectorizer, group_id: int) -> None:
    texts = idea_groups.member_texts(session, group_id)
    total = space.vectors(texts or [""]).sum(axis=0)  # no posts left: a zero centroid
    idea_groups.set_centroid(session, group_id, total, len(texts), space.space)


def respace(session: Session, space: IdeaVectorizer, brand: str) -> int:
    """Recompute, from their posts, the centroids of ``brand``'s groups stored in another
    vector space (the recipe changed: a new head, or the classifier backend changed), so
    new ideas still meet every group; returns how many were recomputed. Runs under the
    board lock; once per change, since each rebuilt group is then in ``space``."""
    stale = idea_groups.other_space(session, brand, space.space)
    for group_id in stale:
        rebuild(session, space, group_id)
    return len(stale)


def drop_from_board(app: App, mention_id: int, actor: str) -> int | None:
    """A post corrected away from "idea" leaves its group; returns the group it left."""
    with app.db.session() as session:
        group_id = idea_groups.drop_idea(session, mention_id, actor, app.clock())
        brand = idea_groups.brand_of(session, group_id)
        if group_id is not None and brand is not None:
            recompute(app, session, brand, group_id)
            idea_groups.retitle(session, {group_id}, REMOVED, titler(app))
    return group_id


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Another group that may be the same idea (its centroid is just under the threshold)."""

    group_id: int
    title: str
    similarity: float
    status: str = "new"  # a closed one (done, declined, …) was never joined automatically


def maybe_same(app: App, group_id: int, limit: int = 5) -> list[Suggestion]:
    """Live groups of the same brand whose mean member cosine with ``group_id``'s members
    (the measure grouping joins on) sits in ``[threshold - SUGGEST_MARGIN, threshold)``:
    automatic grouping was unsure, the owner decides (``simak ideas merge``). Above the
    threshold too when either group is closed (grouping never joins a closed one).
    Closest first."""
    with app.db.read() as session:
        root = idea_groups.root_of(session, group_id)
        brand, space_name, mine = idea_groups.centroid_of(session, root)
        space = vectorizer(app, brand)
        if space_name != space.space or not mine.any():
            return []  # recomputed at the next grouping run (see respace)
        ids, sums, sizes = idea_groups.centroids(session, brand, space.space)
        if root not in ids:
            return []
        threshold = threshold_for(app, space)
        size = np.maximum(np.array(sizes, np.float32), 1.0)
        sims = (sums @ mine) / (size * size[ids.index(root)])
        status = idea_groups.statuses(session, ids)
        closed = {gid for gid, s in status.items() if s in idea_groups.CLOSED_STATUSES}
        near = [(float(s), gid) for gid, s in zip(ids, sims, strict=True)
                if gid != root and threshold - SUGGEST_MARGIN <= s
                and (s < threshold or {gid, root} & closed)]  # fmt: skip
        near.sort(reverse=True)
        names = idea_groups.titles(session, [gid for _, gid in near[:limit]])
    return [Suggestion(gid, names.get(gid, ""), round(sim, 3), status[gid])
            for sim, gid in near[:limit]]  # fmt: skip
