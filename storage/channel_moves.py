"""Open follow-ups on a channel routing would no longer pick: found, and moved to the one
it picks now (a channel set up or taken out of the config, or a rule's channel order
changed, since they were routed).

Only follow-ups nobody approved move (``open``, ``snoozed``): an approval is of this text
through this channel. The move is one ``UPDATE … WHERE id = :id AND status IN (open,
snoozed) AND channel = :old AND version = :v``; an approval, an edit or another move that
came first wins, and this one is skipped (the next run looks again).

A follow-up found where routing puts it is marked with the routing it was checked under (a
fingerprint of the channels and rules) and its version; it is not read again until the
routing or the follow-up changes, so a poll every few minutes does not re-read thousands
of follow-ups nobody can reach another way.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from common.records import Recipient
from storage.followups import recipient_of
from storage.ids import chunked
from storage.models import FollowUp, FollowUpEvent

#: Where a follow-up's channel may still move by itself: nobody approved it.
REROUTABLE: Final = ("open", "snoozed")
FALLBACK: Final = "manual"


@dataclass(frozen=True, slots=True)
class Routed:
    """An unapproved follow-up routing may now put on another channel."""

    followup_id: int
    version: int
    kind: str
    label: str
    channel: str
    recipient: Recipient
    edited: bool  # staff wrote the draft


@dataclass(frozen=True, slots=True)
class ChannelMove:
    """What moving one follow-up writes; ``draft`` None keeps the text as it is."""

    followup_id: int
    version: int  # the version it was read at
    old: str
    new: str
    channel_note: str | None
    note: str  # for the audit trail
    status_note: str | None = None  # None keeps the one it has
    subject: str | None = None
    draft: str | None = None
    lang: str | None = None


def stale_routes(
    session: Session,
    available: Collection[str],
    configured: Collection[str],
    routing: str,
    only: Sequence[int] | None = None,
) -> list[Routed]:
    """Unapproved follow-ups (of ``only``, when given) that routing may now put elsewhere,
    oldest first: those on a channel not in ``configured`` (the config no longer names it),
    and, while a channel other than ``manual`` is ``available``, those on ``manual`` or on
    an available channel not yet checked under ``routing`` at their version (see
    :func:`mark_routed`). One on a channel named but not available now (a credential
    missing here) is left alone."""
    stale: ColumnElement[bool] = FollowUp.channel.not_in(sorted({*configured, FALLBACK}))
    if set(available) - {FALLBACK}:
        here = FollowUp.channel.in_(sorted({*available, FALLBACK}))
        stale = or_(and_(here, _unchecked(routing)), stale)
    query = select(
        FollowUp.id,
        FollowUp.version,
        FollowUp.kind,
        FollowUp.label,
        FollowUp.channel,
        FollowUp.recipient,
        FollowUp.draft_by,
    ).where(FollowUp.status.in_(REROUTABLE), stale)
    if only is not None:
        query = query.where(FollowUp.id.in_(list(only)))
    return [
        Routed(r.id, r.version, r.kind, r.label, r.channel, recipient_of(r.recipient, ""),
               r.draft_by is not None)
        for r in session.execute(query.order_by(FollowUp.id))
    ]  # fmt: skip


def _unchecked(routing: str) -> ColumnElement[bool]:
    return or_(
        FollowUp.routed_under.is_distinct_from(routing),
        FollowUp.routed_under_version.is_distinct_from(FollowUp.version),
    )


def mark_routed(session: Session, checked: Iterable[Routed], routing: str) -> None:
    """Record that ``checked`` are where ``routing`` puts them, each at the version it was
    read at (one changed since is left unmarked, and read again). Not a change of the
    follow-up: no new version, no audit event."""
    by_version = sorted((r.version, r.followup_id) for r in checked)
    for version, rows in groupby(by_version, key=lambda pair: pair[0]):
        for ids in chunked(fid for _, fid in rows):
            session.execute(
                update(FollowUp)
                .where(FollowUp.id.in_(ids), FollowUp.version == version)
                .values(routed_under=routing, routed_under_version=version)
                .execution_options(synchronize_session=False)
            )


def move_channel(
    session: Session, move: ChannelMove, actor: str, now: datetime, routing: str | None = None
) -> bool:
    """Move one follow-up to ``move.new`` if it is still unapproved, on ``move.old`` and at
    ``move.version``; False when something came first (nothing is written then). With
    ``routing``, it is marked as checked under it (where it lands is where routing puts
    it)."""
    values: dict[str, Any] = {
        "channel": move.new,
        "channel_note": move.channel_note,
        "version": FollowUp.version + 1,
        "updated_at": now,
    }
    if routing is not None:
        values.update(routed_under=routing, routed_under_version=move.version + 1)
    if move.status_note is not None:
        values["status_note"] = move.status_note
    if move.draft is not None:
        values.update(draft=move.draft, subject=move.subject, lang=move.lang)
    status = session.execute(
        update(FollowUp)
        .where(
            FollowUp.id == move.followup_id,
            FollowUp.status.in_(REROUTABLE),
            FollowUp.channel == move.old,
            FollowUp.version == move.version,
        )
        .values(**values)
        .returning(FollowUp.status)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if status is None:
        return False
    session.add(
        FollowUpEvent(
            followup_id=move.followup_id,
            from_status=status,
            to_status=status,
            actor=actor,
            at=now,
            note=move.note,
        )
    )
    return True
