"""The outbox: atomic claims of approved follow-ups, one receipt per attempt, honest unknowns.

Sending is ``approved → sending → sent | failed | unknown | handed_to_staff`` (or back to
``approved`` when the provider asked to wait, or the next channel is tried). The claim is
one compare-and-set that only one sender can win (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
SQLite's single writer elsewhere) and it writes the delivery row in the same transaction,
before any provider is called. A delivery still ``sending`` after its lease ran out was
interrupted between the provider call and the commit: it becomes ``unknown`` (after a
read-back where the platform allows one), never a blind resend.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from common.errors import ConflictError
from common.records import Recipient
from storage.contactable import blocked, contact_lock, may_contact
from storage.dialect import lock_ids
from storage.followups import SENDABLE, change, recipient_of
from storage.models import Delivery, FollowUp, FollowUpEvent, MentionRow, Person

#: Where a finished attempt leaves the follow-up.
FOLLOWUP_AFTER: Final = {
    "sent": "sent",
    "handed_to_staff": "handed_to_staff",
    "failed": "failed",
    "unknown": "unknown",
    "retry": "approved",
    "unreachable": "approved",
}


@dataclass(frozen=True, slots=True)
class Claim:
    """One delivery attempt this sender owns until ``lease_expires_at``."""

    delivery_id: int
    followup_id: int
    attempt: int
    channel: str
    recipient: Recipient
    idempotency_key: str
    subject: str
    body: str
    lang: str
    label: str
    lease_expires_at: datetime
    started_at: datetime
    link: str | None = None  # the person's public post
    kind: str = "conversation"
    blocked: str | None = None  # "do not contact" marked after the claim: no channel may send


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an attempt ended (see :data:`FOLLOWUP_AFTER`)."""

    status: str
    detail: str = ""
    external_id: str | None = None
    retry_at: datetime | None = None
    next_channel: str | None = None  # for "unreachable": the channel to try next


def _which(
    followup_id: int | None, version: int | None, channels: tuple[str, ...] | None
) -> list[ColumnElement[bool]]:
    which: list[ColumnElement[bool]] = [FollowUp.status.in_(SENDABLE)]
    if followup_id is not None:
        which.append(FollowUp.id == followup_id)
    if version is not None:
        which.append(FollowUp.version == version)
    if channels:
        which.append(FollowUp.channel.in_(channels))
    return which


def claim(
    session: Session,
    holder: str,
    now: datetime,
    lease: timedelta,
    *,
    followup_id: int | None = None,
    version: int | None = None,
    channels: tuple[str, ...] | None = None,
    exclude_channels: tuple[str, ...] = (),
    limit: int = 1,
) -> list[Claim]:
    """Claim up to ``limit`` approved follow-ups that may go now (not waiting on a rate
    limit, to someone who may be contacted); each gets a ``sending`` delivery row owned by
    ``holder``. A "do not contact" mark is part of the compare-and-set: a follow-up to a
    marked person is never claimed (:func:`refuse_blocked` fails it instead), nor one whose
    person a mark in flight will bar: the claim waits for it (the contact lock)."""
    contact_lock(session)
    due = _which(followup_id, version, channels)
    due.append((FollowUp.send_after.is_(None)) | (FollowUp.send_after <= now))
    if exclude_channels:
        due.append(FollowUp.channel.not_in(exclude_channels))
    due.append(may_contact())
    candidates = lock_ids(
        session,
        select(FollowUp.id)
        .where(*due)
        .order_by(FollowUp.priority.desc(), FollowUp.id)
        .limit(limit),
    )
    if not candidates:
        return []
    won = _attempt(session, candidates, due, "sending", now)
    return [_start(session, row, holder, now, lease) for row in won]


def _attempt(
    session: Session, ids: list[int], which: list[ColumnElement[bool]], to: str, now: datetime
) -> list[FollowUp]:
    """The compare-and-set of an attempt: those of ``ids`` still matching ``which`` move to
    ``to`` with one more attempt and a new version; returns them in id order."""
    rows = session.execute(
        update(FollowUp)
        .where(FollowUp.id.in_(ids), *which)
        .values(
            status=to, attempts=FollowUp.attempts + 1, version=FollowUp.version + 1, updated_at=now
        )
        .returning(FollowUp)
        .execution_options(synchronize_session=False)
    ).scalars()
    return sorted(rows, key=lambda r: r.id)


