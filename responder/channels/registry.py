"""Building channels from ``responder.channels``: one factory for every channel key.

Channel modules are imported only when their channel is built, so configuring e-mail
alone never imports praw, tweepy, Mastodon.py or atproto. A channel that cannot be built
(a secret unset, Reddit not approved, not configured) is *unavailable* with a one-line
reason, never a crash: rules that name it skip it and say why.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from pydantic import ValidationError

from common.errors import ConfigError, CredentialMissing
from responder.base import Channel
from responder.channels.base import ChannelDeps
from responder.channels.options import (
    BlueskyChatOptions,
    ChannelOptions,
    ChannelsSettings,
    EmailOptions,
    ManualOptions,
    MastodonDmOptions,
    RedditPmOptions,
    WebhookOptions,
    XDmOptions,
)

#: Each channel key (in the default order of preference) and its options schema.
OPTIONS: Final[Mapping[str, type[ChannelOptions]]] = MappingProxyType(
    {
        "reddit_pm": RedditPmOptions,
        "x_dm": XDmOptions,
        "mastodon_dm": MastodonDmOptions,
        "bluesky_chat": BlueskyChatOptions,
        "email": EmailOptions,
        "webhook": WebhookOptions,
        "manual": ManualOptions,
    }
)
CHANNEL_KEYS: Final = tuple(OPTIONS)


@dataclass
class ChannelSet:
    """The channels built from settings, and why the others are unavailable."""

    available: dict[str, Channel] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> Channel | None:
        """The channel called ``key``, if it could be built."""
        return self.available.get(key)

    def reason(self, key: str) -> str:
        """Why ``key`` is unavailable (empty when it is available)."""
        return self.unavailable.get(key, "")

    def close(self) -> None:
        """Close every built channel."""
        for channel in self.available.values():
            channel.close()


def options_model(key: str) -> type[ChannelOptions]:
    """The options schema of channel ``key`` (ConfigError for an unknown key)."""
    if key not in CHANNEL_KEYS:
        raise ConfigError(f"unknown channel {key!r}; use one of: {', '.join(CHANNEL_KEYS)}")
    return OPTIONS[key]


def build_channel(
    key: str,
    options: ChannelOptions | Mapping[str, Any] | None,
    env: Mapping[str, str],
    *,
    deps: ChannelDeps | None = None,
) -> Channel:
    """Build channel ``key`` from its options (a model, or the raw config mapping).

    Raises CredentialMissing when a ``${ENV}`` secret is unset and ConfigError when the
    options are invalid or the channel may not be used yet (Reddit before approval).
    """
    model = options_model(key)
    if options is None:
        if key != "manual":
            raise ConfigError(
                f"channel {key!r} is not configured; add it under responder.channels.{key}"
            )
        options = model()
    if not isinstance(options, ChannelOptions):
        try:
            options = model.model_validate(dict(options))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(
                f"responder.channels.{key}{'.' + where if where else ''}: "
                + str(first["msg"]).removeprefix("Value error, ")
            ) from None
    module = importlib.import_module(f"responder.channels.{key}")
    channel: Channel = module.build(options, env, deps or ChannelDeps())
    return channel


def build_channels(
    settings: ChannelsSettings,
    env: Mapping[str, str],
    *,
    deps: ChannelDeps | None = None,
    keys: Iterable[str] | None = None,
) -> ChannelSet:
    """Every configured channel (or those in ``keys``) that can be built; ``manual`` always."""
    configured = settings.configured()
    out = ChannelSet()
    for key in keys if keys is not None else CHANNEL_KEYS:
        options = configured.get(key)
        if options is None and key != "manual":
            out.unavailable[key] = f"not configured (add responder.channels.{key})"
            continue
        try:
            out.available[key] = build_channel(key, options, env, deps=deps)
        except (CredentialMissing, ConfigError) as exc:
            out.unavailable[key] = str(exc)
    return out
