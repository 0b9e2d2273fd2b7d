"""``simak ideas regroup``: re-cluster a board's automatic groups and say what moved.

Grouping is incremental: an idea is placed once, when it arrives, against the groups of
that moment. After a better recipe (a new idea head), a threshold change or a burst of
new ideas, the owner can ask for the automatic part of the board to be clustered again
with the same placement production uses (:func:`responder.idea_vectors.place`). Groups the
owner touched (see :mod:`storage.idea_regroup`) stay; redone ideas may join them unless
they are closed (``storage.idea_groups.CLOSED_STATUSES``: done, declined, duplicate). A group
whose ideas all stay together keeps its id and title; merged and split groups are named in
the report and the audit log.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from responder.idea_vectors import CentroidIndex, IdeaVectorizer, Vectors, place
from simak.app import App
from simak.usecases.ideas import (
    noise,
    rebuild,
    respace,
    threshold_for,
    title_of,
    vectorizer,
)
from storage import idea_groups
from storage.idea_regroup import RedoIdea, apply_moves, automatic_ideas, record_regroup
from storage.ideas import lock_board


@dataclass
class RegroupReport:
    """What re-clustering one brand's board changed (or would change, on a dry run)."""

    brand: str
    ideas: int = 0  # ideas in automatic groups, re-clustered
    groups_before: int = 0
    groups_after: int = 0
    moved: int = 0  # ideas whose group changed
    joined: list[tuple[str, list[int]]] = field(default_factory=list)  # title, old groups
    split: list[tuple[int, list[str]]] = field(default_factory=list)  # old group, new titles
    into_owned: dict[int, int] = field(default_factory=dict)  # owner's group → ideas joined


@dataclass
class _Plan:
    """Where each redone idea goes: a kept group (id > 0) or a new cluster (id < 0)."""

    vectors: Vectors
    target: dict[int, int] = field(default_factory=dict)  # row → group or cluster
    central: dict[int, int] = field(default_factory=dict)  # cluster → its central row
    members: dict[int, list[int]] = field(default_factory=dict)  # group or cluster → rows
    reuse: dict[int, int] = field(default_factory=dict)  # cluster → the old group it equals


def regroup(
    app: App, *, brand: str | None = None, dry_run: bool = False, actor: str = "cli"
) -> list[RegroupReport]:
    """Re-cluster the automatic groups of ``brand`` (or every brand's board)."""
    if brand is not None:
        app.settings.brand(brand)  # ConfigError for a typo, not "nothing to re-cluster"
    with app.db.read() as session:
        brands = [b for b in idea_groups.brands(session) if brand in (None, b)]
    return [_regroup_brand(app, b, dry_run, actor) for b in brands]


def _regroup_brand(app: App, brand: str, dry_run: bool, actor: str) -> RegroupReport:
    space = vectorizer(app, brand)
    report = RegroupReport(brand)
    with app.db.session() as session:
        lock_board(session, brand)
        respace(session, space, brand)
        redo = automatic_ideas(session, brand)
        if not redo:
            return report
        plan = _plan(session, space, threshold_for(app, space), brand, redo)
        ignore = noise(app, brand)
        titles = {c: title_of(redo[row].text, ignore) for c, row in plan.central.items()}
        _describe(report, redo, plan, titles)
        if not dry_run:
            _apply(app, session, space, brand, redo, plan, titles)
            record_regroup(session, brand, _summary(report), actor, app.clock())
    return report


