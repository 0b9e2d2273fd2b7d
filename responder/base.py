"""The responder contract: what to follow up, and private channels to send through.

There is deliberately no way to post publicly: a :class:`Channel` can only send
a :class:`PrivateMessage` to one person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from common.records import FollowUpPlan as FollowUpPlan
from common.records import PrivateMessage as PrivateMessage
from common.records import Recipient as Recipient
from common.records import SendReceipt as SendReceipt


@dataclass(frozen=True, slots=True)
class RouteInput:
    """Everything routing needs about one classified mention."""

    mention_id: int
    platform: str
    text: str
    url: str | None
    brand: str
    labels: tuple[str, ...]
    scores: dict[str, float]
    lang: str
    recipient: Recipient
    created_at: datetime
    person_mentions: int = 1  # how many mentions this person has made (loyalty)
    severity: str | None = None  # "critical" | "high" | "normal" (None: not assessed)
    severity_reason: str | None = None  # why critical, e.g. "possible food poisoning"
    severity_score: float | None = None  # confidence it is critical, 0..1


@dataclass(frozen=True, slots=True)
class Reach:
    """Whether a channel can reach one person now, and if not, why (one line, for staff)."""

    ok: bool
    reason: str = ""

    @classmethod
    def yes(cls, reason: str = "") -> Reach:
        """The channel can reach the person."""
        return cls(True, reason)

    @classmethod
    def no(cls, reason: str) -> Reach:
        """The channel cannot reach the person: try the next one."""
        return cls(False, reason)


@dataclass(frozen=True, slots=True)
class RateLimits:
    """How many messages a channel may send per sending account; None means no limit.

    The outbox keeps the counts (in the database, across processes); channels only say
    what the limits are.
    """

    per_minute: int | None = None
    per_day: int | None = None


@dataclass(frozen=True, slots=True)
class MessageForm:
    """What a channel sends: a subject line or not, and the longest body it takes."""

    subject: bool
    max_chars: int | None = None
    mentions: bool = False  # the platform prefixes "@handle " and counts it in max_chars

    def body_limit(self, recipient: Recipient) -> int | None:
        """The longest body for ``recipient`` (None: no limit)."""
        if self.max_chars is None:
            return None
        reserved = len(recipient.handle or "") + 2 if self.mentions else 0
        return max(self.max_chars - reserved, 40)


@runtime_checkable
class Channel(Protocol):
    """A private channel. Its only way out is a private send to one person.

    Outcomes of :meth:`send` (all :class:`common.errors.ChannelError`):
    ``Unreachable`` (try the next channel), ``DeliveryFailed`` (refused for good),
    ``RetryLater`` (provably not sent; again at ``retry_at``), ``OutcomeUnknown`` (the
    request left and no answer came: settle with :meth:`read_back`, never resend blindly).
    """

    @property
    def name(self) -> str:
        """Channel key used in routing rules: reddit_pm, x_dm, mastodon_dm, ..."""
        ...

    @property
    def form(self) -> MessageForm:
        """Whether messages carry a subject, and the longest body the platform takes."""
        ...

    @property
    def limits(self) -> RateLimits:
        """Messages per minute / per day this channel may send (scheduled by the outbox)."""
        ...

    def can_reach(self, recipient: Recipient) -> bool:
        """Offline: does ``recipient`` carry what this channel needs (no network)."""
        ...

    def unreachable(self, recipient: Recipient) -> str:
        """Offline: why ``can_reach`` is False for ``recipient``, one line for staff that
        starts with the channel's name ("email: 'x' is not a usable e-mail address")."""
        ...

    def check(self, recipient: Recipient) -> Reach:
        """Pre-flight before queuing and again before sending; may ask the platform.

        Raises RetryLater when the platform cannot be asked now, DeliveryFailed when
        the channel itself is broken (bad credentials).
        """
        ...

    def send(self, message: PrivateMessage) -> SendReceipt:
        """Deliver ``message`` with exactly one delivering provider call; raise ChannelError."""
        ...

    def read_back(self, message: PrivateMessage, attempted_at: datetime) -> SendReceipt | None:
        """Settle an unknown outcome of the attempt that began at ``attempted_at``.

        Returns the receipt if the message was delivered, None if it provably was not.
        Raises OutcomeUnknown when it cannot tell: with ``retry_at`` set, ask again then;
        without, never (a person must decide). Where settling means sending again with
        the same idempotency key (Mastodon within the key's hour, an idempotent webhook
        receiver), Unreachable and DeliveryFailed mean what they mean for :meth:`send`.
        """
        ...

    def close(self) -> None:
        """Release connections; the channel may be used again afterwards."""
        ...
