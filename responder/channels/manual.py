"""The ``manual`` channel: a task for staff, never an automatic delivery.

It is the last resort of every routing rule, so it can reach anyone. Sending
records nothing outside Simak: staff copy the approved draft and send it
privately themselves on the person's platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

from responder.base import PrivateMessage, Reach, Recipient, SendReceipt
from responder.channels.base import BaseChannel, ChannelDeps
from responder.channels.options import ManualOptions

_PLATFORM_HINTS: Final = {
    "reddit": "a Reddit private message",
    "x": "an X direct message",
    "mastodon": "a Mastodon direct (private) mention",
    "bluesky": "a Bluesky chat",
}


class ManualChannel(BaseChannel[ManualOptions]):
    """Hands the draft to staff as a task; creates no external delivery."""

    key = "manual"
    noun = "task for staff"

    def __init__(
        self, options: ManualOptions | None = None, *, deps: ChannelDeps | None = None
    ) -> None:
        super().__init__(options or ManualOptions(), deps=deps)

    def address(self, recipient: Recipient) -> str | None:
        """Anyone: a person on staff can find a private way to anyone."""
        return _how_to_reach(recipient)

    def check(self, recipient: Recipient) -> Reach:
        """Always reachable, and says how."""
        return Reach.yes(_how_to_reach(recipient))

    def send(self, message: PrivateMessage) -> SendReceipt:
        """Return a receipt telling staff where to send the draft; nothing is delivered."""
        return SendReceipt(
            channel=self.name,
            external_id=None,
            delivered=False,
            detail=f"task for staff: copy the draft and send it privately via "
            f"{_how_to_reach(message.recipient)}",
        )

    def read_back(self, message: PrivateMessage, attempted_at: datetime) -> SendReceipt | None:
        """Nothing ever left Simak: None (sending again only re-creates the task)."""
        return None


def _how_to_reach(recipient: Recipient) -> str:
    """The platform's private channel when it has one, else e-mail, else any private way."""
    hint = _PLATFORM_HINTS.get(recipient.platform)
    who = recipient.handle or recipient.user_id
    if hint and who:
        return f"{hint} to {who}"
    if recipient.email:
        return f"e-mail to {recipient.email}"
    person = who or recipient.name or "the author"
    return f"any private way to reach {person} ({recipient.platform})"


def build(options: ManualOptions, env: Mapping[str, str], deps: ChannelDeps) -> ManualChannel:
    """The manual channel (it needs no secrets)."""
    return ManualChannel(options, deps=deps)