def _plan(
    session: Session, space: IdeaVectorizer, threshold: float, brand: str, redo: list[RedoIdea]
) -> _Plan:
    redone = {r.group_id for r in redo}
    ids, sums, sizes = idea_groups.centroids(session, brand, space.space)
    kept = [i for i, gid in enumerate(ids) if gid not in redone]
    status = idea_groups.statuses(session, [ids[i] for i in kept])
    closed = {gid for gid, s in status.items() if s in idea_groups.CLOSED_STATUSES}
    vectors = space.vectors([r.text for r in redo])
    index = CentroidIndex(
        [ids[i] for i in kept], sums[kept], vectors.shape[1], [sizes[i] for i in kept]
    )
    plan = _Plan(vectors)

    def found(row: int) -> int:
        plan.central[-(len(plan.central) + 1)] = row
        return -len(plan.central)

    def join(row: int, group_id: int) -> bool:
        plan.target[row] = group_id
        return True

    place(index, vectors, threshold, found, join, closed)  # closed ones never join
    old: dict[int, list[int]] = defaultdict(list)
    for row, r in enumerate(redo):
        old[r.group_id].append(row)
        plan.members.setdefault(plan.target[row], []).append(row)
    for cluster in plan.central:
        first = redo[plan.members[cluster][0]].group_id
        if old[first] == plan.members[cluster]:
            plan.reuse[cluster] = first  # the same ideas as before: keep its id and title
    return plan


def _describe(
    report: RegroupReport, redo: list[RedoIdea], plan: _Plan, titles: dict[int, str]
) -> None:
    report.ideas = len(redo)
    report.groups_before = len({r.group_id for r in redo})
    report.groups_after = len(plan.central)
    sources: dict[int, set[int]] = defaultdict(set)
    spread: dict[int, set[int]] = defaultdict(set)
    for row, r in enumerate(redo):
        target = plan.target[row]
        sources[target].add(r.group_id)
        spread[r.group_id].add(target)
        if target > 0:
            report.into_owned[target] = report.into_owned.get(target, 0) + 1
        if plan.reuse.get(target, target) != r.group_id:
            report.moved += 1

    def name(target: int) -> str:
        return titles[target] if target < 0 else f"group {target}"

    for cluster in plan.central:
        if len(sources[cluster]) > 1:
            report.joined.append((name(cluster), sorted(sources[cluster])))
    for group_id in sorted(spread):
        if len(spread[group_id]) > 1:
            report.split.append((group_id, sorted(name(t) for t in spread[group_id])))


def _apply(
    app: App, session: Session, space: IdeaVectorizer, brand: str, redo: list[RedoIdea],
    plan: _Plan, titles: dict[int, str],
) -> None:  # fmt: skip
    now = app.clock()
    real = dict(plan.reuse)
    for cluster, row in plan.central.items():
        if cluster not in real:
            real[cluster] = idea_groups.new_group(
                session, brand=brand, title=titles[cluster], space=space.space,
                vector=plan.vectors[row], now=now,
            )  # fmt: skip
    targets = {row: real.get(t, t) for row, t in plan.target.items()}
    status = idea_groups.statuses(session, sorted(set(targets.values())))
    moves = {
        r.idea_id: (r.group_id, targets[row], status[targets[row]])
        for row, r in enumerate(redo)
        if targets[row] != r.group_id
    }
    emptied = sorted({r.group_id for r in redo} - set(plan.reuse.values()))
    apply_moves(session, moves, emptied)
    for cluster in plan.central:  # new and kept-as-is clusters: sums of their vectors
        rows = plan.members[cluster]
        total = plan.vectors[rows].sum(axis=0)
        idea_groups.set_centroid(session, real[cluster], total, len(rows), space.space)
    for group_id in sorted(t for t in plan.members if t > 0):
        rebuild(session, space, group_id)  # the owner's groups that ideas joined


def _summary(report: RegroupReport) -> str:
    """One line for the audit log: ids and counts, never a title (titles come from
    customers' posts, and the log keeps no personal data: `simak forget` leaves it)."""
    parts = [f"{report.ideas} ideas in {report.groups_before} automatic groups -> "
             f"{report.groups_after} groups, {report.moved} moved"]  # fmt: skip
    parts += [f"groups {', '.join(map(str, olds))} joined" for _, olds in report.joined]
    parts += [f"group {gid} split into {len(names)}" for gid, names in report.split]
    return "; ".join(parts)
