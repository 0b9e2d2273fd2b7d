"""The owner's actions on the ideas board: list, merge/unmerge, split, rename, status, and
closing the loop ("you asked, it shipped") with one message per person who asked.

Every change is recorded in the audit log. Notices are ordinary follow-ups (kind
``announcement``) that wait for approval; the follow-up's idempotency key (a unique
constraint) makes it once per person per group however often or concurrently it runs,
and ``idea_notices`` (a post is told about once per kind: its primary key) once per post,
so a split, unmerge or merge never tells anyone again about a post they were told about.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy.orm import Session

from common.errors import ConflictError, UsageError
from common.records import FollowUpPlan
from common.text import fold
from responder.draft_input import DraftInput, DraftPost
from responder.routing import Router
from simak.app import App
from simak.usecases.ideas import REMOVED, noise, recompute, title_of, titler
from simak.usecases.reminders import reach
from simak.usecases.reports import cutoff_of
from simak.wiring import build_router
from storage import care, idea_groups
from storage import idea_board as views
from storage.idea_board import GroupMember, GroupView
from storage.idea_groups import CLOSED_STATUSES
from storage.idea_groups import STATUSES as IDEA_STATUSES

__all__ = ["CLOSED_STATUSES", "IDEA_STATUSES", "GroupMember", "GroupView", "NoticeReport"]

NOTIFY_STATUSES = ("done",)  # told by default; "declined" only when the owner asks
TEMPLATES = {"done": "shipped", "declined": "declined"}


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
    if group.status in NOTIFY_STATUSES and (untold := _tell(app, group, dry_run=True).would_draft):
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


@dataclass(slots=True)
class NoticeReport:
    """What closing the loop drafted (or, in a dry run, would draft) and whom it skipped."""

    group_id: int
    status: str | None = None  # the status set, as stored (set_status)
    drafted: list[int] = field(default_factory=list)  # follow-up ids
    would_draft: list[tuple[int, str]] = field(default_factory=list)  # person, who (dry run)
    skipped: list[tuple[int | None, str, str]] = field(default_factory=list)  # person, who, why
    #: person, who, follow-up: a "not for now" of this idea still waiting to go to someone
    #: now told it shipped (both would reach them: the owner dismisses it)
    waiting_declined: list[tuple[int, str, int]] = field(default_factory=list)


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


def askers(group: GroupView) -> tuple[dict[int, list[GroupMember]], list[str]]:
    """The group's posts by person (after person merges), oldest first, and the names of
    those who asked with no person to write to. A post with no person by the name of a
    person who asked is theirs (as the board counts people: ``distinct_people``)."""
    known = {m.author.casefold() for m in group.members if m.person_id is not None}
    by_person: dict[int, list[GroupMember]] = {}
    strangers: dict[str, str] = {}
    for member in group.members:
        if member.mention_id is None:  # retention removed the post: no one to write to
            strangers.setdefault(f"post {member.idea_id}", f"post {member.idea_id}")
        elif member.person_id is not None:
            by_person.setdefault(member.person_id, []).append(member)
        elif member.author.casefold() not in known:
            name = member.author if member.author not in ("", "?") else f"post {member.idea_id}"
            strangers.setdefault(name.casefold(), name)
    return by_person, list(strangers.values())


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
    return _tell(app, group, dry_run=dry_run)


def audience(app: App, group_id: int, status: str) -> NoticeReport:
    """Who would be told if the group were ``status`` (done or declined) now: a dry run
    of :func:`notify` before the status changes, so the owner sees how many messages it
    drafts before confirming."""
    if status not in TEMPLATES:
        raise UsageError(f"people are told when an idea is done or declined, not {status}")
    return _tell(app, replace(show(app, group_id), status=status), dry_run=True)


#: Why a person gets no second notice: one is drafted, approved or sent already.
ALREADY = "has a notice already (drafted or sent)"
#: Why an asker known only by a name (an anonymous blog or review) is not told.
NO_ADDRESS = "no handle or address to write to privately (a name only)"


def _tell(app: App, group: GroupView, *, dry_run: bool) -> NoticeReport:
    report = NoticeReport(group.id)
    if not dry_run:
        _remember_told(app, group)
    router = build_router(app)
    people, strangers = askers(group)
    for name in strangers:
        report.skipped.append((None, name, NO_ADDRESS))
    for person_id, posts in people.items():
        who = posts[-1].author
        try:
            with app.db.session() as session:
                why = care.blocked(session, person_id)
                why = why or _told_already(session, group, person_id, posts)
                if why is not None:
                    report.skipped.append((person_id, who, why))
                    continue
                if dry_run:
                    report.would_draft.append((person_id, who))
                    continue
                fid = _draft_notice(app, session, router, group, person_id, posts)
        except _ToldAlready:  # a notice that raced this one told about one of the posts
            fid = None
        if fid is None:
            report.skipped.append((person_id, who, ALREADY))
        else:
            report.drafted.append(fid)
    if group.status == "done":
        report.waiting_declined = _waiting_declined(app, group, people)
    return report


def _waiting_declined(
    app: App, group: GroupView, people: dict[int, list[GroupMember]]
) -> list[tuple[int, str, int]]:
    """The "thanks, not for now" notices of this idea (or one merged into it) that still
    wait to be sent to people who asked for it, now that it is done."""
    declined = replace(group, status="declined")
    with app.db.read() as session:
        return [
            (pid, posts[-1].author, fid)
            for pid, posts in people.items()
            for fid in care.waiting_with_keys(session, _told_keys(session, declined, pid))
        ]


def _draft_notice(
    app: App, session: Session, router: Router, group: GroupView, person_id: int,
    posts: list[GroupMember],
) -> int | None:  # fmt: skip
    now = app.clock()
    recipient, channel, why = reach(session, router, person_id, "idea")  # the idea rule's
    draft = router.drafts.write_one(
        DraftInput(
            label="idea",
            posts=tuple(DraftPost(p.text, ("idea",), mention_id=p.mention_id) for p in posts),
            lang=posts[-1].lang or app.settings.responder.default_language,
            brand=app.settings.brand(group.brand).label,
            name=posts[-1].author,
            handle=recipient.handle,
            platform=recipient.platform,
            template=TEMPLATES[group.status],
            extra={"what": group.title, "note": group.note},
        )
    )
    plan = FollowUpPlan(
        mention_id=0, label="idea", priority=20, due_at=now + timedelta(days=3),
        channel=channel, lang=draft.lang, subject=draft.subject,
        draft=router.in_form(channel, recipient, draft),
        note=f"idea {group.id} ({group.title}) is {group.status}: tell the person who asked",
        channel_note=why,
    )  # fmt: skip
    fid = care.create_standalone(
        session, kind="announcement", plan=plan, person_id=person_id, brand=group.brand,
        recipient=recipient, key=_notice_key(group, person_id), now=now,
    )  # fmt: skip
    told = [p.idea_id for p in posts]
    if fid is not None and not idea_groups.mark_told(session, told, group.status, fid):
        raise _ToldAlready(f"idea {group.id}: person {person_id} was told already")
    return fid


def _remember_told(app: App, group: GroupView) -> None:
    """When notices are drafted: record the posts of everyone a notice of this done (or
    declined) group, or of one merged into it, told already as told by that notice, like
    the posts a new notice tells about. A post that joined after it (a merge) is then not
    told about again when it is unmerged or split off and that idea closes. (Not on merge
    itself: a merge undone at once leaves nothing behind.)"""
    if group.status not in TEMPLATES:
        return
    people, _ = askers(group)
    with app.db.session() as session:
        for person_id, posts in people.items():
            fid = care.key_holder(session, _told_keys(session, group, person_id))
            if fid is not None:  # posts told already keep their notice (do nothing)
                idea_groups.mark_told(session, [p.idea_id for p in posts], group.status, fid)


class _ToldAlready(ConflictError):
    """Another notice told about one of the posts (rolls this notice back)."""


def _told_already(
    session: Session, group: GroupView, person_id: int, posts: list[GroupMember]
) -> str | None:
    """Why ``person_id`` gets no notice of ``group.status``: one told them about this
    group (or one merged into it), or about one of their ``posts`` in it, wherever that
    post was then (a group it was split off or unmerged from)."""
    if care.existing_keys(session, _told_keys(session, group, person_id)):
        return ALREADY
    if idea_groups.told(session, [p.idea_id for p in posts], group.status):
        return ALREADY
    return None


def _notice_key(group: GroupView, person_id: int, group_id: int | None = None) -> str:
    """Once per person and group for "it shipped"; a "not for now" has its own key, so a
    declined idea that ships later still tells them."""
    base = f"simak-idea-{group.id if group_id is None else group_id}-{person_id}"
    return base if group.status == "done" else f"{base}-{group.status}"


def _family_keys(group: GroupView, person_id: int) -> list[str]:
    """The notice keys of the group and of every group merged into it: a person told that
    a merged group shipped is not told again when the group it joined ships."""
    return [_notice_key(group, person_id, gid) for gid in (group.id, *group.merged)]


def _told_keys(session: Session, group: GroupView, person_id: int) -> list[str]:
    """The family keys of everyone who is one human with ``person_id`` (live person
    merges): someone told before they were merged into another person is not told again."""
    return [key for pid in care.merged_with(session, person_id) for key in _family_keys(group, pid)]


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
