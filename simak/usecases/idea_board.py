"""The owner's actions on the ideas board: list, merge/unmerge, split, rename, status, the
CSV export. Every change is recorded in the audit log. Closing the loop ("you asked, it
shipped"), one notice per person who asked, is :mod:`simak.usecases.idea_notices`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace

from common.errors import UsageError
from common.text import fold
from simak.app import App
from simak.usecases.idea_notices import TEMPLATES, NoticeReport, askers, tell
from simak.usecases.ideas import REMOVED, noise, recompute, title_of, titler
from simak.usecases.reports import cutoff_of
from storage import idea_board as views
from storage import idea_groups
from storage.idea_board import GroupMember, GroupView
from storage.idea_groups import CLOSED_STATUSES
from storage.idea_groups import STATUSES as IDEA_STATUSES

__all__ = [
    "CLOSED_STATUSES",
    "IDEA_STATUSES",
    "TEMPLATES",
    "GroupMember",
    "GroupView",
    "NoticeReport",
    "askers",
]

NOTIFY_STATUSES = ("done",)  # told by default; "declined" only when the owner asks


def order(app: App) -> views.BoardOrder:
    """The board's order as configured, as of now."""
    ideas, regulars = app.settings.responder.ideas, app.settings.responder.reminders
    return views.BoardOrder(
        now=app.clock(),
        half_life_days=ideas.half_life_days,
        regular_weight=ideas.regular_weight,
        window_days=regulars.window_days,
        min_praise=regulars.min_positive,
    )


def board(
    app: App,
    *,
    brand: str | None = None,
    status: str | None = None,
    since_days: float | None = None,
    limit: int = 100,
) -> list[GroupView]:
    """Live groups, by people × recency (regulars weighted: :class:`views.BoardOrder`);
    ``since_days`` keeps the groups someone asked for within that many days; ``status``
    is read as :func:`set_status` reads it ("Planned", "shipped")."""
    status = None if status is None else canonical_status(status)
    check_filters(app, brand, status)
    ranking = order(app)
    with app.db.read() as session:
        if not status and since_days is None:  # the page alone: only its posts are read
            return views.board(session, brand, limit=limit, order=ranking)
        groups = views.board(session, brand, order=ranking)
    if status:
        groups = [g for g in groups if g.status == status]
    cutoff = None if since_days is None else cutoff_of(app.clock(), since_days)
    if cutoff is not None:
        groups = [g for g in groups if g.last_seen is not None and g.last_seen >= cutoff]
    return groups[:limit]


def check_filters(app: App, brand: str | None, status: str | None) -> None:
    """A typo in a filter is an error, not an empty board."""
    if brand is not None:
        app.settings.brand(brand)  # ConfigError naming the configured brands
    if status is not None:
        idea_groups.check_status(status)


def show(app: App, group_id: int) -> GroupView:
    """One group (with the groups merged into it), its regulars counted."""
    with app.db.read() as session:
        root = idea_groups.root_of(session, group_id)
        return views.board(session, group_id=root, order=order(app))[0]


@dataclass(frozen=True, slots=True)
class Merged:
    """A merge's result: the idea now, and what the owner may want to do next (one line
    each: the merged idea's own status that the result does not carry, people who asked
    for a done idea and were not told)."""

    group: GroupView
    advice: tuple[str, ...] = ()


def merge(app: App, kept: int, gone: int, actor: str) -> Merged:
    """Merge ``gone`` into ``kept`` (reversible with :func:`unmerge`). The idea keeps
    ``kept``'s status: a merged idea that was planned (or done) says so, as does a done
    idea that now holds people who were not told it shipped."""
    with app.db.session() as session:
        former = idea_groups.statuses(session, [gone]).get(gone)
        idea_groups.merge(session, kept, gone, actor, app.clock())
    group = show(app, kept)
    advice: list[str] = []
    if former not in (None, "new", group.status):
        advice.append(
            f"idea {gone} was {former}; the merged idea {group.id} stays {group.status} "
            f"(`simak ideas status {group.id} {former}` to change it)"
        )
    if group.status in NOTIFY_STATUSES and (untold := tell(app, group, dry_run=True).would_draft):
        people = (
            "1 person who asked was" if len(untold) == 1 else f"{len(untold)} people who asked were"
        )
        advice.append(
            f"idea {group.id} is {group.status}: {people} not told "
            f"(`simak ideas notify {group.id}` drafts the notices)"
        )
    return Merged(group, tuple(advice))


def unmerge(app: App, gone: int, actor: str) -> tuple[GroupView, GroupView]:
    """Undo a merge: both groups stand alone again with their own members."""
    with app.db.session() as session:
        target = idea_groups.unmerge(session, gone, actor, app.clock())
    return show(app, target), show(app, gone)


