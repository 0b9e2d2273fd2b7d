"""What waits in the outbox, read-only: approved follow-ups as a sender would see them, how
many wait on a channel or back off after a transient error, and when a channel's rate
limits let it send again (counted from the delivery rows every sender shares). Claims and
receipts are :mod:`storage.outbox`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from common.records import Recipient
from storage.contactable import blocked
from storage.followups import recipient_of
from storage.models import Delivery, FollowUp, MentionRow


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
