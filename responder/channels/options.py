"""Options of each private channel: the ``responder.channels.<key>`` sections of config.yaml.

Secrets are ``${ENV}`` references (:data:`common.credentials.SecretRef`), resolved when the
channel is built. Every host / base URL is configurable, so a self-hosted Mastodon, a test
server or a corporate SMTP relay works without code changes. Rate limits are per sending
account and scheduled by the outbox; the defaults follow each platform's published limits.
"""

from __future__ import annotations

import ipaddress
import re
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common.credentials import SecretRef

_ENV_REF = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_http_url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} must be an http(s) URL, got {value!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(f"{what} must use https (plain http only for a loopback host)")
    return value.rstrip("/")


def _address(value: str, what: str) -> str:
    _, addr = parseaddr(value)
    if "@" not in addr or addr.startswith("@") or addr.endswith("@"):
        raise ValueError(f"{what} must be an e-mail address like 'Name <me@example.com>'")
    return value


class ChannelOptions(BaseModel):
    """Options every channel has: a timeout and the rate limits of its sending account."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timeout_s: float = Field(20.0, gt=0, le=300, description="Per-request timeout, seconds.")
    messages_per_minute: int | None = Field(
        None, ge=1, le=100_000, description="Most messages per minute; unset = no limit."
    )
    messages_per_day: int | None = Field(
        None, ge=1, le=10_000_000, description="Most messages per day; unset = no limit."
    )
    read_back_settle_s: float = Field(
        30.0,
        ge=1,
        le=3600,
        description="After an interrupted attempt, how long before a read-back may conclude "
        "'not delivered' (the platform needs time to show a message).",
    )


class RedditPmOptions(ChannelOptions):
    """``reddit_pm``: Reddit private messages from the brand account (praw)."""

    client_id: SecretRef = Field(description="${ENV} reference to the OAuth client id.")
    client_secret: SecretRef = Field(description="${ENV} reference to the OAuth client secret.")
    username: SecretRef = Field(description="${ENV} reference to the sending account's name.")
    password: SecretRef = Field(description="${ENV} reference to the sending account's password.")
    user_agent: str = Field(
        "simak:responder:0.1 (by u/simak)", min_length=5, description="Descriptive User-Agent."
    )
    api_approved: bool = Field(
        False, description="Set true once Reddit approved API access for this use (required)."
    )
    oauth_url: str = Field("https://oauth.reddit.com", description="Reddit's OAuth API host.")
    reddit_url: str = Field("https://www.reddit.com", description="Reddit's token host.")
    messages_per_minute: int | None = Field(
        10,
        ge=1,
        le=100_000,
        description="Reddit allows 100 requests/min per client; PMs "
        "also meet an anti-spam limit, so Simak paces them.",
    )

    @field_validator("oauth_url", "reddit_url")
    @classmethod
    def _urls(cls, value: str) -> str:
        return check_http_url(value, "the Reddit URL")


class XDmOptions(ChannelOptions):
    """``x_dm``: X direct messages (tweepy, API v2) with user-context auth.

    Either OAuth 1.0a user tokens (all four) or an OAuth 2.0 user access token with the
    ``dm.write dm.read tweet.read users.read`` scopes; an app-only bearer token cannot send.
    """

    consumer_key: SecretRef | None = Field(None, description="OAuth 1.0a API key (${ENV}).")
    consumer_secret: SecretRef | None = Field(None, description="OAuth 1.0a API secret (${ENV}).")
    access_token: SecretRef | None = Field(None, description="OAuth 1.0a user token (${ENV}).")
    access_token_secret: SecretRef | None = Field(
        None, description="OAuth 1.0a user token secret (${ENV})."
    )
    user_access_token: SecretRef | None = Field(
        None, description="OAuth 2.0 user-context access token (${ENV}), instead of OAuth 1.0a."
    )
    api_base_url: str = Field(
        "https://api.twitter.com", description="X API host (tweepy's default; a test server)."
    )
    messages_per_minute: int | None = Field(
        13, ge=1, le=100_000, description="X allows 200 DMs per 15 minutes per user."
    )
    messages_per_day: int | None = Field(
        1000, ge=1, le=10_000_000, description="X allows 1,000 DMs per 24 hours per user."
    )

    @field_validator("api_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_http_url(value, "api_base_url")

    @model_validator(mode="after")
    def _one_auth(self) -> XDmOptions:
        oauth1 = (
            self.consumer_key,
            self.consumer_secret,
            self.access_token,
            self.access_token_secret,
        )
        given = sum(x is not None for x in oauth1)
        if self.user_access_token is not None and given:
            raise ValueError("give either user_access_token (OAuth 2.0) or the OAuth 1.0a keys")
        if self.user_access_token is None and given != 4:
            raise ValueError(
                "X DMs need user-context auth: consumer_key, consumer_secret, access_token "
                "and access_token_secret (OAuth 1.0a), or user_access_token (OAuth 2.0)"
            )
        return self


class MastodonDmOptions(ChannelOptions):
    """``mastodon_dm``: Mastodon direct (mentioned-only) statuses (Mastodon.py)."""

    api_base_url: str = Field(
        description="The brand account's instance, e.g. https://mastodon.social."
    )
    access_token: SecretRef = Field(description="${ENV} reference to a token with write scope.")
    mastodon_version: str = Field(
        "4.0.0", pattern=r"^\d+\.\d+\.\d+$", description="Server version (skips a version probe)."
    )
    max_chars: int = Field(500, ge=100, le=100_000, description="The instance's status length.")
    idempotency_window_s: int = Field(
        3300,
        ge=0,
        le=3600,
        description="Within this many seconds of an attempt, an unknown outcome is settled "
        "by posting again with the same Idempotency-Key (Mastodon keeps keys for 1 hour).",
    )
    messages_per_minute: int | None = Field(
        1, ge=1, le=100_000, description="Mastodon allows 300 statuses per 3 hours per account."
    )

    @field_validator("api_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_http_url(value, "api_base_url")


class BlueskyChatOptions(ChannelOptions):
    """``bluesky_chat``: Bluesky chat through the chat proxy (atproto)."""

    handle: str = Field(min_length=3, description="The brand account, e.g. kopisenja.bsky.social.")
    app_password: SecretRef = Field(description="${ENV} reference to an app password with DMs.")
    service_url: str = Field("https://bsky.social", description="The account's PDS.")
    chat_service_did: str = Field(
        "did:web:api.bsky.chat",
        pattern=r"^did:[a-z]+:\S+$",
        description="DID of the chat service the PDS proxies to.",
    )
    max_chars: int = Field(1000, ge=1, le=1000, description="Bluesky allows 1,000 characters.")
    messages_per_minute: int | None = Field(
        10, ge=1, le=100_000, description="Bluesky publishes no chat limit; Simak paces gently."
    )

    @field_validator("service_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_http_url(value, "service_url")


class EmailOptions(ChannelOptions):
    """``email``: SMTP with STARTTLS or implicit TLS (smtplib)."""

    host: str = Field(min_length=1, description="SMTP server or relay.")
    port: int | None = Field(
        None, ge=1, le=65535, description="Default: 587 (starttls), 465 (tls), 25 (none)."
    )
    security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="starttls | tls | none (none only for a loopback host)."
    )
    username: SecretRef | None = Field(None, description="${ENV} reference to the SMTP user.")
    password: SecretRef | None = Field(None, description="${ENV} reference to the password.")
    sender: str = Field(description="From address, e.g. 'Kopi Senja <halo@kopisenja.example>'.")
    reply_to: str | None = Field(None, description="Reply-To address, if not the sender.")
    message_id_domain: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9.-]+$",
        description="Right-hand side of Message-IDs; default: the sender's domain.",
    )
    unsubscribe_mailto: str | None = Field(
        None,
        description="mailto: URI added to List-Unsubscribe on thank-yous, reminders, news "
        "(a plain address means mailto:<address>).",
    )
    ca_file: Path | None = Field(None, description="PEM CA bundle for a private relay's cert.")
    local_hostname: str | None = Field(None, description="Name sent in EHLO; default: FQDN.")
    timeout_s: float = Field(30.0, gt=0, le=300, description="Per-command timeout, seconds.")

    @field_validator("sender", "reply_to")
    @classmethod
    def _addresses(cls, value: str | None) -> str | None:
        return None if value is None else _address(value, "sender/reply_to")

    @field_validator("unsubscribe_mailto")
    @classmethod
    def _mailto(cls, value: str | None) -> str | None:
        if value is None:
            return None
        uri = value.strip() if value.strip().startswith("mailto:") else f"mailto:{value.strip()}"
        if not re.fullmatch(r"mailto:[^@\s]+@[^@\s]+\.[^@\s]+", uri):
            raise ValueError(
                f"not an e-mail address: {value!r}; write mailto:unsubscribe@your-domain"
            )
        return uri

    @model_validator(mode="after")
    def _consistent(self) -> EmailOptions:
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                f"security: none sends mail and passwords in clear text; it is allowed only "
                f"for a loopback host, not {self.host!r}: use starttls or tls"
            )
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        return self

    @property
    def effective_port(self) -> int:
        """The port to connect to."""
        if self.port is not None:
            return self.port
        return {"starttls": 587, "tls": 465, "none": 25}[self.security]


class WebhookOptions(ChannelOptions):
    """``webhook``: a signed JSON POST to a helpdesk or chat tool (Standard Webhooks)."""

    url: str = Field(description="Receiver URL (https; an ${ENV} reference for secret URLs).")
    secret: SecretRef | None = Field(
        None, description="${ENV} reference to a Standard Webhooks secret 'whsec_<base64>'."
    )
    idempotent_receiver: bool = Field(
        False,
        description="True when the receiver drops duplicates by webhook-id: an unknown "
        "outcome is then settled by delivering again with the same id.",
    )
    timeout_s: float = Field(10.0, gt=0, le=300, description="Per-request timeout, seconds.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return value if _ENV_REF.match(value) else check_http_url(value, "url")


class ManualOptions(ChannelOptions):
    """``manual``: a task for staff; no options besides the common ones."""


class ChannelsSettings(BaseModel):
    """The ``responder.channels`` section: one optional block per channel key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reddit_pm: RedditPmOptions | None = None
    x_dm: XDmOptions | None = None
    mastodon_dm: MastodonDmOptions | None = None
    bluesky_chat: BlueskyChatOptions | None = None
    email: EmailOptions | None = None
    webhook: WebhookOptions | None = None
    manual: ManualOptions = Field(default_factory=ManualOptions)

    def configured(self) -> dict[str, ChannelOptions]:
        """Channel key → options, for every channel present in the section (manual always)."""
        out: dict[str, ChannelOptions] = {}
        for key in type(self).model_fields:
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out