def split(app: App, group_id: int, idea_ids: list[int], title: str, actor: str) -> GroupView:
    """Move ideas into a new group; the centroids of the new group and of every group the
    ideas left (a merged one too) are recomputed from their posts."""
    with app.db.session() as session:
        brand, _, _ = idea_groups.centroid_of(session, group_id)  # NotFound for a bad id
        title = " ".join(title.split()) if fold(title).strip() else ""  # blank: from a post
        new, left = idea_groups.split(session, group_id, idea_ids, title, actor, app.clock())
        for gid in sorted({*left, new}):
            recompute(app, session, brand, gid)
        idea_groups.retitle(session, left, REMOVED, titler(app))  # no title from a post gone
        texts = idea_groups.member_texts(session, new)
        if not title and texts:  # titled like a new group: by its first post
            idea_groups.set_title(session, new, title_of(texts[0], noise(app, brand)))
    return show(app, new)


def rename(app: App, group_id: int, title: str, actor: str) -> GroupView:
    """Give a group the owner's title (a merged group's id names the group it joined, as
    :func:`show` and :func:`set_status` do)."""
    with app.db.session() as session:
        root = idea_groups.root_of(session, group_id)
        idea_groups.rename(session, root, title, actor, app.clock())
    return show(app, root)


def set_status(
    app: App,
    group_id: int,
    status: str,
    actor: str,
    note: str | None = None,
    *,
    tell: bool | None = None,
) -> NoticeReport:
    """Set a group's status; ``done`` drafts one notice per person who asked (unless
    ``tell`` is False), ``declined`` does when ``tell`` is True. ``note`` None keeps the
    group's note (notices drafted later still quote it), an empty one clears it."""
    status = canonical_status(status)
    idea_groups.check_status(status)  # before any change
    if tell and status not in TEMPLATES:
        raise UsageError(
            f"--tell goes with done or declined, not {status}; "
            f"`simak ideas status {group_id} {status}` without it"
        )
    with app.db.session() as session:
        root = idea_groups.root_of(session, group_id)
        idea_groups.set_status(session, root, status, note, actor, app.clock())
    if tell is None:
        tell = status in NOTIFY_STATUSES
    report = notify(app, root) if tell else NoticeReport(root)
    report.status = status
    return report


#: What owners also call a status: a shipped idea is done.
_ALIASES = {"shipped": "done", "rejected": "declined", "in progress": "in-progress"}


def canonical_status(status: str) -> str:
    """A status as owners type it ("Planned", "shipped") as the board stores it."""
    status = status.strip().lower()
    return _ALIASES.get(status, status)


def notify(app: App, group_id: int, *, dry_run: bool = False) -> NoticeReport:
    """Draft "you asked, it shipped" (a ``done`` group) or "thanks, not for now" (a
    ``declined`` one) once per person who asked (never twice — also not after a merge of
    a group they were told about — never to "do not contact" people); each waits for
    approval like any follow-up. A dry run drafts nothing and says who would be told."""
    group = show(app, group_id)
    if group.status not in TEMPLATES:
        raise UsageError(
            f"idea {group.id} is {group.status}: people are told when it is done or declined "
            f"(simak ideas status {group.id} done --note …)"
        )
    return tell(app, group, dry_run=dry_run)


def audience(app: App, group_id: int, status: str) -> NoticeReport:
    """Who would be told if the group were ``status`` (done or declined) now: a dry run
    of :func:`notify` before the status changes, so the owner sees how many messages it
    drafts before confirming."""
    if status not in TEMPLATES:
        raise UsageError(f"people are told when an idea is done or declined, not {status}")
    return tell(app, replace(show(app, group_id), status=status), dry_run=True)


#: A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """``value`` made safe to open in a spreadsheet: titles come from customers' posts, and
    a post starting "=HYPERLINK(…)" must stay text (a leading apostrophe), not a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_csv(app: App, *, brand: str | None = None) -> str:
    """The board as CSV, in the board's order: one row per group (text cells that a
    spreadsheet would run as formulas are quoted with a leading apostrophe)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "brand", "title", "status", "people", "posts", "first_seen",
                     "last_seen", "merged", "note", "regulars"])  # fmt: skip
    for g in board(app, brand=brand, limit=10**9):
        row = [g.id, g.brand, g.title, g.status, g.people, g.posts,
               g.first_seen.isoformat() if g.first_seen else "",
               g.last_seen.isoformat() if g.last_seen else "",
               " ".join(map(str, g.merged)), g.note or "", g.regulars]  # fmt: skip
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()
