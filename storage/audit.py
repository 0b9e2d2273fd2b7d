"""The audit log: who changed what, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditLog, FollowUpEvent

FOLLOWUP: Final = "followup"
#: What audit entries are about (``entity``), for filters.
ENTITIES: Final = (FOLLOWUP, "mention", "idea_group", "idea_board", "person", "user")
#: The actor of automatic changes (polls, grouping, workers): not an owner's decision.
AUTOMATIC: Final = "simak"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change as read back: an audit-log entry (``log`` "audit"; no personal data is
    ever written there, an erasure records counts only) or a follow-up's status change
    (``log`` "followup": approvals, edits, sends, snoozes, dismissals; ``action`` is the
    new status, ``detail`` the old one and the note)."""

    log: str
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    detail: str | None


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    now: datetime,
    detail: str | None = None,
) -> None:
    """Append one audit entry in the caller's transaction."""
    session.add(
        AuditLog(
            at=now,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            detail=detail,
        )
    )


def entries(
    session: Session,
    *,
    since: datetime | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int | None = 50,
) -> list[AuditEntry]:
    """Audit entries and follow-up status changes matching every filter given, newest
    first (at most ``limit``)."""
    found = _logged(session, since, entity, entity_id, actor, action, limit)
    if entity in (None, FOLLOWUP):
        found += _followup_events(session, since, entity_id, actor, action, limit)
    found.sort(key=lambda e: (e.at, e.log == "audit", e.id), reverse=True)
    return found[:limit] if limit is not None else found


def _logged(
    session: Session,
    since: datetime | None,
    entity: str | None,
    entity_id: str | None,
    actor: str | None,
    action: str | None,
    limit: int | None,
) -> list[AuditEntry]:
    query = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if since is not None:
        query = query.where(AuditLog.at >= since)
    for column, wanted in (
        (AuditLog.entity, entity),
        (AuditLog.entity_id, entity_id),
        (AuditLog.actor, actor),
        (AuditLog.action, action),
    ):
        if wanted is not None:
            query = query.where(column == wanted)
    return [
        AuditEntry("audit", a.id, a.at, a.actor, a.action, a.entity, a.entity_id, a.detail)
        for a in session.scalars(query)
    ]


def _followup_events(
    session: Session,
    since: datetime | None,
    entity_id: str | None,
    actor: str | None,
    action: str | None,
    limit: int | None,
) -> list[AuditEntry]:
    query = select(FollowUpEvent).order_by(FollowUpEvent.at.desc(), FollowUpEvent.id.desc())
    if since is not None:
        query = query.where(FollowUpEvent.at >= since)
    if entity_id is not None:
        if not entity_id.isdigit():
            return []
        query = query.where(FollowUpEvent.followup_id == int(entity_id))
    if actor is not None:
        query = query.where(FollowUpEvent.actor == actor)
    if action is not None:
        query = query.where(FollowUpEvent.to_status == action)
    out = []
    for e in session.scalars(query.limit(limit)):
        detail = f"from {e.from_status}" if e.from_status else "created"
        if e.note:
            detail += f": {e.note}"
        out.append(
            AuditEntry(
                "followup", e.id, e.at, e.actor, e.to_status, FOLLOWUP, str(e.followup_id), detail
            )
        )
    return out
