"""The manual channel: a task for staff, never a delivery."""

from __future__ import annotations

import pytest

from responder.base import Channel, PrivateMessage, Recipient
from responder.channels.manual import ManualChannel


def _message(recipient: Recipient) -> PrivateMessage:
    return PrivateMessage("fu-1", recipient, "Makasih, Kak Rina!", "Halo Kak Rina, ...")


def test_is_a_private_channel_that_reaches_anyone() -> None:
    channel = ManualChannel()

    assert isinstance(channel, Channel)
    assert channel.name == "manual"
    assert channel.can_reach(Recipient(name=None, platform="rss"))


@pytest.mark.parametrize(
    ("recipient", "where"),
    [
        (Recipient("Rina", "reddit", handle="u/rinaw"), "Reddit private message to u/rinaw"),
        (Recipient("Rina", "x", handle="@rinaw"), "X direct message to @rinaw"),
        (Recipient("Rina", "file", email="rina@example.com"), "e-mail to rina@example.com"),
        (Recipient("Rina", "hackernews", handle="rw"), "any private way to reach rw (hackernews)"),
    ],
)
def test_send_delivers_nothing_and_tells_staff_where(recipient: Recipient, where: str) -> None:
    receipt = ManualChannel().send(_message(recipient))

    assert receipt.delivered is False
    assert receipt.external_id is None
    assert receipt.channel == "manual"
    assert receipt.detail.startswith("task for staff: copy the draft and send it privately via ")
    assert receipt.detail.endswith(where)


def test_has_no_public_operation() -> None:
    public = {n for n in dir(ManualChannel) if not n.startswith("_")}

    assert public == {"name", "can_reach", "send"}
