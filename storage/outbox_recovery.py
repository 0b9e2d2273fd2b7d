"""Interrupted attempts in the outbox (honest unknowns): a delivery still ``sending`` after
its lease ran out, or whose sender died, was interrupted between the provider call and the
commit. It is taken for a read-back where the platform allows one (or left in flight until
the platform can tell), else it becomes ``unknown`` and a person decides: never a blind
resend. Claims and receipts are :mod:`storage.outbox`'s.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.dialect import lock_ids
from storage.followups import change, recipient_of
from storage.models import Delivery, FollowUp, MentionRow
from storage.outbox import Claim, contacted


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
    version: int | None = None,
) -> str:
    """A person's decision on an unknown outcome: delivered (→ sent) or not (→ approved,
    so the next send makes a new attempt with the same idempotency key); at ``version``
    when given (the one the console's page showed)."""
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
        version=version,
        to=target,
        note=note,
        values=values,
    )
    _settle_unknown_attempt(session, followup_id, delivered, actor, external_id)
    if delivered:
        contacted(session, followup_id, now)
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