@dataclass(frozen=True, slots=True)
class Refused:
    """An approved follow-up failed without any channel called: its person (or someone
    merged with them) asked not to be contacted."""

    followup_id: int
    channel: str
    why: str  # "do not contact: …"


def refuse_blocked(
    session: Session,
    holder: str,
    actor: str,
    now: datetime,
    *,
    followup_id: int | None = None,
    version: int | None = None,
    channels: tuple[str, ...] | None = None,
) -> list[Refused]:
    """Fail every approved follow-up (of those selected) to someone who must not be
    contacted, by one compare-and-set (``approved → failed``), each with a failed delivery
    attempt saying why; no provider is called. Staff dismiss them, or lift the mark and
    retry."""
    which = [*_which(followup_id, version, channels), ~may_contact()]
    ids = lock_ids(session, select(FollowUp.id).where(*which).order_by(FollowUp.id))
    if not ids:
        return []
    rows = _attempt(session, ids, which, "failed", now)
    return [_refused(session, row, (holder, actor), now) for row in rows]


def _refused(session: Session, row: FollowUp, who: tuple[str, str], now: datetime) -> Refused:
    holder, actor = who
    why = blocked(session, row.person_id) or "do not contact: set by staff"
    session.execute(update(FollowUp).where(FollowUp.id == row.id).values(status_note=why))
    session.add(_new_attempt(row, holder, now, "failed", now, finished_at=now, detail=why))
    session.add(_event(row.id, "failed", actor, now, why))
    session.flush()
    return Refused(row.id, row.channel, why)


def _start(session: Session, row: FollowUp, holder: str, now: datetime, lease: timedelta) -> Claim:
    mention = session.execute(
        select(MentionRow.platform, MentionRow.url).where(MentionRow.id == row.mention_id)
    ).one_or_none()
    recipient = recipient_of(row.recipient, mention.platform if mention else "")
    delivery = _new_attempt(row, holder, now, "sending", now + lease)
    session.add(delivery)
    session.add(_event(row.id, "sending", holder, now, f"attempt {row.attempts} via {row.channel}"))
    session.flush()
    return Claim(
        delivery_id=delivery.id,
        followup_id=row.id,
        attempt=row.attempts,
        channel=row.channel,
        recipient=recipient,
        idempotency_key=row.idempotency_key,
        subject=row.subject,
        body=row.draft,
        lang=row.lang,
        label=row.label,
        lease_expires_at=now + lease,
        started_at=now,
        link=mention.url if mention else None,
        kind=row.kind,
        blocked=blocked(session, row.person_id),
    )


def _new_attempt(
    row: FollowUp,
    holder: str,
    now: datetime,
    status: str,
    lease_expires_at: datetime,
    *,
    finished_at: datetime | None = None,
    detail: str | None = None,
) -> Delivery:
    """A delivery attempt of the approved follow-up ``row``, as it stands now."""
    return Delivery(
        followup_id=row.id,
        attempt=row.attempts,
        channel=row.channel,
        recipient=dict(row.recipient or {}),
        idempotency_key=row.idempotency_key,
        subject=row.subject,
        body=row.draft,
        status=status,
        claimed_by=holder,
        lease_expires_at=lease_expires_at,
        started_at=now,
        finished_at=finished_at,
        detail=detail,
    )


def _event(followup_id: int, to_status: str, actor: str, now: datetime, note: str) -> FollowUpEvent:
    """The approved follow-up's move to ``to_status``, for its history."""
    return FollowUpEvent(
        followup_id=followup_id,
        from_status="approved",
        to_status=to_status,
        actor=actor,
        at=now,
        note=note,
    )


def settle(session: Session, claim: Claim, outcome: Outcome, actor: str, now: datetime) -> str:
    """Record how an attempt ended; returns the follow-up's new status.

    A definite answer is recorded even when the lease had run out and the attempt was
    already marked unknown: a receipt is proof of delivery.
    """
    target = FOLLOWUP_AFTER[outcome.status]
    finished = session.execute(
        update(Delivery)
        .where(Delivery.id == claim.delivery_id, Delivery.status.in_(("sending", "unknown")))
        .values(
            status=outcome.status,
            finished_at=now,
            external_id=outcome.external_id,
            detail=outcome.detail or None,
            retry_at=outcome.retry_at,
        )
        .returning(Delivery.id)
    ).scalar_one_or_none()
    if finished is None:
        raise ConflictError(
            f"delivery attempt {claim.attempt} of follow-up {claim.followup_id} was settled by "
            "someone else; see `simak followup show`"
        )
    values = _followup_values(outcome, now)
    change(
        session,
        claim.followup_id,
        allowed=("sending", "unknown"),
        actor=actor,
        now=now,
        to=target,
        note=outcome.detail or outcome.status,
        values=values,
    )
    if outcome.status == "sent":
        _contacted(session, claim.followup_id, now)
    return target


