"""People and their handles: linking, merge suggestions, and reversible merges.

A handle (one identity on one platform) belongs to one person. The same email on two
platforms links automatically. Anything weaker (the same words on two platforms) only
becomes a suggestion that staff confirm or reject. A merge moves the merged person's
handles to the kept person and records exactly which handles moved, so ``unmerge``
restores both people — their mentions, follow-ups and ideas follow the handles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.errors import ConflictError, NotFound
from common.records import Author
from storage.audit import record
from storage.contactable import contact_lock, root_person
from storage.dialect import advisory_lock, insert
from storage.followups import change, fold_conversation
from storage.models import (
    JOINABLE,
    ConversationPost,
    FollowUp,
    Handle,
    Idea,
    MentionRow,
    MergeSuggestion,
    Person,
    PersonMerge,
)
from storage.people_search import no_such_person
from storage.textfold import lower, lowered

_REFRESHED = ("handle", "display_name", "profile_url", "email", "lang")


@dataclass(frozen=True, slots=True)
class MergeRecord:
    """One recorded merge, and the conversations it touched (to re-plan)."""

    id: int
    kept_id: int
    merged_id: int
    handles: int
    actor: str
    at: datetime
    undone_at: datetime | None
    conversations: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Two people who may be one."""

    id: int
    person_id: int
    other_id: int
    reason: str
    status: str
    created_at: datetime


def handles_for(
    session: Session, authors: Sequence[Author], now: datetime
) -> dict[str, tuple[int | None, int | None]]:
    """``author.key`` → (handle id, person id) for every author, creating the new ones.

    Known handles are looked up in one query per page (and refreshed only when a field
    changed); only authors seen for the first time cost statements of their own.
    """
    by_key = {a.key: a for a in authors if a.key.partition(":")[2]}
    pairs = [(a.platform, a.key.partition(":")[2]) for a in by_key.values()]
    known: dict[tuple[str, str], Handle] = {}
    for start in range(0, len(pairs), 400):
        # Their people are key-share locked (PostgreSQL; SQLite has one writer), in id
        # order: a forget or merge in flight (it locks the person first) is waited for, and
        # a forgotten person's handle is then left out (seen anew); a forget or merge that
        # comes later waits for this page's commit, then takes its posts too.
        rows = session.scalars(
            select(Handle)
            .join(Person, Person.id == Handle.person_id)
            .where(tuple_(Handle.platform, Handle.key).in_(pairs[start : start + 400]))
            .order_by(Person.id)
            .with_for_update(key_share=True, read=True, of=Person)
        )
        known.update(((h.platform, h.key), h) for h in rows)
    out: dict[str, tuple[int | None, int | None]] = {}
    first_seen: list[Author] = []
    # Runs take a page's email locks, and write its rows, in one global (sorted) order: two
    # polls meeting the same new people wait for each other, never in a cycle (deadlock).
    new = [a for k, a in by_key.items() if (a.platform, k.partition(":")[2]) not in known]
    for email in sorted({_email_key(a.email) for a in new if a.email and "@" in a.email}):
        advisory_lock(session, f"simak-email:{email}")
    for key, author in sorted(by_key.items()):
        handle = known.get((author.platform, key.partition(":")[2]))
        if handle is not None:
            _refresh(session, handle, author)
            out[key] = (handle.id, handle.person_id)
        elif author.email:  # may link to a known person by email: under its own lock
            out[key] = handle_for(session, author, now)
        else:
            first_seen.append(author)
    out.update(_create_handles(session, first_seen, now))
    return out


def _create_handles(
    session: Session, authors: Sequence[Author], now: datetime
) -> dict[str, tuple[int | None, int | None]]:
    """People and handles for authors seen for the first time (no email to link by), in a
    few statements per page. A handle an overlapping run created first wins (the insert
    does nothing on conflict): ours is dropped with its spare person, theirs is used."""
    if not authors:
        return {}
    person_ids = list(
        session.scalars(
            sa_insert(Person).returning(Person.id, sort_by_parameter_order=True),
            [{"display_name": a.display_name or a.handle, "created_at": now} for a in authors],
        )
    )
    rows = [
        {
            "person_id": person_id,
            "platform": a.platform,
            "key": a.key.partition(":")[2],
            **{name: getattr(a, name) for name in (*_REFRESHED, "user_id")},
        }
        for a, person_id in zip(authors, person_ids, strict=True)
    ]
    inserted = session.execute(
        insert(session, Handle)
        .on_conflict_do_nothing(index_elements=["platform", "key"])
        .returning(Handle.id, Handle.platform, Handle.key, Handle.person_id),
        rows,
    ).all()
    ours = {(r.platform, r.key): (r.id, r.person_id) for r in inserted}
    out: dict[str, tuple[int | None, int | None]] = {}
    spare: list[int] = []
    for author, person_id in zip(authors, person_ids, strict=True):
        pair = (author.platform, author.key.partition(":")[2])
        if pair in ours:
            out[author.key] = ours[pair]
            continue
        spare.append(person_id)
        row = session.execute(
            select(Handle.id, Handle.person_id).where(
                Handle.platform == pair[0], Handle.key == pair[1]
            )
        ).one()
        out[author.key] = (row.id, row.person_id)
    if spare:
        session.execute(delete(Person).where(Person.id.in_(spare)))
    return out


