"""Follow-ups: creation from plans, and every change as an audited compare-and-set.

Each change is one ``UPDATE … WHERE id = :id AND status IN (:allowed) [AND version = :v]``
whose returned row proves it won; a lost race or a change from the wrong state is a
:class:`ConflictError`, never a silent overwrite. ``version`` grows with every change, so
"approved" always means "this exact text was approved".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from common.errors import ConflictError, NotFound
from common.records import FollowUpPlan, Recipient
from storage.contactable import blocked, contact_lock, may_contact
from storage.dialect import insert
from storage.models import (
    FOLLOWUP_STATUSES,
    JOINABLE,
    ConversationPost,
    FollowUp,
    FollowUpEvent,
)

STATUSES: Final = FOLLOWUP_STATUSES
#: What staff see in the queue by default (snoozed ones only once they are due again).
ACTIVE_STATUSES: Final = ("open", "approved", "failed", "unknown", "handed_to_staff", "snoozed")
#: Where a draft, its labels or its channel may still change.
EDITABLE: Final = ("open", "approved", "snoozed", "failed")

#: Moves staff (or their tools) may make — target: the statuses it may come from. Moves
#: into and out of ``sending`` belong to :mod:`storage.outbox`.
STAFF_MOVES: Final[Mapping[str, tuple[str, ...]]] = {
    "approved": ("open", "snoozed", "failed"),
    "open": ("approved", "snoozed", "done", "dismissed", "handed_to_staff", "failed", "unknown"),
    "snoozed": ("open", "approved", "failed"),
    "done": ("open", "approved", "snoozed", "failed", "unknown", "handed_to_staff", "sent"),
    "dismissed": ("open", "approved", "snoozed", "failed", "unknown", "handed_to_staff"),
}
#: Where a snooze may start from.
SNOOZABLE: Final = ("open", "approved", "snoozed", "failed")
#: Where a send may start from (:func:`storage.outbox.claim` claims only these).
SENDABLE: Final = ("approved",)
#: Where a retry (a new delivery attempt) may start from.
RETRYABLE: Final = ("failed",)

#: What staff may do to a follow-up — action: the statuses it may start from. The same
#: tuples the compare-and-sets check, so a screen that offers only these never offers a
#: button the database would refuse (a race still can: the version decides then).
ACTIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "approve": STAFF_MOVES["approved"],
    "edit": EDITABLE,
    "send": SENDABLE,
    "retry": RETRYABLE,
    "snooze": SNOOZABLE,
    "dismiss": STAFF_MOVES["dismissed"],
    # an unknown outcome is settled (it arrived, or it goes again), never reopened to be
    # approved and sent once more without anyone checking (STAFF_MOVES allows it)
    "reopen": tuple(s for s in STAFF_MOVES["open"] if s != "unknown"),
    "done": ("handed_to_staff",),  # staff sent the task by hand (STAFF_MOVES allows more)
    "resolve": ("unknown",),  # :func:`storage.outbox_recovery.resolve_unknown`
}


def actions_for(status: str) -> tuple[str, ...]:
    """The staff actions a follow-up in ``status`` allows (see :data:`ACTIONS`)."""
    return tuple(action for action, sources in ACTIONS.items() if status in sources)


def recipient_json(recipient: Recipient) -> dict[str, Any]:
    """A recipient as stored with its follow-up (resolved once, at routing)."""
    return {
        "name": recipient.name,
        "platform": recipient.platform,
        "handle": recipient.handle,
        "user_id": recipient.user_id,
        "email": recipient.email,
    }


def recipient_of(data: Mapping[str, Any] | None, platform: str) -> Recipient:
    """The stored recipient (or just the platform, for rows routed before it was stored)."""
    data = data or {}
    return Recipient(
        name=data.get("name"),
        platform=data.get("platform") or platform,
        handle=data.get("handle"),
        user_id=data.get("user_id"),
        email=data.get("email"),
    )


@dataclass(frozen=True, slots=True)
class NewFollowUp:
    """A plan to store, with who it is for, how to reach them, and when they posted."""

    plan: FollowUpPlan
    person_id: int | None
    brand: str
    recipient: Recipient
    posted_at: datetime
    channel_note: str | None = None


def create_followups(
    session: Session, items: Sequence[NewFollowUp], now: datetime
) -> dict[int, int]:
    """Start conversations for mentions (in a few statements); returns mention id → the
    follow-up created for it.

    A mention that already has a follow-up keeps it, and a person who already has an open
    conversation with the brand is refused by the database (one per person): the caller
    adds such posts to that conversation instead (:func:`storage.conversations.join`).
    """
    if not items:
        return {}
    rows = [_row(i, now) for i in items]
    created = session.execute(
        insert(session, FollowUp)
        .on_conflict_do_nothing()
        .returning(FollowUp.id, FollowUp.mention_id, FollowUp.label),
        rows,
    ).all()
    if created:
        session.execute(
            insert(session, FollowUpEvent),
            [
                {
                    "followup_id": r.id,
                    "from_status": None,
                    "to_status": "open",
                    "actor": "simak",
                    "at": now,
                    "note": f"routed as {r.label}",
                }
                for r in created
            ],
        )
        session.execute(
            insert(session, ConversationPost).on_conflict_do_nothing(),
            [{"mention_id": r.mention_id, "followup_id": r.id, "added_at": now} for r in created],
        )
    return {r.mention_id: r.id for r in created}


def _row(item: NewFollowUp, now: datetime) -> dict[str, Any]:
    plan = item.plan
    return {
        "mention_id": plan.mention_id,
        "person_id": item.person_id,
        "brand": item.brand,
        "status": "open",
        "version": 1,
        "label": plan.label,
        "priority": plan.priority,
        "severity": plan.severity,
        "severity_reason": plan.severity_reason,
        "severity_score": plan.severity_score,
        "due_at": plan.due_at,
        "channel": plan.channel,
        "channel_note": plan.channel_note or item.channel_note,
        "status_note": plan.note,
        "recipient": recipient_json(item.recipient),
        "lang": plan.lang,
        "subject": plan.subject,
        "draft": plan.draft,
        "attempts": 0,
        "idempotency_key": f"simak-fu-{plan.mention_id}",
        "created_at": now,
        "updated_at": now,
        "last_post_at": item.posted_at,
    }


def create_followup(session: Session, item: NewFollowUp, now: datetime) -> int | None:
    """Start one conversation (see :func:`create_followups`); None when refused."""
    return create_followups(session, [item], now).get(item.plan.mention_id)


def change(
    session: Session,
    followup_id: int,
    *,
    allowed: Iterable[str],
    actor: str,
    now: datetime,
    version: int | None = None,
    to: str | None = None,
    note: str | None = None,
    values: Mapping[str, Any] | None = None,
    reachable: bool = False,
) -> tuple[str, int]:
    """The one compare-and-set every change goes through; returns (old status, new version).

    Moves to ``to`` (or keeps the status) and writes ``values`` only if the follow-up is
    in one of ``allowed`` (and at ``version`` when given), and with ``reachable`` only if
    its person may be contacted (:func:`storage.contactable.may_contact`, under the
    contact lock: take no row lock before such a change, see :mod:`storage.contactable`).
    """
    allowed = tuple(allowed)
    if reachable:  # a mark in flight commits first and this sees it, or waits for this
        contact_lock(session)
    old = session.execute(
        select(FollowUp.status, FollowUp.version).where(FollowUp.id == followup_id)
    ).one_or_none()
    if old is None:
        raise NotFound(f"follow-up {followup_id} does not exist; list them with `simak queue`")
    conditions = [FollowUp.id == followup_id, FollowUp.status.in_(allowed)]
    conditions.append(FollowUp.version == (old.version if version is None else version))
    if reachable:
        conditions.append(may_contact())
    new = {**(values or {}), "version": FollowUp.version + 1, "updated_at": now}
    if to is not None:
        new["status"] = to
    won = session.execute(
        update(FollowUp).where(*conditions).values(**new).returning(FollowUp.version)
    ).scalar_one_or_none()
    if won is None:
        raise _conflict(session, followup_id, allowed, version, to, old.version, reachable)
    _event(session, followup_id, old.status, to or old.status, actor, now, note)
    return old.status, won


def _conflict(
    session: Session,
    followup_id: int,
    allowed: tuple[str, ...],
    version: int | None,
    to: str | None,
    read: int,
    reachable: bool = False,
) -> ConflictError:
    """Why the compare-and-set failed. ``read``: the version this change read first (a
    change at the same moment may have moved it on, to a status this one starts from)."""
    now = session.execute(
        select(FollowUp.status, FollowUp.version, FollowUp.person_id).where(
            FollowUp.id == followup_id
        )
    ).one()
    why = blocked(session, now.person_id) if reachable else None
    if why is not None and now.status in allowed and now.version in (version, read):
        return ConflictError(
            f"follow-up {followup_id} cannot be approved: {why}. Nothing can be sent to "
            f"them; dismiss it (`simak followup dismiss {followup_id}`), or mark it done "
            "once it is handled without a message"
        )
    again = f"look at it again (`simak followup show {followup_id}`) and retry"
    if version is not None and now.version != version and now.status in allowed:
        return ConflictError(
            f"follow-up {followup_id} changed since you opened it (version {version}, now "
            f"{now.version}); {again}"
        )
    if now.version != read and now.status in allowed:
        return ConflictError(
            f"follow-up {followup_id} was changed by someone else at the same moment "
            f"(now {now.status}, version {now.version}); {again}"
        )
    if to is not None and now.status == to:
        return ConflictError(f"follow-up {followup_id} is {to} already; nothing to do")
    target = f"become {to}" if to else "be changed"
    return ConflictError(
        f"follow-up {followup_id} is {now.status}; it cannot {target} now "
        f"(only from: {', '.join(allowed)}){_next_step(followup_id, now.status)}"
    )


def _next_step(followup_id: int, status: str) -> str:
    """What a person can do about a follow-up in ``status`` (a refusal says it)."""
    cmd = "simak followup"
    return {
        "sent": "; it was sent, so nothing changes it now",
        "sending": "; it is being sent right now: look again in a minute",
        "unknown": f"; settle it first: `{cmd} resolve-unknown {followup_id} --delivered` "
        "or `--not-delivered`",
        "failed": f"; to send it again: `{cmd} retry {followup_id}`",
        "handed_to_staff": f"; staff send it by hand, then `{cmd} done {followup_id}`",
        "dismissed": f"; reopen it first: `{cmd} reopen {followup_id}`",
        "done": f"; reopen it first: `{cmd} reopen {followup_id}`",
    }.get(status, "")


def _event(
    session: Session,
    followup_id: int,
    from_status: str | None,
    to_status: str,
    actor: str,
    now: datetime,
    note: str | None,
) -> None:
    session.add(
        FollowUpEvent(
            followup_id=followup_id,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            at=now,
            note=note,
        )
    )


def move(
    session: Session,
    followup_id: int,
    to: str,
    actor: str,
    now: datetime,
    *,
    version: int | None = None,
    note: str | None = None,
    only_from: tuple[str, ...] | None = None,
) -> int:
    """A staff move (approve, snooze, done, dismiss, reopen…); returns the new version.

    ``only_from`` narrows the statuses it may start from (a retry: only ``failed``).
    """
    sources = STAFF_MOVES.get(to)
    if sources is None:
        raise ConflictError(f"follow-ups cannot be moved to {to!r} by hand")
    if only_from is not None:
        sources = tuple(s for s in sources if s in only_from)
    values: dict[str, Any] = {"status_note": note}
    if to == "approved":  # only for someone who may be contacted
        values.update(approved_by=actor, approved_at=now)
    if to == "open":
        values.update(snoozed_until=None)
    _, new_version = change(
        session,
        followup_id,
        allowed=sources,
        actor=actor,
        now=now,
        version=version,
        to=to,
        note=note,
        values=values,
        reachable=to == "approved",
    )
    return new_version


def snooze(
    session: Session,
    followup_id: int,
    until: datetime,
    actor: str,
    now: datetime,
    version: int | None = None,
) -> int:
    """Hide a follow-up from the queue until ``until``; it comes back, still snoozed, then."""
    _, new_version = change(
        session,
        followup_id,
        allowed=SNOOZABLE,
        actor=actor,
        now=now,
        version=version,
        to="snoozed",
        note=f"until {until.isoformat()}",
        values={"snoozed_until": until, "approved_by": None, "approved_at": None},
    )
    return new_version


def edit_draft(
    session: Session,
    followup_id: int,
    subject: str | None,
    draft: str,
    actor: str,
    now: datetime,
    version: int | None = None,
) -> int:
    """Replace the draft with staff's words; an approved follow-up needs approving again."""
    if not draft.strip():
        raise ConflictError("the new draft is empty; write the message to send")
    values: dict[str, Any] = {
        "draft": draft,
        "draft_by": actor,
        "suggested_draft": None,
        "suggested_subject": None,
        "approved_by": None,
        "approved_at": None,
        "status_note": case(  # "again" only for a draft someone had approved
            (FollowUp.approved_by.is_not(None), "draft edited; approve it again to send"),
            else_="draft edited; approve it to send",
        ),
    }
    if subject and subject.strip():  # a blank one would send a message without a subject
        values["subject"] = subject.strip()
    _, new_version = _change_content(session, followup_id, actor, now, version, values)
    return new_version


