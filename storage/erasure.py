"""Forgetting a person, and retention: personal data leaves every table, counts stay.

``forget`` removes a person's posts, handles, drafts, deliveries, notes and idea
membership — and the people merged into them — in one transaction, leaving an audit entry
with counts only, and a tombstone per erased post (a keyed hash, see
:mod:`storage.tombstones`) so that no source brings one back; ``forget_author`` does the
same for the posts of an author known only by a display name (no person record).
``purge`` empties raw payloads after ``raw_days`` and deletes posts after
``mention_days``; follow-up outcomes and idea counts stay, without any personal data (and
no tombstone: see :mod:`storage.tombstones`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from common.errors import ConflictError, NotFound
from storage import idea_groups, tombstones
from storage.audit import record
from storage.followups import EDITABLE, change
from storage.ids import chunked
from storage.models import (
    JOINABLE,
    AuditLog,
    ClassificationRow,
    ConversationPost,
    Delivery,
    FollowUp,
    FollowUpEvent,
    Handle,
    Idea,
    MentionRow,
    MergeSuggestion,
    Person,
    PersonMerge,
    PersonNote,
    Reminder,
    SourceState,
    Voucher,
)
from storage.name_only import authored_by, posts_of
from storage.people_search import no_such_person

_GONE = "(removed)"


@dataclass(slots=True)
class Erasure:
    """What was (or, in a dry run, would be) removed, per table."""

    person_ids: list[int]  # none for a name-only author
    counts: dict[str, int] = field(default_factory=dict)
    idea_groups: list[int] = field(default_factory=list)  # groups that lost posts
    sources: dict[str, int] = field(default_factory=dict)  # a name-only author's posts
    tombstones: int = 0  # erased posts kept as keyed hashes (a dry run: as many as posts)


def _people(session: Session, person_id: int) -> list[int]:
    """The person and everyone merged into them (recursively). A person merged into
    someone else is refused: their handles and posts belong to that person now.

    The person's row is locked first (``FOR UPDATE``; SQLite has one writer), as a merge
    locks both people: a merge into this person either commits before the walk below (and
    the merged person is erased too) or waits, and then finds the person gone."""
    person = session.get(Person, person_id, with_for_update=True, populate_existing=True)
    if person is None:
        raise no_such_person(person_id)
    if person.merged_into_id is not None:
        into = person.merged_into_id
        merge = session.scalar(
            select(func.max(PersonMerge.id)).where(
                PersonMerge.merged_id == person_id, PersonMerge.undone_at.is_(None)
            )
        )
        raise ConflictError(
            f"person {person_id} was merged into {into}, who holds their handles and posts "
            f"now: `simak forget {into}` erases both, or `simak people unmerge {merge}` "
            f"first erases only person {person_id}"
        )
    found, frontier = [person_id], [person_id]
    while frontier:
        frontier = list(
            session.scalars(select(Person.id).where(Person.merged_into_id.in_(frontier)))
        )
        found += frontier
    return found


def _count(session: Session, query: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def forget(
    session: Session,
    person_id: int,
    actor: str,
    now: datetime,
    dry_run: bool,
    title_of: idea_groups.TitleOf,
) -> Erasure:
    """Erase a person across every table (``dry_run``: only count what would go)."""
    people = _people(session, person_id)
    mentions = select(MentionRow.id).where(MentionRow.person_id.in_(people))
    followups = select(FollowUp.id).where(
        or_(FollowUp.person_id.in_(people), FollowUp.mention_id.in_(mentions))
    )
    plan = _Plan(mentions, followups, _person_words(session, people) + _texts(session, mentions))
    return _erase(session, Erasure(people), plan, _Audit(actor, now, ""), dry_run, title_of)


def forget_author(
    session: Session,
    name: str,
    source: str | None,
    actor: str,
    now: datetime,
    dry_run: bool,
    title_of: idea_groups.TitleOf,
) -> Erasure:
    """Erase the posts of a name-only author (see :mod:`storage.name_only`) called
    ``name``, in ``source`` or every source, and everything tied to them as for a person:
    follow-ups, deliveries, idea membership, raw payloads. Only the posts this name
    wrote go: a post that merely mentions the name in its text stays."""
    authors = authored_by(session, name, source)
    if not authors:
        raise no_such_author(name, source)
    mentions = posts_of(session, name, source)
    followups = select(FollowUp.id).where(
        or_(
            FollowUp.mention_id.in_(mentions),
            FollowUp.id.in_(
                select(ConversationPost.followup_id).where(
                    ConversationPost.mention_id.in_(mentions)
                )
            ),
        )
    )
    names = sorted({a.name for a in authors} | {name.strip()})
    plan = _Plan(mentions, followups, [n for n in names if len(n) >= 3] + _texts(session, mentions))
    erasure = Erasure([], sources={a.source: a.mentions for a in authors})
    audit = _Audit(actor, now, "a name-only author (no person record): ")
    return _erase(session, erasure, plan, audit, dry_run, title_of)


def no_such_author(name: str, source: str | None) -> NotFound:
    """No post by a name-only author called ``name``: how to look for them instead."""
    where = f" in source {source!r}" if source else ""
    shown = " ".join(name.split())[:60]
    return NotFound(
        f"no post by a name-only author called {shown!r}{where}; "
        f"`simak people find {shown}` lists people and name-only authors by part of a name"
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """The posts and follow-ups that go (subqueries), and words a source's health may
    quote them with."""

    mentions: Select[Any]
    followups: Select[Any]
    words: list[str]


@dataclass(frozen=True, slots=True)
class _Audit:
    actor: str
    now: datetime
    prefix: str  # what was erased, in words with no personal data


def _erase(
    session: Session,
    erasure: Erasure,
    plan: _Plan,
    audit: _Audit,
    dry_run: bool,
    title_of: idea_groups.TitleOf,
) -> Erasure:
    """Erase ``plan``'s posts and follow-ups and ``erasure.person_ids`` (may be none)."""
    people, mentions, followups = erasure.person_ids, plan.mentions, plan.followups
    rows = {
        "deliveries": select(Delivery.id).where(Delivery.followup_id.in_(followups)),
        "followup_events": select(FollowUpEvent.id).where(FollowUpEvent.followup_id.in_(followups)),
        "followup_posts": select(ConversationPost.mention_id).where(
            ConversationPost.followup_id.in_(followups)
        ),
        "followups": followups,
        "ideas": select(Idea.id).where(
            or_(Idea.person_id.in_(people), Idea.mention_id.in_(mentions))
        ),
        "classifications": select(ClassificationRow.id).where(
            ClassificationRow.mention_id.in_(mentions)
        ),
        "mentions": mentions,
        "handles": select(Handle.id).where(Handle.person_id.in_(people)),
        "notes": select(PersonNote.id).where(PersonNote.person_id.in_(people)),
        "reminders": select(Reminder.id).where(Reminder.person_id.in_(people)),
        "people": select(Person.id).where(Person.id.in_(people)),
    }
    erasure.counts = {name: _count(session, q) for name, q in rows.items()}
    if dry_run:
        erasure.tombstones = erasure.counts["mentions"]
        return erasure
    _scrub_health(session, plan.words)
    session.execute(
        update(Voucher).where(Voucher.followup_id.in_(followups)).values(followup_id=None)
    )
    touched = set(session.scalars(select(Idea.group_id).where(Idea.id.in_(rows["ideas"]))))
    session.execute(delete(Idea).where(Idea.id.in_(rows["ideas"])))
    for chunk in chunked(session.scalars(followups).all()):  # ids first: the subqueries
        session.execute(delete(FollowUp).where(FollowUp.id.in_(chunk)))  # read these tables
    for chunk in chunked(session.scalars(mentions).all()):
        _release_duplicates(session, chunk)
        erasure.tombstones += tombstones.bury(session, chunk)  # a source may deliver them again
        session.execute(delete(MentionRow).where(MentionRow.id.in_(chunk)))
    idea_groups.retitle(session, touched, _GONE, title_of)
    erasure.idea_groups = sorted(g for g in touched if g is not None)
    if people:
        _drop_people(session, people)
    record(
        session,
        actor=audit.actor,
        action="forget_person",
        entity="person",
        entity_id="(erased)",
        now=audit.now,
        detail=audit.prefix + ", ".join(f"{k} {v}" for k, v in erasure.counts.items() if v),
    )
    return erasure