def handle_for(session: Session, author: Author, now: datetime) -> tuple[int | None, int | None]:
    """The (handle id, person id) of ``author``, creating both when first seen."""
    key = author.key.partition(":")[2]
    if not key:
        return None, None
    found = session.scalar(
        select(Handle).where(Handle.platform == author.platform, Handle.key == key)
    )
    if found is not None:
        _refresh(session, found, author)
        return found.id, found.person_id
    person_id = _person_by_email(session, author.email)
    created = person_id is None
    if person_id is None:
        person = Person(
            display_name=author.display_name or author.handle, email=author.email, created_at=now
        )
        session.add(person)
        session.flush()
        person_id = person.id
    values = {name: getattr(author, name) for name in (*_REFRESHED, "user_id")}
    handle_id = session.execute(
        insert(session, Handle)
        .values(person_id=person_id, platform=author.platform, key=key, **values)
        .on_conflict_do_nothing(index_elements=["platform", "key"])
        .returning(Handle.id)
    ).scalar_one_or_none()
    if handle_id is not None:
        return handle_id, person_id
    # An overlapping run created the handle first: use theirs, drop our spare person.
    if created:
        session.execute(delete(Person).where(Person.id == person_id))
    row = session.execute(
        select(Handle.id, Handle.person_id).where(
            Handle.platform == author.platform, Handle.key == key
        )
    ).one()
    return row.id, row.person_id


def _person_by_email(session: Session, email: str | None) -> int | None:
    # The same email on two platforms is one customer: their history follows them.
    if not email or "@" not in email:
        return None
    # Two runs meeting one new email at once must agree on one person.
    key = _email_key(email)
    advisory_lock(session, f"simak-email:{key}")
    # SQLite's lower() folds only A-Z: a non-ASCII address is lowered as PostgreSQL does
    # (a Python function on SQLite, so only then: ASCII, the usual, keeps the quick one).
    stored = func.lower(Person.email) if key.isascii() else lowered(Person.email)
    return session.scalar(
        select(Person.id)
        .where(stored == key, Person.merged_into_id.is_(None))
        .order_by(Person.id)
        .limit(1)
    )


def _email_key(email: str) -> str:
    """How email addresses compare: one address in any letter case is one customer."""
    return lower(email.strip())


def _refresh(session: Session, handle: Handle, author: Author) -> None:
    new_email = bool(author.email) and handle.email != author.email
    for attr in _REFRESHED:
        value = getattr(author, attr)
        if value and getattr(handle, attr) != value:
            setattr(handle, attr, value)
    if new_email:
        session.execute(
            update(Person)
            .where(Person.id == handle.person_id, Person.email.is_(None))
            .values(email=author.email)
        )


def suggest_same_person(
    session: Session, person_id: int, other_id: int, reason: str, now: datetime
) -> None:
    """Record (once) that two people may be one; staff decide with merge or reject."""
    if person_id == other_id:
        return
    low, high = sorted((person_id, other_id))
    session.execute(
        insert(session, MergeSuggestion)
        .values(person_id=low, other_id=high, reason=reason, status="open", created_at=now)
        .on_conflict_do_nothing(index_elements=["person_id", "other_id"])
    )


def open_suggestions(session: Session, limit: int = 200) -> list[Suggestion]:
    """Merge suggestions nobody decided yet, oldest first."""
    rows = session.scalars(
        select(MergeSuggestion)
        .where(MergeSuggestion.status == "open")
        .order_by(MergeSuggestion.id)
        .limit(limit)
    )
    return [
        Suggestion(r.id, r.person_id, r.other_id, r.reason, r.status, r.created_at) for r in rows
    ]


def _live_person(session: Session, person_id: int) -> Person:
    """The person, row-locked for this transaction (``FOR UPDATE``; SQLite has one writer),
    refused when merged into someone: read under the lock, so two merges of the same people
    (A into B and B into A, or A into B and into C) run one after the other."""
    person = session.get(Person, person_id, with_for_update=True, populate_existing=True)
    if person is None:
        raise no_such_person(person_id)
    if person.merged_into_id is not None:
        raise ConflictError(
            f"person {person_id} was merged into {person.merged_into_id}; "
            f"use {person.merged_into_id} or unmerge first"
        )
    return person