def replan(
    session: Session,
    followup_id: int,
    plan: FollowUpPlan,
    actor: str,
    now: datetime,
    reason: str | None = None,
) -> str:
    """Apply a new plan (labels corrected) to an unsent follow-up; say what happened.

    A staff-written draft is kept and the new text is stored as a suggestion. An approved
    follow-up goes back to ``open``: what was approved is no longer what would be sent.
    """
    row = session.get(FollowUp, followup_id)
    if row is None:
        raise NotFound(f"follow-up {followup_id} does not exist; list them with `simak queue`")
    values: dict[str, Any] = {
        "label": plan.label,
        "priority": plan.priority,
        "severity": plan.severity,
        "severity_reason": plan.severity_reason,
        "severity_score": plan.severity_score,
        "due_at": plan.due_at,
        "channel": plan.channel,
        "channel_note": plan.channel_note,
        "lang": plan.lang,
        "approved_by": None,
        "approved_at": None,
        "status_note": plan.note
        or f"{reason or f'labels corrected to {plan.label}'}; check the draft and approve again",
    }
    if row.draft_by:
        values.update(suggested_subject=plan.subject, suggested_draft=plan.draft)
        kept = "; your edited draft was kept and a new suggestion is attached"
        values["status_note"] = (
            f"{reason or 'labels corrected'} since your edit; see the suggestion"
        )
    else:
        values.update(subject=plan.subject, draft=plan.draft)
        kept = ""
    _change_content(
        session, followup_id, actor, now, None, values, reason or f"re-routed as {plan.label}"
    )
    return f"follow-up {followup_id} now routed as {plan.label}{kept}"


