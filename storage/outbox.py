"""The outbox's claims and receipts: atomic claims of approved follow-ups, one receipt per
attempt.

Sending is ``approved → sending → sent | failed | unknown | handed_to_staff`` (or back to
``approved`` when the provider asked to wait, or the next channel is tried). The claim is
one compare-and-set that only one sender can win (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
SQLite's single writer elsewhere) and it writes the delivery row in the same transaction,
before any provider is called. Attempts interrupted before their receipt (honest unknowns)
are :mod:`storage.outbox_recovery`'s job; what waits to go, :mod:`storage.outbox_pending`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, select, update
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
        contacted(session, claim.followup_id, now)
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


def contacted(session: Session, followup_id: int, now: datetime) -> None:
    """The follow-up's person was reached now (``last_contacted_at``)."""
    person = select(FollowUp.person_id).where(FollowUp.id == followup_id).scalar_subquery()
    session.execute(update(Person).where(Person.id == person).values(last_contacted_at=now))
