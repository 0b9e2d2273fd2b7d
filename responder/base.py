"""The responder contract: what to follow up, and private channels to send through.

There is deliberately no way to post publicly: a :class:`Channel` can only send
a :class:`PrivateMessage` to one person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Recipient:
    """How one person can be reached privately."""

    name: str | None
    platform: str
    handle: str | None = None
    user_id: str | None = None
    email: str | None = None


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


@dataclass(frozen=True, slots=True)
class FollowUpPlan:
    """A private follow-up to put in the staff queue."""

    mention_id: int
    label: str  # the label that decided the route: complaint > idea > praise
    priority: int  # higher = more urgent
    due_at: datetime
    channel: str  # e.g. "manual", "reddit_pm", "x_dm", "email"
    lang: str  # language of the draft
    subject: str
    draft: str


@dataclass(frozen=True, slots=True)
class PrivateMessage:
    """One private message to one person, with a key that makes re-sending a no-op."""

    idempotency_key: str
    recipient: Recipient
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class SendReceipt:
    """What a channel reports after a send."""

    channel: str
    external_id: str | None  # the platform's message id, if any
    delivered: bool  # False when the channel only created a task for staff
    detail: str = ""


@runtime_checkable
class Channel(Protocol):
    """A private channel. Its only operation is a private send."""

    @property
    def name(self) -> str:
        """Channel key used in routing rules."""
        ...

    def can_reach(self, recipient: Recipient) -> bool:
        """True when this channel can deliver privately to ``recipient``."""
        ...

    def send(self, message: PrivateMessage) -> SendReceipt:
        """Deliver ``message`` privately; raise ChannelError on failure."""
        ...