def _change_content(
    session: Session,
    followup_id: int,
    actor: str,
    now: datetime,
    version: int | None,
    values: dict[str, Any],
    note: str = "draft edited",
) -> tuple[str, int]:
    """Change what would be sent; approved (or failed) ones go back to open for approval.

    The status is read row-locked (``FOR UPDATE``; SQLite has one writer): an approval
    committed between this read and the change would otherwise keep the new words approved.
    """
    row = session.execute(
        select(FollowUp.status).where(FollowUp.id == followup_id).with_for_update()
    ).scalar_one_or_none()
    to = "open" if row in ("approved", "failed") else None
    return change(
        session,
        followup_id,
        allowed=EDITABLE,
        actor=actor,
        now=now,
        version=version,
        to=to,
        note=note,
        values=values,
    )


def expect_version(session: Session, followup_id: int, version: int) -> None:
    """Row-lock a follow-up (``FOR UPDATE``; SQLite has one writer) and refuse, with a
    :class:`ConflictError`, when it is no longer at ``version``: a change that is not itself
    a compare-and-set (labels corrected from a page) never overwrites one made since."""
    now = session.execute(
        select(FollowUp.version).where(FollowUp.id == followup_id).with_for_update()
    ).scalar_one_or_none()
    if now is None:
        raise NotFound(f"follow-up {followup_id} does not exist; list them with `simak queue`")
    if now != version:
        raise ConflictError(
            f"follow-up {followup_id} changed since you opened it (version {version}, now "
            f"{now}); look at it again (`simak followup show {followup_id}`) and retry"
        )