def _followup_values(outcome: Outcome, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {"status_note": outcome.detail or None}
    if outcome.status == "sent":
        values.update(sent_at=now, external_message_id=outcome.external_id, send_after=None)
    elif outcome.status == "retry":
        values.update(send_after=outcome.retry_at)
    elif outcome.status == "unreachable":
        values.update(channel=outcome.next_channel, channel_note=outcome.detail, send_after=None)
    return values


def _contacted(session: Session, followup_id: int, now: datetime) -> None:
    person = select(FollowUp.person_id).where(FollowUp.id == followup_id).scalar_subquery()
    session.execute(update(Person).where(Person.id == person).values(last_contacted_at=now))


def free_at(
    session: Session, channel: str, per_minute: int | None, per_day: int | None, now: datetime
) -> datetime | None:
    """None when ``channel`` may send now within its limits, else when it may again.

    The counts are the channel's delivery attempts in the database, so every sender on
    every machine shares them (take :func:`storage.dialect.advisory_lock` on
    ``simak-send-budget`` around this and the claim so two senders cannot both fit).
    """
    waits: list[datetime] = []
    for limit, window in ((per_minute, timedelta(minutes=1)), (per_day, timedelta(days=1))):
        if not limit:
            continue
        recent = (
            select(Delivery.started_at)
            .where(Delivery.channel == channel, Delivery.started_at > now - window)
            .order_by(Delivery.started_at.desc())
            .limit(limit)
        )
        times = list(session.scalars(recent))
        if len(times) >= limit:
            waits.append(min(times) + window)
    return max(waits) if waits else None


@dataclass(frozen=True, slots=True)
class Approved:
    """An approved follow-up as a sender would see it (for dry runs)."""

    followup_id: int
    channel: str
    recipient: Recipient
    subject: str
    body: str
    send_after: datetime | None
    blocked: str | None = None  # "do not contact: …": a send would refuse it
    label: str = "complaint"  # the label whose rule lists the channels to fall back on
    channel_note: str | None = None  # why it is on ``channel`` (channels passed over)
    kind: str = "conversation"  # conversation, notice, reminder… (FollowUp.kind)


def approved(
    session: Session, now: datetime, channels: tuple[str, ...] | None = None
) -> list[Approved]:
    """Every approved follow-up, in the order senders claim them."""
    query = select(FollowUp, MentionRow.platform).outerjoin(
        MentionRow, MentionRow.id == FollowUp.mention_id
    )
    query = query.where(FollowUp.status == "approved")
    if channels:
        query = query.where(FollowUp.channel.in_(channels))
    rows = session.execute(query.order_by(FollowUp.priority.desc(), FollowUp.id)).all()
    return [
        Approved(
            f.id,
            f.channel,
            recipient_of(f.recipient, platform or ""),
            f.subject,
            f.draft,
            f.send_after if f.send_after and f.send_after > now else None,
            blocked(session, f.person_id),
            f.label,
            f.channel_note,
            f.kind,
        )
        for f, platform in rows
    ]


def waiting(session: Session, channel: str, ready_at: datetime | None = None) -> int:
    """Approved follow-ups queued on ``channel`` (with ``ready_at``: only those free to go
    then, not those backing off after a transient error)."""
    query = select(func.count()).select_from(FollowUp)
    query = query.where(FollowUp.status == "approved", FollowUp.channel == channel)
    if ready_at is not None:
        query = query.where(or_(FollowUp.send_after.is_(None), FollowUp.send_after <= ready_at))
    return int(session.scalar(query) or 0)


def backing_off(session: Session, now: datetime) -> tuple[int, datetime | None]:
    """Approved follow-ups that wait for a retry after a transient error: how many, and
    the earliest time one may go again."""
    row = session.execute(
        select(func.count(), func.min(FollowUp.send_after)).where(
            FollowUp.status == "approved", FollowUp.send_after > now
        )
    ).one()
    return int(row[0] or 0), row[1]


def sending_holders(session: Session) -> list[str]:
    """Senders with attempts in flight (to check which of them died)."""
    return list(
        session.scalars(select(Delivery.claimed_by).where(Delivery.status == "sending").distinct())
    )


def take_stale(
    session: Session,
    holder: str,
    now: datetime,
    lease: timedelta,
    dead: Collection[str] = (),
    limit: int = 100,
) -> list[Claim]:
    """Attempts left ``sending`` by a sender that died (lease run out, or its holder in
    ``dead``): claim them for a read-back; the caller settles each (sent, or unknown
    when nobody can tell)."""
    abandoned = (Delivery.status == "sending") & (
        (Delivery.lease_expires_at < now) | Delivery.claimed_by.in_(tuple(dead))
    )
    stale = lock_ids(
        session, select(Delivery.id).where(abandoned).order_by(Delivery.id).limit(limit)
    )
    if not stale:
        return []
    rows = session.execute(
        update(Delivery)
        .where(Delivery.id.in_(stale), abandoned)
        .values(claimed_by=holder, lease_expires_at=now + lease)
        .returning(Delivery)
        .execution_options(synchronize_session=False)
    ).scalars()
    return [_claim_of(session, d) for d in sorted(rows, key=lambda d: d.id)]


def _claim_of(session: Session, d: Delivery) -> Claim:
    row = session.execute(
        select(FollowUp.lang, FollowUp.label, FollowUp.kind, MentionRow.platform, MentionRow.url)
        .outerjoin(MentionRow, MentionRow.id == FollowUp.mention_id)
        .where(FollowUp.id == d.followup_id)
    ).one()
    return Claim(
        delivery_id=d.id,
        followup_id=d.followup_id,
        attempt=d.attempt,
        channel=d.channel,
        recipient=recipient_of(d.recipient, row.platform or ""),
        idempotency_key=d.idempotency_key,
        subject=d.subject,
        body=d.body,
        lang=row.lang,
        label=row.label,
        lease_expires_at=d.lease_expires_at,
        started_at=d.started_at,
        link=row.url,
        kind=row.kind,
    )


#: Holder of attempts whose read-back must wait: never "dead", so only the lease counts.
READ_BACK_WAIT = "read-back-wait"


def postpone(session: Session, claim: Claim, until: datetime) -> None:
    """Leave an interrupted attempt in flight until ``until``, when it is read back again
    (the platform needs time before "not found" means "not delivered")."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == claim.delivery_id, Delivery.status == "sending")
        .values(claimed_by=READ_BACK_WAIT, lease_expires_at=until)
    )


def resolve_unknown(
    session: Session,
    followup_id: int,
    delivered: bool,
    actor: str,
    now: datetime,
    external_id: str | None = None,
) -> str:
    """A person's decision on an unknown outcome: delivered (→ sent) or not (→ approved,
    so the next send makes a new attempt with the same idempotency key)."""
    if delivered:
        values: dict[str, Any] = {"sent_at": now, "external_message_id": external_id}
        note = "a person confirmed it was delivered"
        target = "sent"
    else:
        values = {"approved_by": actor, "approved_at": now, "send_after": None}
        note = "a person confirmed it was not delivered; it will be sent again"
        target = "approved"
    values["status_note"] = note
    change(
        session,
        followup_id,
        allowed=("unknown",),
        actor=actor,
        now=now,
        to=target,
        note=note,
        values=values,
    )
    _settle_unknown_attempt(session, followup_id, delivered, actor, external_id)
    if delivered:
        _contacted(session, followup_id, now)
    return target


def _settle_unknown_attempt(
    session: Session, followup_id: int, delivered: bool, actor: str, external_id: str | None
) -> None:
    """The last unknown attempt takes the person's answer (``sent``, or ``retry``: it goes
    again), so the delivery history and ``simak_deliveries`` stop showing it as unknown."""
    last = (
        select(func.max(Delivery.attempt))
        .where(Delivery.followup_id == followup_id, Delivery.status == "unknown")
        .scalar_subquery()
    )
    found = "delivered" if delivered else "not delivered"
    session.execute(
        update(Delivery)
        .where(Delivery.followup_id == followup_id, Delivery.attempt == last)
        .values(
            status="sent" if delivered else "retry",
            external_id=external_id if delivered else Delivery.external_id,
            detail=f"{actor} found it {found}; before: " + func.coalesce(Delivery.detail, ""),
        )
    )
