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