def followup_of_mention(session: Session, mention_id: int) -> int | None:
    """The follow-up id of a mention, if it has one."""
    return session.scalar(select(FollowUp.id).where(FollowUp.mention_id == mention_id))


def status_of(session: Session, followup_id: int) -> str:
    """The current status (NotFound for an unknown id)."""
    status = session.scalar(select(FollowUp.status).where(FollowUp.id == followup_id))
    if status is None:
        raise NotFound(f"follow-up {followup_id} does not exist; list them with `simak queue`")
    return status


def channel_of(session: Session, followup_id: int) -> str | None:
    """The channel a follow-up is routed to (None for an unknown id)."""
    return session.scalar(select(FollowUp.channel).where(FollowUp.id == followup_id))


def fold_conversation(
    session: Session, gone: int, into: int, actor: str, now: datetime, note: str
) -> None:
    """Conversation ``gone``'s posts join ``into``, and ``gone`` is dismissed with ``note``
    (a compare-and-set from a joinable status: one open conversation per person)."""
    session.execute(
        update(ConversationPost)
        .where(ConversationPost.followup_id == gone)
        .values(followup_id=into)
        .execution_options(synchronize_session=False)
    )
    change(session, gone, allowed=JOINABLE, actor=actor, now=now, to="dismissed", note=note)