def merge(
    session: Session, kept_id: int, merged_id: int, actor: str, now: datetime, reason: str = ""
) -> MergeRecord:
    """Merge ``merged_id`` into ``kept_id``; reversible with :func:`unmerge`."""
    if kept_id == merged_id:
        raise ConflictError(f"person {kept_id} cannot be merged into itself")
    # one of them may be marked "do not contact": approvals and claims in flight first
    contact_lock(session, exclusive=True)
    # locked in id order, so two merges sharing a person cannot deadlock
    live = {pid: _live_person(session, pid) for pid in sorted((kept_id, merged_id))}
    kept, gone = live[kept_id], live[merged_id]
    # locked and read again: an unmerge in flight may be giving some back to their owner
    handle_ids = list(
        session.scalars(select(Handle.id).where(Handle.person_id == gone.id).with_for_update())
    )
    folded = _fold_conversations(session, kept.id, gone.id, actor, now)
    _move_handles(session, handle_ids, kept.id)
    gone.merged_into_id = kept.id
    if not kept.email and gone.email:
        kept.email = gone.email
    row = PersonMerge(
        kept_id=kept.id,
        merged_id=gone.id,
        handle_ids=handle_ids,
        folded=folded,
        reason=reason or None,
        actor=actor,
        at=now,
    )
    session.add(row)
    low, high = sorted((kept.id, gone.id))
    session.execute(
        update(MergeSuggestion)
        .where(MergeSuggestion.person_id == low, MergeSuggestion.other_id == high)
        .values(status="accepted", decided_by=actor, decided_at=now)
    )
    session.flush()
    record(
        session,
        actor=actor,
        action="merge_people",
        entity="person",
        entity_id=kept.id,
        now=now,
        detail=f"merged {gone.id} into {kept.id} ({len(handle_ids)} handles)",
    )
    return _merge_record(row)


def unmerge(session: Session, merge_id: int, actor: str, now: datetime) -> MergeRecord:
    """Undo a recorded merge: the merged person gets its handles (and their history) back.

    Both people are row-locked first, in id order, as :func:`merge` locks them: a merge of
    either one (into someone else) runs wholly before or after, never on half-moved handles.
    """
    row = session.get(PersonMerge, merge_id)
    if row is None:
        raise NotFound(
            f"merge {merge_id} does not exist; `simak people show PERSON_ID` lists their merges"
        )
    session.execute(
        select(Person.id)
        .where(Person.id.in_((row.kept_id, row.merged_id)))
        .order_by(Person.id)
        .with_for_update()
    ).all()
    done = session.execute(
        update(PersonMerge)
        .where(PersonMerge.id == merge_id, PersonMerge.undone_at.is_(None))
        .values(undone_at=now, undone_by=actor)
        .returning(PersonMerge.id)
    ).scalar_one_or_none()
    if done is None:
        raise ConflictError(f"merge {merge_id} was already undone")
    session.execute(update(Person).where(Person.id == row.merged_id).values(merged_into_id=None))
    for owner, ids in _rightful_owners(session, list(row.handle_ids)).items():
        _move_handles(session, ids, owner)
    _return_email(session, row.kept_id, row.merged_id)
    _unfold_conversations(session, row.folded or [], actor, now)
    record(
        session,
        actor=actor,
        action="unmerge_people",
        entity="person",
        entity_id=row.merged_id,
        now=now,
        detail=f"undid merge {merge_id}: {row.merged_id} split from {row.kept_id}",
    )
    session.refresh(row)
    return _merge_record(row)


def _return_email(session: Session, kept_id: int, merged_id: int) -> None:
    """The merge lent the kept person the merged one's email when it had none: after the
    unmerge it keeps only an address one of its own handles gave (else none), so new posts
    with that address are not linked to it, and forgetting the other person takes it too."""
    kept, gone = session.get(Person, kept_id), session.get(Person, merged_id)
    lent = _email_key(kept.email) if kept and kept.email else None
    if kept is None or gone is None or not lent or lent != _email_key(gone.email or ""):
        return
    own = [
        e
        for e in session.scalars(
            select(Handle.email).where(Handle.person_id == kept_id).order_by(Handle.id)
        )
        if e
    ]
    if lent not in {_email_key(e) for e in own}:
        kept.email = own[0] if own else None


