"""What every private channel shares: its key, options, limits, clock and addressing.

A concrete channel says which recipients it can address (:meth:`BaseChannel.address`),
may ask the platform in :meth:`BaseChannel._probe`, and implements ``send`` (one
delivering provider call) and, where the platform allows, ``read_back``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

import httpx
import requests
from requests.adapters import HTTPAdapter

from common.errors import ChannelError, DeliveryFailed, OutcomeUnknown, Unreachable
from responder.base import (
    MessageForm,
    PrivateMessage,
    RateLimits,
    Reach,
    Recipient,
    SendReceipt,
)
from responder.channels.options import ChannelOptions

Clock = Callable[[], datetime]

#: Clock skew tolerated when matching a read-back message to the attempt's start.
READ_BACK_SKEW = timedelta(minutes=2)
#: When a read-back itself fails (network, rate limit), ask again after this long.
READ_BACK_RETRY = timedelta(minutes=5)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ChannelDeps:
    """What a channel may be handed instead of the real thing (tests, end-to-end runs).

    ``requests_session`` makes the session praw, tweepy, Mastodon.py use; ``httpx_transport``
    carries atproto's and the webhook's requests (e.g. ``httpx.MockTransport``).
    """

    clock: Clock = utc_now
    requests_session: Callable[[], requests.Session] | None = None
    httpx_transport: httpx.BaseTransport | None = None

    def session(self) -> requests.Session:
        """A new requests session (the injected kind, else a plain one)."""
        return self.requests_session() if self.requests_session else requests.Session()


class TimeoutAdapter(HTTPAdapter):
    """Puts the channel's timeout on every request of a ``requests`` session (praw only
    takes whole seconds, tweepy none), and optionally sends one host to another base URL
    (tweepy hard-codes its host)."""

    def __init__(self, timeout_s: float, rewrite: tuple[str, str] | None = None) -> None:
        super().__init__()
        self._timeout_s = timeout_s
        self._rewrite = rewrite

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self._rewrite is not None and request.url:
            request.url = request.url.replace(*self._rewrite, 1)
        kwargs["timeout"] = self._timeout_s
        return super().send(request, **kwargs)

    @classmethod
    def mount(
        cls, session: requests.Session, timeout_s: float, rewrite: tuple[str, str] | None = None
    ) -> requests.Session:
        """Mount on every http(s) URL of ``session``; returns it."""
        adapter = cls(timeout_s, rewrite)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session


OptionsT = TypeVar("OptionsT", bound=ChannelOptions)


class BaseChannel(Generic[OptionsT]):
    """Base of the delivering channels; subclasses set ``key`` and ``platform``."""

    key: ClassVar[str]
    #: The mention platform whose people this channel reaches (None: any person).
    platform: ClassVar[str | None] = None
    #: What the platform calls its private message, for messages to staff.
    noun: ClassVar[str] = "private message"

    def __init__(self, options: OptionsT, *, deps: ChannelDeps | None = None) -> None:
        self.options = options
        self._deps = deps or ChannelDeps()
        self._clock = self._deps.clock

    @property
    def name(self) -> str:
        """Channel key used in routing rules."""
        return self.key

    @property
    def form(self) -> MessageForm:
        """Subject or not, and the body length limit (for drafts and the console)."""
        return MessageForm(subject=True)

    @property
    def limits(self) -> RateLimits:
        """Configured messages per minute / per day for the sending account."""
        return RateLimits(self.options.messages_per_minute, self.options.messages_per_day)

    def address(self, recipient: Recipient) -> str | None:
        """The platform id or handle to send to; None when this channel cannot address them."""
        if self.platform is not None and recipient.platform != self.platform:
            return None
        return recipient.user_id or recipient.handle or None

    def can_reach(self, recipient: Recipient) -> bool:
        """Offline: the recipient has an address on this channel."""
        return self.address(recipient) is not None

    def unreachable(self, recipient: Recipient) -> str:
        """Why this channel has no address for ``recipient`` (offline, one line)."""
        return self._no_address(recipient)

    def check(self, recipient: Recipient) -> Reach:
        """No address → not reachable; else the platform's own pre-flight, if any."""
        if self.address(recipient) is None:
            return Reach.no(self._no_address(recipient))
        return self._probe(recipient)

    def _probe(self, recipient: Recipient) -> Reach:
        """Ask the platform whether ``recipient`` can be messaged; default: yes."""
        return Reach.yes()

    def _no_address(self, recipient: Recipient) -> str:
        if self.platform is not None and recipient.platform != self.platform:
            return f"{self.key}: reaches {self.platform} accounts; this person is on " + (
                recipient.platform or "an unknown platform"
            )
        return f"{self.key}: no {self.platform or 'address'} account known for this person"

    def read_back(self, message: PrivateMessage, attempted_at: datetime) -> SendReceipt | None:
        """Default: the platform cannot show what was sent, so a person must decide."""
        raise OutcomeUnknown(
            f"{self.key}: {self._who(message.recipient)} — the platform offers no way to see "
            "whether the message arrived; ask a person to check the sent folder and resolve it"
        )

    def close(self) -> None:
        """Release connections (nothing by default)."""

    # helpers for subclasses

    def _now(self) -> datetime:
        return self._clock()

    def _target(self, message: PrivateMessage) -> str:
        """The address for ``message``, or Unreachable before any provider call."""
        target = self.address(message.recipient)
        if target is None:
            raise Unreachable(self._no_address(message.recipient))
        return target

    def _who(self, recipient: Recipient) -> str:
        who = recipient.handle or recipient.user_id or recipient.email or recipient.name
        return f"{self.noun} to {who or 'this person'}"

    def _cannot_tell_now(self, what: str, cause: ChannelError) -> OutcomeUnknown:
        """A read-back that failed: still unknown, ask again at ``retry_at``."""
        retry_at = cause.retry_at or self._now() + READ_BACK_RETRY
        reason = {"retry": "rate limited or offline", "unknown": "no answer"}.get(
            cause.outcome, "refused"
        )
        return OutcomeUnknown(
            f"{what} failed ({reason}); still unknown, asked again at "
            f"{retry_at:%Y-%m-%d %H:%M:%S}Z",
            retry_at=retry_at,
        )

    def _settled(self, what: str, attempted_at: datetime) -> None:
        """OutcomeUnknown (ask again soon) while the attempt may still be in flight: "not
        found" means "not delivered" only once the platform had time to show it."""
        ready = attempted_at + timedelta(seconds=self.options.read_back_settle_s)
        if self._now() < ready:
            raise OutcomeUnknown(
                f"{what}: not visible yet, and the attempt is too recent to conclude; "
                f"asked again at {ready:%Y-%m-%d %H:%M:%S}Z",
                retry_at=ready,
            )

    def _fit(self, text: str, limit: int, what: str = "message") -> str:
        """``text`` when within ``limit`` characters; else a refusal before any send."""
        self._check_size(len(text), limit, what)
        return text

    def _check_size(self, size: int, limit: int, what: str) -> None:
        if size > limit:
            raise DeliveryFailed(
                f"{self.key}: the {what} is {size} characters and the platform accepts "
                f"{limit}; shorten the draft and retry the follow-up"
            )

    def _receipt(self, external_id: str | None, detail: str) -> SendReceipt:
        return SendReceipt(channel=self.key, external_id=external_id, delivered=True, detail=detail)


_URL = re.compile(r"https?://\S+")


def comparable(text: str) -> str:
    """Text reduced for read-back matching: links (platforms rewrite them), spacing, case."""
    text = unicodedata.normalize("NFC", _URL.sub("<link>", text))
    return " ".join(text.split()).casefold()


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time from a payload, as aware UTC; None when absent or unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def sent_since(value: object, attempted_at: datetime) -> bool:
    """True when a message time is unknown or not older than the attempt (with skew)."""
    when = parse_time(value)
    return when is None or when >= attempted_at - READ_BACK_SKEW
