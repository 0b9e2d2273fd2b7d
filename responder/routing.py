"""Routing: which classified mentions get a private follow-up, how urgent, through what."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final

from common.errors import ConfigError
from responder.base import Channel, FollowUpPlan, Recipient, RouteInput
from responder.drafts import Draft, DraftWriter
from responder.priority import PriorityAssessment, PriorityScorer
from responder.resolution import resolved_by_newest
from responder.settings import LABEL_PRECEDENCE, Label, ResponderSettings, RoutingRules

FALLBACK_CHANNEL: Final = "manual"


def deciding_label(labels: Sequence[str], rules: RoutingRules) -> Label | None:
    """The first label in precedence order that is present and whose rule is enabled."""
    for label in LABEL_PRECEDENCE:
        if label in labels and rules.rule_for(label).enabled:
            return label
    return None


class Router:
    """Turns one classified mention into a :class:`FollowUpPlan`, or None."""

    def __init__(
        self,
        settings: ResponderSettings,
        channels: Sequence[Channel],
        drafts: DraftWriter | None = None,
        unavailable: Mapping[str, str] | None = None,
    ) -> None:
        """``channels`` are the private channels configured now; one must be ``manual``.

        ``drafts`` defaults to a DraftWriter built from ``settings``.
        """
        by_name = {channel.name: channel for channel in channels}
        if FALLBACK_CHANNEL not in by_name:
            raise ConfigError(
                "the responder needs the 'manual' channel as its last resort; "
                "pass ManualChannel() among the channels"
            )
        self._settings = settings
        self._channels = by_name
        self._unavailable = dict(unavailable or {})
        self._scorer = PriorityScorer(settings)
        self._drafts = drafts if drafts is not None else DraftWriter(settings)

    def plan(self, item: RouteInput, now: datetime) -> FollowUpPlan | None:
        """Plan a follow-up for ``item``; None when no enabled label applies ("other").

        ``now`` is when routing happens (timezone-aware UTC, like ``created_at``);
        it starts the SLA clock unless ``sla_from`` is ``"posted"``.
        """
        label = deciding_label(item.labels, self._settings.rules)
        if label is None:
            return None
        rule = self._settings.rules.rule_for(label)
        assessment = self._scorer.assess(label, item)
        sla_hours = rule.sla_hours
        if assessment.urgent:
            sla_hours *= self._settings.urgency.sla_factor
        start = item.created_at if self._settings.sla_from == "posted" else now
        draft = self._drafts.write(label, item)
        channel, why = self.channel_choice(rule.channels, item.recipient)
        return FollowUpPlan(
            mention_id=item.mention_id,
            label=label,
            priority=assessment.priority,
            due_at=start + timedelta(hours=sla_hours),
            channel=channel,
            lang=draft.lang,
            subject=draft.subject,
            draft=self.in_form(channel, item.recipient, draft),
            channel_note=why,
        )

    def in_form(self, channel: str, recipient: Recipient, draft: Draft) -> str:
        """The draft as ``channel`` sends it: the full body with a subject for e-mail-like
        channels, one short message within the platform's limit for DMs and chats."""
        form = self._channels[channel].form if channel in self._channels else None
        if form is None or form.subject:
            return draft.body
        limit = form.body_limit(recipient)
        return draft.body if limit is None else draft.message(limit)

    @property
    def rules(self) -> RoutingRules:
        """The routing rules in force."""
        return self._settings.rules

    @property
    def resolution_drop(self) -> int:
        """Priority taken off a conversation whose customer says it is solved."""
        return self._settings.resolution_drop

    def explain(self, item: RouteInput) -> PriorityAssessment | None:
        """Why ``item`` gets the priority it gets (for the audit log or the console)."""
        label = deciding_label(item.labels, self._settings.rules)
        return None if label is None else self._scorer.assess(label, item)

    def choose_channel(self, preference: Sequence[str], recipient: Recipient) -> str:
        """The first preferred channel that exists and can reach ``recipient``, else manual."""
        return self.channel_choice(preference, recipient)[0]

    def channel_choice(
        self, preference: Sequence[str], recipient: Recipient
    ) -> tuple[str, str | None]:
        """(channel, why the ones before it were passed over — None when it was the first)."""
        skipped: list[str] = []
        for name in preference:
            channel = self._channels.get(name)
            if channel is not None and channel.can_reach(recipient):
                return name, "; ".join(skipped) or None
            skipped.append(f"{name}: {self._why_not(name, channel)}")
        return FALLBACK_CHANNEL, "; ".join(skipped) or None

    def _why_not(self, name: str, channel: Channel | None) -> str:
        if channel is None:
            return self._unavailable.get(name, "not configured")
        return "cannot address this person (no handle, user id or email known)"


def plan_conversation(
    router: Router, items: Sequence[RouteInput], now: datetime
) -> FollowUpPlan | None:
    """One plan for a person's conversation: every post's plan, then the most urgent label,
    the highest priority, the earliest due time, and the draft of the most urgent post.

    When the newest post says the problem is solved (or only praises), the conversation
    stays open for a person to close, but its urgency drops (see :mod:`responder.resolution`).
    ``items`` are oldest first.
    """
    plans = [(item, plan) for item in items if (plan := router.plan(item, now)) is not None]
    if not plans:
        return None
    label = deciding_label([p.label for _, p in plans], router.rules)
    if label is None:
        return None
    _, lead = max(
        (ip for ip in plans if ip[1].label == label),
        key=lambda ip: (ip[1].priority, ip[0].created_at),
    )
    priority = max(p.priority for _, p in plans)
    note = None
    if label == "complaint" and resolved_by_newest(items):
        priority = max(0, priority - router.resolution_drop)
        note = "the customer says it is solved; check and close"
    return FollowUpPlan(
        mention_id=items[0].mention_id,
        label=label,
        priority=priority,
        due_at=min(p.due_at for _, p in plans),
        channel=lead.channel,
        lang=lead.lang,
        subject=lead.subject,
        draft=lead.draft,
        note=note,
        channel_note=lead.channel_note,
    )
