"""The manual channel: a task for staff, never a delivery."""

from __future__ import annotations

from datetime import datetime

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


def test_has_no_public_operation_beyond_the_protocol() -> None:
    public = {n for n in dir(ManualChannel) if not n.startswith("_")}

    assert public == {
        "name",
        "form",
        "limits",
        "address",
        "can_reach",
        "unreachable",
        "check",
        "send",
        "read_back",
        "close",
        "key",
        "noun",
        "platform",
    }


def test_check_always_reaches_and_read_back_finds_nothing_sent(now: datetime) -> None:
    channel = ManualChannel()
    recipient = Recipient("Rina", "x", handle="@rinaw")

    assert channel.check(recipient).ok
    assert channel.check(recipient).reason == "an X direct message to @rinaw"
    assert channel.read_back(_message(recipient), now) is None
    assert channel.limits.per_minute is None and channel.limits.per_day is None
