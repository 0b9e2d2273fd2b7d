"""Reversible merges of people.

A merge moves the merged person's handles (:mod:`storage.handles`) to the kept person and
records exactly which handles moved, so ``unmerge`` restores both people — their mentions,
follow-ups and ideas follow the handles. A merge accepts the two people's open suggestion
(:mod:`storage.merge_suggestions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.errors import ConflictError, NotFound
from storage.audit import record
from storage.contactable import contact_lock, root_person
from storage.followups import change, fold_conversation
from storage.handles import email_key
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
    lent = email_key(kept.email) if kept and kept.email else None
    if kept is None or gone is None or not lent or lent != email_key(gone.email or ""):
        return
    own = [
        e
        for e in session.scalars(
            select(Handle.email).where(Handle.person_id == kept_id).order_by(Handle.id)
        )
        if e
    ]
    if lent not in {email_key(e) for e in own}:
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
