"""Shared helpers of the channel tests: a settable clock, messages, and the fakes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from common.records import PrivateMessage, Recipient
from responder.base import Channel
from responder.channels.base import ChannelDeps
from responder.channels.registry import build_channel
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.fixtures import FAKE_ENV


class Clock:
    """An injectable clock near real time (the fakes stamp messages with real time)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def _no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """A channel never sleeps: waits are the outbox's business (retry_at)."""

    def refuse(seconds: float) -> None:
        raise AssertionError(f"a channel tried to sleep for real ({seconds}s)")

    for module in ("prawcore.rate_limit", "praw.reddit", "tweepy.client", "mastodon.internals"):
        monkeypatch.setattr(f"{module}.time.sleep", refuse)


def message(
    recipient: Recipient, body: str = "Halo Kak Rina, maaf ya soal pesanannya.", **kw: Any
) -> PrivateMessage:
    """A follow-up message with a stable idempotency key."""
    fields: dict[str, Any] = {
        "idempotency_key": "simak-fu-42",
        "recipient": recipient,
        "subject": "Soal pesanan Kakak",
        "body": body,
        "lang": "id",
        "label": "complaint",
    }
    fields.update(kw)
    return PrivateMessage(**fields)


Build = Callable[..., Channel]


@pytest.fixture
def build(clock: Clock) -> Build:
    """``build(key, options_dict)`` with the fake secrets and the test clock."""

    def make(key: str, options: dict[str, Any], env: dict[str, str] | None = None) -> Channel:
        return build_channel(
            key, options, FAKE_ENV if env is None else env, deps=ChannelDeps(clock=clock)
        )

    return make


__all__ = ["Build", "Clock", "message"]
