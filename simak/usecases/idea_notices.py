"""Closing the loop on the ideas board ("you asked, it shipped", "thanks, not for now"):
one notice per person who asked, never twice.

Notices are ordinary follow-ups (kind ``announcement``) that wait for approval; the
follow-up's idempotency key (a unique constraint) makes it once per person per group
however often or concurrently it runs, and ``idea_notices`` (a post is told about once per
kind: its primary key) once per post, so a split, unmerge or merge never tells anyone
again about a post they were told about.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy.orm import Session

from common.errors import ConflictError
from common.records import FollowUpPlan
from responder.draft_input import DraftInput, DraftPost
from responder.routing import Router
from simak.app import App
from simak.usecases.reminders import reach
from simak.wiring import build_router
from storage import care, contactable, idea_groups
from storage.idea_board import GroupMember, GroupView

#: The template of each status whose askers are told.
TEMPLATES = {"done": "shipped", "declined": "declined"}


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


#: Why a person gets no second notice: one is drafted, approved or sent already.
ALREADY = "has a notice already (drafted or sent)"
#: Why an asker known only by a name (an anonymous blog or review) is not told.
NO_ADDRESS = "no handle or address to write to privately (a name only)"


def tell(app: App, group: GroupView, *, dry_run: bool) -> NoticeReport:
    """Draft (or, in a dry run, list) the notices of ``group``'s status: see
    :func:`simak.usecases.idea_board.notify`."""
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
                why = contactable.blocked(session, person_id)
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
    return [
        key
        for pid in contactable.merged_with(session, person_id)
        for key in _family_keys(group, pid)
    ]
