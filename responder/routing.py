"""Routing: which classified mentions get a private follow-up, how urgent, through what."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Final

from common.errors import ConfigError
from responder.base import Channel, FollowUpPlan, Recipient, RouteInput
from responder.draft_input import DraftHistory, DraftInput, DraftPost
from responder.drafts import Draft, DraftWriter
from responder.priority import PriorityAssessment, PriorityScorer, most_severe
from responder.resolution import resolved_by_newest
from responder.settings import LABEL_PRECEDENCE, Label, ResponderSettings, RoutingRules

FALLBACK_CHANNEL: Final = "manual"


@dataclass(frozen=True, slots=True)
class Conversation:
    """One person's posts to answer together (oldest first), with what drafting needs."""

    items: tuple[RouteInput, ...]
    history: DraftHistory = field(default_factory=DraftHistory)
    brand_terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Skeleton:
    """A plan before its draft is written."""

    mention_id: int
    label: Label
    priority: int
    due_at: datetime
    channel: str
    channel_note: str | None
    note: str | None
    recipient: Recipient
    severity: str = "normal"
    severity_reason: str | None = None
    severity_score: float = 0.0

    def with_draft(self, draft: Draft, router: Router) -> FollowUpPlan:
        """The finished plan, its draft in the channel's form."""
        return FollowUpPlan(
            mention_id=self.mention_id,
            label=self.label,
            priority=self.priority,
            due_at=self.due_at,
            channel=self.channel,
            lang=draft.lang,
            subject=draft.subject,
            draft=router.in_form(self.channel, self.recipient, draft),
            note=self.note,
            channel_note=self.channel_note,
            severity=self.severity,
            severity_reason=self.severity_reason,
            severity_score=self.severity_score,
        )


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
        """Plan a follow-up for one post; None when no enabled label applies ("other").

        ``now`` is when routing happens (timezone-aware UTC, like ``created_at``);
        it starts the SLA clock unless ``sla_from`` is ``"posted"``.
        """
        return self.plan_many([Conversation((item,))], now)[0]

    def plan_many(
        self, conversations: Sequence[Conversation], now: datetime
    ) -> list[FollowUpPlan | None]:
        """One plan per conversation (a person's posts, oldest first), drafted together.

        Each plan takes the most urgent label of the posts, the highest priority and the
        earliest due time, and one draft that answers every post. The drafts of the whole
        batch are written in one go (one classifier call to pick the sentences to quote).
        """
        return self._drafted(conversations, [self.skeleton(c, now) for c in conversations])

    def redraft_many(
        self, items: Sequence[tuple[Conversation, str]], now: datetime
    ) -> list[FollowUpPlan | None]:
        """Like :meth:`plan_many`, but each conversation drafted for the channel given with
        it (a follow-up moved to a channel set up since it was routed); None where no
        enabled label applies any more."""
        skeletons = [
            None if (s := self.skeleton(c, now)) is None else replace(s, channel=channel)
            for c, channel in items
        ]
        return self._drafted([c for c, _ in items], skeletons)

    def _drafted(
        self, conversations: Sequence[Conversation], skeletons: Sequence[Skeleton | None]
    ) -> list[FollowUpPlan | None]:
        inputs = [
            self._draft_input(c, s) for c, s in zip(conversations, skeletons, strict=True) if s
        ]
        drafts = iter(self._drafts.write_all(inputs))
        return [None if s is None else s.with_draft(next(drafts), self) for s in skeletons]

    def skeleton(self, conversation: Conversation, now: datetime) -> Skeleton | None:
        """Everything of a plan but the draft."""
        items = conversation.items
        label = deciding_label([lab for i in items for lab in i.labels], self._settings.rules)
        if label is None:
            return None
        assessed = [
            (item, lab, self._scorer.assess(lab, item))
            for item in items
            if (lab := deciding_label(item.labels, self._settings.rules)) is not None
        ]
        due = min(self._due(lab, a, item, now) for item, lab, a in assessed)
        priority = max(a.priority for _, _, a in assessed)
        worst = most_severe([a for _, _, a in assessed])
        note = None
        if label == "complaint" and resolved_by_newest(items):
            priority = max(0, priority - self._settings.resolution_drop)
            note = "the customer says it is solved; check and close"
        newest = items[-1]
        channel, why = self.channel_choice(
            self._settings.rules.rule_for(label).channels, newest.recipient
        )
        return Skeleton(
            newest.mention_id if len(items) == 1 else items[0].mention_id,
            label,
            priority,
            due,
            channel,
            why,
            note,
            newest.recipient,
            worst.severity if worst else "normal",
            worst.severity_reason if worst else None,
            worst.severity_score if worst else 0.0,
        )

    def _due(
        self, label: Label, assessment: PriorityAssessment, item: RouteInput, now: datetime
    ) -> datetime:
        rule = self._settings.rules.rule_for(label)
        sla_hours = rule.sla_hours
        if assessment.urgent:
            sla_hours *= self._settings.urgency.sla_factor
        if assessment.severity == "critical":
            sla_hours = min(sla_hours, self._settings.severity.critical_sla_hours)
        elif assessment.severity == "high":
            sla_hours = min(sla_hours, self._settings.severity.high_sla_hours)
        start = item.created_at if self._settings.sla_from == "posted" else now
        return start + timedelta(hours=sla_hours)

    def _draft_input(self, conversation: Conversation, skeleton: Skeleton) -> DraftInput:
        items = conversation.items
        newest = items[-1]
        posts = tuple(
            DraftPost(
                text=i.text,
                labels=i.labels,
                scores=i.scores,
                mention_id=i.mention_id,
                created_at=i.created_at,
            )
            for i in reversed(items)
        )
        return DraftInput(
            label=skeleton.label,
            posts=posts,
            lang=newest.lang,
            brand=newest.brand,
            name=newest.recipient.name,
            handle=newest.recipient.handle,
            platform=newest.platform,
            url=newest.url,
            history=conversation.history,
            brand_terms=conversation.brand_terms,
        )

    def in_form(self, channel: str, recipient: Recipient, draft: Draft) -> str:
        """The draft as ``channel`` sends it: the full body with a subject for e-mail-like
        channels, one short message within the platform's limit for DMs and chats."""
        form = self._channels[channel].form if channel in self._channels else None
        if form is None or form.subject:
            return draft.body
        limit = form.body_limit(recipient)
        return draft.body if limit is None else draft.message(limit)

    def same_form(self, old: str, new: str) -> bool:
        """Whether a draft written for channel ``old`` is already in ``new``'s form: both
        take the full body with a subject (``manual``, ``email``, ``reddit_pm``…). A channel
        no longer configured has an unknown form: no."""
        return all(
            name in self._channels and self._channels[name].form.subject for name in (old, new)
        )

    @property
    def channels(self) -> frozenset[str]:
        """The names of the channels configured now (``manual`` among them)."""
        return frozenset(self._channels)

    @property
    def drafts(self) -> DraftWriter:
        """The draft writer (for follow-ups that answer no post: reminders, news)."""
        return self._drafts

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
            if _concerns(name, channel, recipient):
                skipped.append(self._why_not(name, channel, recipient))
        return FALLBACK_CHANNEL, "; ".join(skipped) or None

    def _why_not(self, name: str, channel: Channel | None, recipient: Recipient) -> str:
        if channel is None:
            return f"{name}: {self._unavailable.get(name, 'not configured')}"
        return channel.unreachable(recipient)  # "email: 'a@b' is not a usable e-mail address"


#: Channels that reach people of one platform only.
_PLATFORM_OF: Final = {
    "reddit_pm": "reddit",
    "x_dm": "x",
    "mastodon_dm": "mastodon",
    "bluesky_chat": "bluesky",
}


def _concerns(name: str, channel: Channel | None, recipient: Recipient) -> bool:
    """Whether passing ``name`` over is worth telling staff about for this person.

    A Reddit channel is no news for an Instagram reviewer, nor e-mail for someone whose
    address is unknown; an unconfigured channel matters only to people it would reach.
    """
    platform = _PLATFORM_OF.get(name)
    if platform is not None:
        return recipient.platform == platform
    if name == "email":
        return recipient.email is not None
    return channel is not None
