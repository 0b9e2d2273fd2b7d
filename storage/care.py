"""Caring for people: notes, "do not contact", loyal customers to thank, gift vouchers.

"At most one reminder per person per period" is a unique constraint (per merge root too:
people merged into one human share one); a voucher is taken by one compare-and-set, so a
code is never given twice and never promised when none is left.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, true, update
from sqlalchemy.orm import Session

from common.errors import ConflictError
from common.records import FollowUpPlan, Recipient
from storage.audit import record
from storage.contactable import blocked, contact_lock, merged_with, root_person
from storage.dialect import insert, lock_ids
from storage.followups import recipient_json
from storage.ids import chunked
from storage.models import (
    ClassificationRow,
    FollowUp,
    FollowUpEvent,
    Handle,
    MentionRow,
    Person,
    PersonNote,
    Reminder,
    Voucher,
)
from storage.people_search import no_such_person


@dataclass(frozen=True, slots=True)
class Loyal:
    """A customer whose praise passes the loyalty threshold."""

    person_id: int
    name: str | None
    positive: int
    last_positive_at: datetime
    last_contacted_at: datetime | None
    do_not_contact: bool


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise no_such_person(person_id)
    return person


def add_note(session: Session, person_id: int, text: str, author: str, now: datetime) -> int:
    """Keep a note about a person for colleagues; returns its id."""
    _person(session, person_id)
    if not text.strip():
        raise ConflictError("the note is empty; write what colleagues should know")
    note = PersonNote(person_id=person_id, author=author, text=text.strip(), at=now)
    session.add(note)
    session.flush()
    return note.id


def set_do_not_contact(
    session: Session, person_id: int, actor: str, now: datetime, reason: str | None
) -> None:
    """Every channel refuses this person from now on (``reason`` None lifts it): once
    this commits, no approval or send claim for them (or anyone merged with them) does."""
    contact_lock(session, exclusive=True)  # waits for approvals and claims in flight
    person = _person(session, person_id)
    if reason is None:
        person.do_not_contact_at = person.do_not_contact_by = person.do_not_contact_reason = None
    else:
        person.do_not_contact_at, person.do_not_contact_by = now, actor
        person.do_not_contact_reason = reason or "asked not to be contacted"
    record(
        session,
        actor=actor,
        action="do_not_contact" if reason is not None else "may_contact",
        entity="person",
        entity_id=person_id,
        now=now,
        detail=reason,
    )


def _praising(since: datetime, *columns: Any) -> Select[Any]:
    """``columns`` over every post since ``since`` whose current classification praises
    (the loyalty test's posts: :func:`loyal_people` and :func:`regulars` count them)."""
    return (
        select(*columns)
        .join(
            ClassificationRow,
            (ClassificationRow.mention_id == MentionRow.id) & ClassificationRow.is_current,
        )
        .where(MentionRow.created_at >= since, ClassificationRow.praise >= 0.5)
    )


def loyal_people(
    session: Session,
    since: datetime,
    min_positive: int,
    quiet_before: datetime,
    brand: str | None = None,
) -> list[Loyal]:
    """People with at least ``min_positive`` praising posts since ``since`` (about
    ``brand``, when given) whom nobody contacted after ``quiet_before`` (merged-away people
    excluded)."""
    of_brand = MentionRow.brand == brand if brand is not None else true()
    praised = (
        _praising(
            since,
            MentionRow.person_id,
            func.count().label("positive"),
            func.max(MentionRow.created_at).label("last_positive"),
        )
        .where(MentionRow.person_id.is_not(None), of_brand)
        .group_by(MentionRow.person_id)
        .subquery()
    )
    rows = session.execute(
        select(Person, praised.c.positive, praised.c.last_positive)
        .join(praised, praised.c.person_id == Person.id)
        .where(
            praised.c.positive >= min_positive,
            Person.merged_into_id.is_(None),
            (Person.last_contacted_at.is_(None)) | (Person.last_contacted_at < quiet_before),
        )
        .order_by(praised.c.positive.desc(), Person.id)
    ).all()
    return [
        Loyal(
            p.id,
            p.display_name,
            int(n),
            last,
            p.last_contacted_at,
            blocked(session, p.id) is not None,
        )
        for p, n, last in rows
    ]


@dataclass(frozen=True, slots=True)
class Praise:
    """One praising post."""

    mention_id: int
    text: str
    lang: str
    brand: str


def praised_posts(session: Session, person_id: int, since: datetime) -> list[Praise]:
    """A person's praising posts since ``since``, newest first (at most five)."""
    rows = session.execute(
        select(MentionRow.id, MentionRow.text, ClassificationRow.lang, MentionRow.brand)
        .join(
            ClassificationRow,
            (ClassificationRow.mention_id == MentionRow.id) & ClassificationRow.is_current,
        )
        .where(
            MentionRow.person_id == person_id,
            MentionRow.created_at >= since,
            ClassificationRow.praise >= 0.5,
        )
        .order_by(MentionRow.created_at.desc())
        .limit(5)
    ).all()
    return [Praise(r.id, r.text, r.lang, r.brand) for r in rows]


def person_recipients(session: Session, person_id: int) -> list[Recipient]:
    """One recipient per handle of the person (their email on each), newest handle first."""
    person = _person(session, person_id)
    handles = session.scalars(
        select(Handle).where(Handle.person_id == person_id).order_by(Handle.id.desc())
    )
    return [
        Recipient(
            name=person.display_name, platform=h.platform, handle=h.handle, user_id=h.user_id,
            email=person.email or h.email,
        )
        for h in handles
    ] or [Recipient(name=person.display_name, platform="", email=person.email)]  # fmt: skip


def claim_reminder(session: Session, person_id: int, period: int, now: datetime) -> int | None:
    """Reserve this period's reminder for a person; None when one exists already, for them
    or for anyone merged with them (one human, one reminder).

    The row carries the merge root at claim time, and (root, period) is unique: two claims
    for two people merged into one human race on that constraint, and one loses. The read
    before it covers a reminder claimed before a merge (under its own root then)."""
    others = [p for p in merged_with(session, person_id) if p != person_id]
    if others and session.scalar(
        select(Reminder.id).where(Reminder.person_id.in_(others), Reminder.period == period)
    ):
        return None
    return session.execute(
        insert(session, Reminder)
        .values(
            person_id=person_id,
            root_id=root_person(session, person_id),
            period=period,
            created_at=now,
        )
        .on_conflict_do_nothing()  # either constraint: (person, period) or (root, period)
        .returning(Reminder.id)
    ).scalar_one_or_none()


def take_voucher(session: Session, pool: str, now: datetime) -> str | None:
    """One unused code from ``pool`` (never given twice); None when the pool is empty."""
    free = (Voucher.pool == pool) & Voucher.taken_at.is_(None)
    codes = lock_ids(session, select(Voucher.code).where(free).order_by(Voucher.code).limit(1))
    if not codes:
        return None
    return session.execute(
        update(Voucher)
        .where(Voucher.code == codes[0], free)
        .values(taken_at=now)
        .returning(Voucher.code)
    ).scalar_one_or_none()


def add_vouchers(session: Session, pool: str, codes: Sequence[str], now: datetime) -> int:
    """Add codes to a pool (a code already known is ignored); returns how many were new."""
    rows = [{"code": c.strip(), "pool": pool, "added_at": now} for c in codes if c.strip()]
    if not rows:
        return 0
    added = session.execute(
        insert(session, Voucher).on_conflict_do_nothing().returning(Voucher.code), rows
    ).all()
    return len(added)


def vouchers_left(session: Session, pool: str) -> int:
    """Unused codes in ``pool``."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Voucher)
            .where(Voucher.pool == pool, Voucher.taken_at.is_(None))
        )
        or 0
    )


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of ``keys`` a follow-up already holds (its idempotency key)."""
    rows = session.scalars(
        select(FollowUp.idempotency_key).where(FollowUp.idempotency_key.in_(keys))
    )
    return {k for k in rows if k is not None}


def key_holder(session: Session, keys: list[str]) -> int | None:
    """The (first) follow-up holding one of ``keys`` as its idempotency key, if any."""
    return session.scalar(select(func.min(FollowUp.id)).where(FollowUp.idempotency_key.in_(keys)))


def waiting_with_keys(session: Session, keys: list[str]) -> list[int]:
    """The follow-ups holding one of ``keys`` that are not sent yet (open, approved or
    snoozed), oldest first."""
    waiting = ("open", "approved", "snoozed")
    return list(
        session.scalars(
            select(FollowUp.id)
            .where(FollowUp.idempotency_key.in_(keys), FollowUp.status.in_(waiting))
            .order_by(FollowUp.id)
        )
    )


def create_standalone(
    session: Session,
    *,
    kind: str,
    plan: FollowUpPlan,
    person_id: int,
    brand: str,
    recipient: Recipient,
    key: str,
    now: datetime,
) -> int | None:
    """A follow-up that answers no post (a reminder, an announcement), once per ``key``."""
    fid = session.execute(
        insert(session, FollowUp)
        .values(
            kind=kind,
            mention_id=None,
            person_id=person_id,
            brand=brand,
            status="open",
            version=1,
            label=plan.label,
            priority=plan.priority,
            due_at=plan.due_at,
            channel=plan.channel,
            channel_note=plan.channel_note,
            status_note=plan.note,
            recipient=recipient_json(recipient),
            lang=plan.lang,
            subject=plan.subject,
            draft=plan.draft,
            attempts=0,
            idempotency_key=key,
            created_at=now,
            updated_at=now,
            last_post_at=now,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(FollowUp.id)
    ).scalar_one_or_none()
    if fid is not None:
        session.add(
            FollowUpEvent(
                followup_id=fid,
                from_status=None,
                to_status="open",
                actor="simak",
                at=now,
                note=f"{kind} drafted",
            )
        )
    return fid


def link_reminder(session: Session, reminder_id: int, followup_id: int) -> None:
    """Record which follow-up carries a reminder."""
    session.execute(
        update(Reminder).where(Reminder.id == reminder_id).values(followup_id=followup_id)
    )


def give_voucher(session: Session, code: str, followup_id: int) -> None:
    """Record which follow-up a taken code went into."""
    session.execute(update(Voucher).where(Voucher.code == code).values(followup_id=followup_id))


def regulars(
    session: Session, person_ids: Collection[int], since: datetime, min_positive: int
) -> set[int]:
    """Those of ``person_ids`` with at least ``min_positive`` praising posts since ``since``
    (the same test as :func:`loyal_people`, whoever contacted them); asked in chunks, so a
    board of any size stays within the databases' limits on bound parameters."""
    found: set[int] = set()
    for chunk in chunked(person_ids):
        rows = session.execute(
            _praising(since, MentionRow.person_id)
            .where(MentionRow.person_id.in_(chunk))
            .group_by(MentionRow.person_id)
            .having(func.count() >= min_positive)
        )
        found.update(pid for (pid,) in rows if pid is not None)
    return found