def _drop_people(session: Session, people: list[int]) -> None:
    """The people's rows, their merges and merge suggestions; their audit entries no
    longer say who they were about."""
    for table in (MergeSuggestion,):
        session.execute(
            delete(table).where(or_(table.person_id.in_(people), table.other_id.in_(people)))
        )
    session.execute(
        delete(PersonMerge).where(
            or_(PersonMerge.kept_id.in_(people), PersonMerge.merged_id.in_(people))
        )
    )
    session.execute(
        update(AuditLog)
        .where(AuditLog.entity == "person", AuditLog.entity_id.in_([str(p) for p in people]))
        .values(entity_id="(erased)", detail=None)
    )
    session.execute(update(Person).where(Person.id.in_(people)).values(merged_into_id=None))
    session.execute(delete(Person).where(Person.id.in_(people)))


def _person_words(session: Session, people: list[int]) -> list[str]:
    """The people's handles, names, addresses and user ids (3 characters or more)."""
    return [
        w
        for h in session.scalars(select(Handle).where(Handle.person_id.in_(people)))
        for w in (h.handle, h.display_name, h.email, h.user_id)
        if w and len(w) >= 3
    ]


def _texts(session: Session, mentions: Select[Any]) -> list[str]:
    """The start of each post that goes (12 characters or more)."""
    return [
        t[:60]
        for t in session.scalars(select(MentionRow.text).where(MentionRow.id.in_(mentions)))
        if t and len(t) >= 12
    ]


def _scrub_health(session: Session, words: list[str]) -> None:
    """A source's last warning may quote a post or name a handle: drop the ones that do."""
    for state in session.scalars(select(SourceState)):
        for attr in ("last_warning", "last_error"):
            value = getattr(state, attr)
            if value and any(w in value for w in words):
                setattr(state, attr, f"{_GONE}: it named a person who was forgotten")


