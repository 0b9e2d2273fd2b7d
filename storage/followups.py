"""Follow-ups: creating them from plans, the staff queue, and audited transitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from common.errors import StorageError
from common.records import FollowUpPlan
from storage.models import ClassificationRow, FollowUp, FollowUpEvent, MentionRow, Person

STATUSES = ("open", "approved", "sent", "snoozed", "done", "dismissed")
ACTIVE_STATUSES = ("open", "approved", "snoozed")
_ALLOWED = {
    "open": {"approved", "snoozed", "done", "dismissed"},
    "approved": {"sent", "open", "done", "dismissed"},
    "snoozed": {"open", "approved", "done", "dismissed"},
    "sent": {"done"},
    "done": {"open"},
    "dismissed": {"open"},
}


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One row of the staff queue, with the context a person needs to act."""

    id: int
    mention_id: int
    status: str
    label: str
    labels: tuple[str, ...]
    priority: int
    due_at: datetime
    channel: str
    lang: str
    subject: str
    draft: str
    platform: str
    brand: str
    author: str
    person_id: int | None
    text: str
    url: str | None
    created_at: datetime


def create_followup(
    session: Session, plan: FollowUpPlan, person_id: int | None, now: datetime
) -> int | None:
    """Store a follow-up for a mention unless it already has one; return its id."""
    if session.scalar(select(FollowUp.id).where(FollowUp.mention_id == plan.mention_id)):
        return None
    row = FollowUp(
        mention_id=plan.mention_id,
        person_id=person_id,
        status="open",
        label=plan.label,
        priority=plan.priority,
        due_at=plan.due_at,
        channel=plan.channel,
        lang=plan.lang,
        subject=plan.subject,
        draft=plan.draft,
        idempotency_key=f"simak-fu-{plan.mention_id}",
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    session.add(
        FollowUpEvent(
            followup_id=row.id,
            from_status=None,
            to_status="open",
            actor="simak",
            at=now,
            note=f"routed as {plan.label}",
        )
    )
    return row.id


def transition(
    session: Session,
    followup_id: int,
    to_status: str,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> None:
    """Move a follow-up to ``to_status``, recording who did it; refuse illegal moves."""
    row = session.get(FollowUp, followup_id)
    if row is None:
        raise StorageError(f"follow-up {followup_id} does not exist; list them with `simak queue`")
    if to_status not in _ALLOWED.get(row.status, set()):
        raise StorageError(
            f"follow-up {followup_id} is {row.status}; it cannot become {to_status} "
            f"(allowed: {', '.join(sorted(_ALLOWED[row.status])) or 'none'})"
        )
    session.add(
        FollowUpEvent(
            followup_id=row.id,
            from_status=row.status,
            to_status=to_status,
            actor=actor,
            at=now,
            note=note,
        )
    )
    row.status, row.updated_at = to_status, now
    if to_status == "sent":
        row.sent_at = now


def _items(session: Session, condition: ColumnElement[bool], limit: int) -> list[QueueItem]:
    stmt = (
        select(FollowUp, MentionRow, Person.display_name, ClassificationRow.labels)
        .join(MentionRow, MentionRow.id == FollowUp.mention_id)
        .outerjoin(Person, Person.id == FollowUp.person_id)
        .outerjoin(
            ClassificationRow,
            (ClassificationRow.mention_id == MentionRow.id)
            & ClassificationRow.is_current.is_(True),
        )
        .where(condition)
        .order_by(
            case((FollowUp.label == "complaint", 0), else_=1),
            FollowUp.priority.desc(),
            FollowUp.due_at,
            FollowUp.id,
        )
        .limit(limit)
    )
    return [
        QueueItem(
            id=f.id,
            mention_id=m.id,
            status=f.status,
            label=f.label,
            labels=tuple(labels or ()),
            priority=f.priority,
            due_at=f.due_at,
            channel=f.channel,
            lang=f.lang,
            subject=f.subject,
            draft=f.draft,
            platform=m.platform,
            brand=m.brand,
            author=name or m.author_name or m.author_handle or "?",
            person_id=f.person_id,
            text=m.text,
            url=m.url,
            created_at=m.created_at,
        )
        for f, m, name, labels in session.execute(stmt).all()
    ]


def queue_items(
    session: Session, statuses: tuple[str, ...] = ACTIVE_STATUSES, limit: int = 500
) -> list[QueueItem]:
    """Follow-ups in ``statuses`` with their mention and person, in queue order."""
    return _items(session, FollowUp.status.in_(statuses), limit)


def get_item(session: Session, followup_id: int) -> QueueItem:
    """One follow-up with its context."""
    items = _items(session, FollowUp.id == followup_id, 1)
    if not items:
        raise StorageError(f"follow-up {followup_id} does not exist; list them with `simak queue`")
    return items[0]


def followup_of_mention(session: Session, mention_id: int) -> int | None:
    """The follow-up id of a mention, if it has one."""
    return session.scalar(select(FollowUp.id).where(FollowUp.mention_id == mention_id))


def snooze(session: Session, followup_id: int, until: datetime, actor: str, now: datetime) -> None:
    """Hide a follow-up until ``until`` (it comes back due then)."""
    transition(session, followup_id, "snoozed", actor, now, note=f"until {until.isoformat()}")
    row = session.get(FollowUp, followup_id)
    assert row is not None  # transition() checked it exists
    row.due_at = until


def edit_draft(
    session: Session, followup_id: int, subject: str | None, draft: str, actor: str, now: datetime
) -> None:
    """Replace the draft (and optionally the subject) of an unsent follow-up."""
    row = session.get(FollowUp, followup_id)
    if row is None:
        raise StorageError(f"follow-up {followup_id} does not exist; list them with `simak queue`")
    if row.status in ("sent", "done", "dismissed"):
        raise StorageError(f"follow-up {followup_id} is {row.status}; reopen it before editing")
    if not draft.strip():
        raise StorageError("the new draft is empty; write the message to send")
    row.draft, row.updated_at = draft, now
    if subject:
        row.subject = subject
    session.add(
        FollowUpEvent(
            followup_id=row.id,
            from_status=row.status,
            to_status=row.status,
            actor=actor,
            at=now,
            note="draft edited",
        )
    )


def replan(
    session: Session, followup_id: int, plan: FollowUpPlan, actor: str, now: datetime
) -> None:
    """Apply a new plan (after a label correction) to an unsent follow-up."""
    row = session.get(FollowUp, followup_id)
    if row is None or row.status in ("sent", "done", "dismissed"):
        return
    row.label, row.priority, row.due_at = plan.label, plan.priority, plan.due_at
    row.channel, row.lang = plan.channel, plan.lang
    row.subject, row.draft = plan.subject, plan.draft
    row.updated_at = now
    session.add(
        FollowUpEvent(
            followup_id=row.id,
            from_status=row.status,
            to_status=row.status,
            actor=actor,
            at=now,
            note=f"re-routed as {plan.label}",
        )
    )


def count_by_status(session: Session) -> dict[str, int]:
    """Follow-up counts for every status (zeros included)."""
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in session.execute(
        select(FollowUp.status, func.count()).group_by(FollowUp.status)
    ).all():
        counts[status] = n
    return counts
