"""pytest fixtures for the channel fakes, and channel options that point at them.

Use them from a conftest with ``from tests.fakes.fixtures import *  # noqa: F403``.
``channels_section(...)`` gives the ``responder.channels`` mapping for a config file, and
``FAKE_ENV`` the environment its ``${ENV}`` references resolve from.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.bluesky import FakeBluesky
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.reddit import FakeReddit
from tests.fakes.smtp import SmtpSink
from tests.fakes.webhook import WebhookReceiver, new_secret
from tests.fakes.x import FakeX

WEBHOOK_SECRET = new_secret()

#: The secrets every option set below refers to.
FAKE_ENV: dict[str, str] = {
    "REDDIT_CLIENT_ID": "cid",
    "REDDIT_CLIENT_SECRET": "csecret",
    "REDDIT_USERNAME": "kopisenja",
    "REDDIT_PASSWORD": "pw",
    "X_CONSUMER_KEY": "ck",
    "X_CONSUMER_SECRET": "cs",
    "X_ACCESS_TOKEN": "at",
    "X_ACCESS_TOKEN_SECRET": "ats",
    "MASTODON_TOKEN": "mtoken",
    "BSKY_APP_PASSWORD": "app-pass",
    "SMTP_USER": "bot",
    "SMTP_PASSWORD": "pw",
    "SIMAK_WEBHOOK_SECRET": WEBHOOK_SECRET,
}

#: People the fakes know: reachable ones, and ones whose DMs are closed.
X_USERS = {"rinaw": "2244994945", "budi": "1111"}
X_CLOSED = {"1111"}
MASTODON_ACCOUNTS = {"rina": "111", "budi@remote.example": "222"}
BLUESKY_HANDLES = {"rina.bsky.social": "did:plc:rina", "budi.bsky.social": "did:plc:budi"}
BLUESKY_CLOSED = {"did:plc:budi"}


def x_options(fake: FakeX, **extra: Any) -> dict[str, Any]:
    """``responder.channels.x_dm`` for a FakeX (OAuth 1.0a user tokens)."""
    return {
        "consumer_key": "${X_CONSUMER_KEY}",
        "consumer_secret": "${X_CONSUMER_SECRET}",
        "access_token": "${X_ACCESS_TOKEN}",
        "access_token_secret": "${X_ACCESS_TOKEN_SECRET}",
        "api_base_url": fake.url,
        "timeout_s": 2,
        **extra,
    }


def reddit_options(fake: FakeReddit, **extra: Any) -> dict[str, Any]:
    """``responder.channels.reddit_pm`` for a FakeReddit (approved)."""
    return {
        "client_id": "${REDDIT_CLIENT_ID}",
        "client_secret": "${REDDIT_CLIENT_SECRET}",
        "username": "${REDDIT_USERNAME}",
        "password": "${REDDIT_PASSWORD}",
        "api_approved": True,
        "oauth_url": fake.url,
        "reddit_url": fake.url,
        "timeout_s": 2,
        **extra,
    }


def mastodon_options(fake: FakeMastodon, **extra: Any) -> dict[str, Any]:
    """``responder.channels.mastodon_dm`` for a FakeMastodon."""
    return {
        "api_base_url": fake.url,
        "access_token": "${MASTODON_TOKEN}",
        "timeout_s": 2,
        **extra,
    }


def bluesky_options(fake: FakeBluesky, **extra: Any) -> dict[str, Any]:
    """``responder.channels.bluesky_chat`` for a FakeBluesky."""
    return {
        "handle": fake.handle,
        "app_password": "${BSKY_APP_PASSWORD}",
        "service_url": fake.url,
        "chat_service_did": fake.chat_did,
        "timeout_s": 2,
        **extra,
    }


def email_options(sink: SmtpSink, **extra: Any) -> dict[str, Any]:
    """``responder.channels.email`` for an SmtpSink (its security, its login if any)."""
    options: dict[str, Any] = {
        "host": sink.host,
        "port": sink.port,
        "security": sink.security,
        "sender": "Kopi Senja <halo@kopisenja.example>",
        "unsubscribe_mailto": "mailto:unsubscribe@kopisenja.example",
        "local_hostname": "simak.test",
        "timeout_s": 2,
    }
    if sink.auth is not None:
        options.update(username="${SMTP_USER}", password="${SMTP_PASSWORD}")
    if sink.ca_file is not None:
        options["ca_file"] = str(sink.ca_file)
    return {**options, **extra}


def webhook_options(receiver: WebhookReceiver, **extra: Any) -> dict[str, Any]:
    """``responder.channels.webhook`` for a WebhookReceiver."""
    return {
        "url": f"{receiver.url}/hooks/simak",
        "secret": "${SIMAK_WEBHOOK_SECRET}",
        "timeout_s": 2,
        **extra,
    }


def channels_section(
    *,
    x: FakeX | None = None,
    reddit: FakeReddit | None = None,
    mastodon: FakeMastodon | None = None,
    bluesky: FakeBluesky | None = None,
    smtp: SmtpSink | None = None,
    webhook: WebhookReceiver | None = None,
) -> dict[str, Any]:
    """The ``responder.channels`` mapping for whichever fakes are given."""
    section: dict[str, Any] = {}
    if reddit is not None:
        section["reddit_pm"] = reddit_options(reddit)
    if x is not None:
        section["x_dm"] = x_options(x)
    if mastodon is not None:
        section["mastodon_dm"] = mastodon_options(mastodon)
    if bluesky is not None:
        section["bluesky_chat"] = bluesky_options(bluesky)
    if smtp is not None:
        section["email"] = email_options(smtp)
    if webhook is not None:
        section["webhook"] = webhook_options(webhook)
    return section


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    with FakeX(X_USERS, closed=X_CLOSED, missing={"404"}) as fake:
        yield fake


@pytest.fixture
def fake_reddit() -> Iterator[FakeReddit]:
    with FakeReddit(missing={"ghost"}, closed={"budi"}, suspended={"banned"}) as fake:
        yield fake


@pytest.fixture
def fake_mastodon() -> Iterator[FakeMastodon]:
    with FakeMastodon(MASTODON_ACCOUNTS, suspended={"budi@remote.example"}) as fake:
        yield fake


@pytest.fixture
def fake_bluesky() -> Iterator[FakeBluesky]:
    with FakeBluesky(BLUESKY_HANDLES, closed=BLUESKY_CLOSED) as fake:
        yield fake


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A plain SMTP server on loopback with AUTH (security: none)."""
    with SmtpSink(auth=("bot", "pw")) as sink:
        yield sink


@pytest.fixture
def smtp_sink_starttls() -> Iterator[SmtpSink]:
    """An SMTP server that requires STARTTLS, with AUTH and a self-signed certificate."""
    with SmtpSink(security="starttls", auth=("bot", "pw")) as sink:
        yield sink


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(WEBHOOK_SECRET) as receiver:
        yield receiver
