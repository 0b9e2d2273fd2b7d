"""`simak send --dry-run`: what a send would do with each approved follow-up, worked out
by the functions the send itself uses (:mod:`simak.usecases.send`); nothing is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from responder.base import Channel
from responder.routing import FALLBACK_CHANNEL
from simak.app import App
from simak.usecases.reroute import channel_now, chooser
from simak.usecases.send import (
    available_channels,
    check_channels,
    message_kind,
    next_channel,
    saturated_channels,
    sending_channel,
    unusable_channels,
)
from storage import outbox_pending
from storage.outbox_pending import Approved


@dataclass(frozen=True, slots=True)
class Planned:
    """What `simak send --dry-run` would do with one approved follow-up."""

    followup_id: int
    channel: str
    to: str
    subject: str | None
    first_line: str
    waits_until: datetime | None
    refused: str | None = None  # why a send would refuse it (do not contact, no unsubscribe)
    stored: str | None = None  # the channel the follow-up is stored on
    rerouted: str | None = None  # why ``channel`` is not ``stored``
    by_hand: str | None = None  # channel manual: why staff, not Simak, will send it
    #: channel manual, though routing now picks this one (set up since it was approved)
    could_go: str | None = None
    #: why its channel cannot be used here (a credential's variable unset): it waits
    held: str | None = None


def plan_sends(app: App, *, channels: tuple[str, ...] | None = None) -> list[Planned]:
    """Approved follow-ups that would go now or wait, where and to whom — nothing is sent."""
    check_channels(channels)
    available = available_channels(app)
    now = app.clock()
    with app.db.read() as session:
        saturated = saturated_channels(session, available, now)
        items = outbox_pending.approved(session, now, channels)
    router = chooser(app)
    unusable = unusable_channels(app)
    out = []
    for item in items:
        if item.channel in unusable:  # the send leaves it approved, as it is
            out.append(_held(item, unusable[item.channel]))
            continue
        name, channel, why = _planned_channel(app, item, available)
        picks = (
            channel_now(router, item.label, item.recipient) if name == FALLBACK_CHANNEL else None
        )
        address = getattr(channel, "address", lambda r: None)(item.recipient)
        out.append(
            Planned(
                item.followup_id,
                name,
                str(address or item.recipient.handle or item.recipient.email or "staff task"),
                item.subject if channel.form.subject else None,
                item.body.strip().splitlines()[0] if item.body.strip() else "",
                saturated.get(name) or item.send_after,
                item.blocked or _refusal(channel, item),
                item.channel,
                why,
                _by_hand(app, item, why, picks) if picks is not None else None,
                picks[0] if picks is not None and picks[0] != FALLBACK_CHANNEL else None,
            )
        )
    return out


def _held(item: Approved, why: str) -> Planned:
    to = item.recipient.email or item.recipient.handle or "staff task"
    body = item.body.strip()
    first = body.splitlines()[0] if body else ""
    return Planned(item.followup_id, item.channel, to, item.subject, first, None,
                   stored=item.channel, held=why)  # fmt: skip


def _refusal(channel: Channel, item: Approved) -> str | None:
    """Why ``channel`` would refuse ``item`` before sending it (e-mail: an announcement
    without an unsubscribe link), as the send itself would find out."""
    refusal = getattr(channel, "refusal", None)
    return refusal(message_kind(item.kind, item.label)) if refusal is not None else None


def _by_hand(app: App, item: Approved, rerouted: str | None, picks: tuple[str, str | None]) -> str:
    """Why a send hands ``item`` to staff instead of sending it (the manual channel), with
    what routing ``picks`` now (channel, why): a channel set up since the approval is
    named with what to do (an approval is of a channel too, so it is not moved by itself)."""
    better, why = picks
    if better != FALLBACK_CHANNEL:
        return (
            f"approved before {better} could reach them, so it goes to staff; to send it by "
            f"{better} instead: `simak followup reopen {item.followup_id}` (it moves to "
            f"{better}), check the draft and approve it again"
        )
    if rerouted is not None:
        return rerouted
    if why:  # not the note stored at routing: a channel may have been set up since
        return why
    rule = app.settings.responder.rules.rule_for(item.label)  # type: ignore[arg-type]
    others = [name for name in rule.channels if name != FALLBACK_CHANNEL]
    if not others:
        return f"the {item.label} rule's only channel is manual"
    return f"none of the {item.label} rule's channels ({', '.join(others)}) could reach them"


def _planned_channel(
    app: App, item: Approved, channels: dict[str, Channel]
) -> tuple[str, Channel, str | None]:
    """Where a send would deliver ``item``, by the functions the send itself uses (the
    offline reach check stands in for the platform's pre-flight): the channel, and why it
    is not the stored one."""
    name, channel = sending_channel(channels, item.channel)
    if name != item.channel:
        why = app.channel_set.unavailable.get(item.channel, "not available")
        return name, channel, f"{item.channel}: {why}"
    if channel.can_reach(item.recipient):
        return name, channel, None
    after, skipped = next_channel(app, item.label, name, item.recipient, channels)
    why = "; ".join((channel.unreachable(item.recipient), *([skipped] if skipped else [])))
    return after, sending_channel(channels, after)[1], why