def purge(
    session: Session,
    raw_before: datetime,
    mentions_before: datetime,
    now: datetime,
    *,
    dry_run: bool,
    title_of: idea_groups.TitleOf,
) -> dict[str, int]:
    """Retention: raw payloads older than ``raw_before`` emptied; posts older than
    ``mentions_before`` deleted and their ideas kept as counts. A conversation whose every
    post goes is kept as an outcome without personal data (closed if it was still waiting
    for staff: nothing is left to answer); one that keeps newer posts is left as it is
    here (see :func:`partly_expiring`: the caller re-drafts the unsent ones)."""
    raw = select(MentionRow.id).where(
        MentionRow.fetched_at < raw_before, MentionRow.raw_json != "{}"
    )
    old = select(MentionRow.id).where(MentionRow.created_at < mentions_before)
    counts = {
        "raw_payloads": _count(session, raw),
        "mentions": _count(session, old),
        "followups_closed": _count(session, _emptied(old, old)),
    }
    if dry_run:
        return counts
    session.execute(update(MentionRow).where(MentionRow.id.in_(raw)).values(raw_json="{}"))
    old_ids = list(session.scalars(old))
    touched = set(session.scalars(select(Idea.group_id).where(Idea.mention_id.in_(old))))
    for start in range(0, len(old_ids), 500):
        chunk = old_ids[start : start + 500]
        _close_emptied(session, _emptied(chunk, old), now)
        _anonymise_followups(session, chunk, old)
        # The idea keeps its person (a number: the person's row stays, like a closed
        # follow-up's), so the board still counts one person who asked three times once.
        session.execute(update(Idea).where(Idea.mention_id.in_(chunk)).values(title=_GONE))
        _release_duplicates(session, chunk)
        session.execute(delete(MentionRow).where(MentionRow.id.in_(chunk)))
    idea_groups.retitle(session, touched, _GONE, title_of)
    return counts


def _release_duplicates(session: Session, leaving: list[int]) -> None:
    """Cross-posts of posts that are leaving stop pointing at them (a foreign key): the
    copy, newer or another person's since an unmerge, may stay while its original goes."""
    session.execute(
        update(MentionRow)
        .where(MentionRow.duplicate_of_id.in_(leaving))
        .values(duplicate_of_id=None),
        execution_options={"synchronize_session": False},
    )


def _staying(old: Select[Any]) -> Select[Any]:
    """Conversations with a post that is not in ``old``."""
    return select(ConversationPost.followup_id).where(ConversationPost.mention_id.not_in(old))


def _losing(leaving: Any) -> Select[Any]:
    """Conversations with a post in ``leaving``."""
    return select(ConversationPost.followup_id).where(ConversationPost.mention_id.in_(leaving))


def _emptied(leaving: Any, old: Select[Any]) -> Select[Any]:
    """Conversations still waiting for staff with a post in ``leaving`` and none that
    stays."""
    return select(FollowUp.id).where(
        FollowUp.id.in_(_losing(leaving)),
        FollowUp.id.not_in(_staying(old)),
        FollowUp.status.in_(JOINABLE),
    )


def partly_expiring(session: Session, mentions_before: datetime) -> list[int]:
    """Unsent conversations that lose posts older than ``mentions_before`` but keep newer
    ones: their drafts may quote the posts that go, so they are drafted again."""
    old = select(MentionRow.id).where(MentionRow.created_at < mentions_before)
    query = select(FollowUp.id).where(
        FollowUp.id.in_(_losing(old)),
        FollowUp.id.in_(_staying(old)),
        FollowUp.status.in_(EDITABLE),
    )
    return list(session.scalars(query.order_by(FollowUp.id)))


def _close_emptied(session: Session, emptied: Select[Any], now: datetime) -> None:
    """Dismissed, so no "(removed)" draft to nobody stays in the queue to be approved; one
    a person changes at this moment stays as they left it."""
    for fid in list(session.scalars(emptied)):
        try:
            with session.begin_nested():
                change(
                    session, fid, allowed=JOINABLE, actor="retention", now=now, to="dismissed",
                    note="its posts passed retention.mention_days: nothing left to answer",
                )  # fmt: skip
        except ConflictError:
            continue


def _anonymise_followups(session: Session, mention_ids: list[int], old: Select[Any]) -> None:
    """Conversations whose posts are all leaving keep their outcome, nothing personal."""
    conversations = select(FollowUp.id).where(
        FollowUp.id.in_(_losing(mention_ids)), FollowUp.id.not_in(_staying(old))
    )
    session.execute(
        update(FollowUp)
        .where(FollowUp.id.in_(conversations))
        .values(
            draft=_GONE,
            subject=_GONE,
            suggested_draft=None,
            suggested_subject=None,
            recipient=None,
            status_note=None,
            channel_note=None,
        )
    )
    session.execute(
        update(Delivery)
        .where(Delivery.followup_id.in_(conversations))
        .values(recipient={}, subject=_GONE, body=_GONE, detail=None)
    )