def _rightful_owners(session: Session, handle_ids: list[int]) -> dict[int, list[int]]:
    """Who should hold each handle under the merges still in force: the person it first
    belonged to (the merged person of the oldest merge that moved it, else its holder),
    or whoever that person is merged into now. Merges undone out of order (an older one
    first) thus never hand a handle to someone it no longer belongs to."""
    home = dict(
        session.execute(select(Handle.id, Handle.person_id).where(Handle.id.in_(handle_ids))).all()
    )
    first: dict[int, int] = {}
    wanted = set(home)
    for merged_id, moved in session.execute(
        select(PersonMerge.merged_id, PersonMerge.handle_ids).order_by(PersonMerge.id)
    ):
        for hid in wanted.intersection(moved) - first.keys():
            first[hid] = merged_id
    owners: dict[int, list[int]] = {}
    for hid in sorted(home):
        owners.setdefault(root_person(session, first.get(hid, home[hid])), []).append(hid)
    return owners


def reject_suggestion(session: Session, suggestion_id: int, actor: str, now: datetime) -> None:
    """Staff say the two people are different; the suggestion is closed."""
    done = session.execute(
        update(MergeSuggestion)
        .where(MergeSuggestion.id == suggestion_id, MergeSuggestion.status == "open")
        .values(status="rejected", decided_by=actor, decided_at=now)
        .returning(MergeSuggestion.id)
    ).scalar_one_or_none()
    if done is None:
        raise ConflictError(f"suggestion {suggestion_id} does not exist or was already decided")


def _move_handles(session: Session, handle_ids: list[int], person_id: int) -> None:
    """Give ``handle_ids`` to ``person_id``; their mentions, follow-ups and ideas follow."""
    if not handle_ids:
        return
    session.execute(
        update(Handle).where(Handle.id.in_(handle_ids)).values(person_id=person_id),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(MentionRow).where(MentionRow.handle_id.in_(handle_ids)).values(person_id=person_id),
        execution_options={"synchronize_session": False},
    )
    moved = select(MentionRow.id).where(MentionRow.handle_id.in_(handle_ids))
    for table in (FollowUp, Idea):
        session.execute(
            update(table).where(table.mention_id.in_(moved)).values(person_id=person_id),
            execution_options={"synchronize_session": False},
        )
    session.expire_all()


def merges_of(session: Session, person_id: int) -> list[MergeRecord]:
    """Merges this person took part in, newest first."""
    rows = session.scalars(
        select(PersonMerge)
        .where((PersonMerge.kept_id == person_id) | (PersonMerge.merged_id == person_id))
        .order_by(PersonMerge.id.desc())
    )
    return [_merge_record(r) for r in rows]


def _merge_record(row: PersonMerge) -> MergeRecord:
    touched = sorted({f[k] for f in row.folded or [] for k in ("from", "into")})
    return MergeRecord(
        row.id,
        row.kept_id,
        row.merged_id,
        len(row.handle_ids),
        row.actor,
        row.at,
        row.undone_at,
        tuple(touched),
    )


def _fold_conversations(
    session: Session, kept_id: int, gone_id: int, actor: str, now: datetime
) -> list[dict[str, Any]]:
    """One person has one open conversation per brand: the merged person's open ones give
    their posts to the kept person's and are dismissed (undone by unmerge)."""
    open_of = {
        (f.person_id, f.brand): f.id
        for f in session.scalars(
            select(FollowUp).where(
                FollowUp.kind == "conversation",
                FollowUp.person_id.in_((kept_id, gone_id)),
                FollowUp.status.in_(JOINABLE),
            )
        )
    }
    folded: list[dict[str, Any]] = []
    for (person, brand), fid in sorted(open_of.items()):
        into = open_of.get((kept_id, brand))
        if person != gone_id or into is None:
            continue
        mentions = list(
            session.scalars(
                select(ConversationPost.mention_id).where(ConversationPost.followup_id == fid)
            )
        )
        fold_conversation(
            session, fid, into, actor, now, f"joined conversation {into} (people merged)"
        )
        folded.append({"from": fid, "into": into, "mentions": mentions})
    return folded


def _unfold_conversations(
    session: Session, folded: list[dict[str, Any]], actor: str, now: datetime
) -> None:
    for fold in folded:
        # Only posts still by the conversation's person: a later merge may have moved some.
        owner = select(FollowUp.person_id).where(FollowUp.id == fold["from"]).scalar_subquery()
        theirs = select(MentionRow.id).where(
            MentionRow.id.in_(fold["mentions"]), MentionRow.person_id == owner
        )
        session.execute(
            update(ConversationPost)
            .where(ConversationPost.mention_id.in_(theirs))
            .values(followup_id=fold["from"])
            .execution_options(synchronize_session=False)
        )
        try:
            with session.begin_nested():
                change(
                    session,
                    fold["from"],
                    allowed=("dismissed",),
                    actor=actor,
                    now=now,
                    to="open",
                    note="people unmerged: its posts are back",
                )
        except (ConflictError, IntegrityError):
            pass  # the person has another open conversation now; this one stays closed
