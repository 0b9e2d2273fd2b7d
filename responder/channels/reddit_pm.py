"""``reddit_pm``: a Reddit private message from the brand account through praw.

One delivering call per attempt: ``Redditor.message(subject=…, message=…)`` (``POST
/api/compose/``). prawcore's own retries are switched off, so a 5xx or a timeout is never
re-posted behind our back; Reddit offers no way to read sent messages back (inbox reads
redirect to login, praw#2077), so an unknown outcome always goes to a person.

Reddit's Responsible Builder Policy requires approval for API use: the channel is not
built until ``api_approved: true``.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

import praw
import prawcore
from praw.endpoints import API_PATH
from praw.exceptions import RedditAPIException
from prawcore.sessions import RetryStrategy

from common.credentials import resolve
from common.errors import ChannelError, ConfigError, Unreachable
from responder.base import MessageForm, PrivateMessage, Reach, Recipient, SendReceipt
from responder.channels.base import BaseChannel, ChannelDeps, TimeoutAdapter
from responder.channels.failures import (
    account_refused,
    rate_limited,
    refused,
    retry_at_from,
    server_error,
    transport_failure,
    unreadable_answer,
)
from responder.channels.options import RedditPmOptions

MAX_SUBJECT: Final = 100
MAX_BODY: Final = 10_000
#: prawcore paces requests by sleeping; longer waits than this become RetryLater.
MAX_PACING_S: Final = 10.0
_COMPOSE: Final = "/api/compose"
#: API error types that mean "this person cannot get a PM from us".
_UNREACHABLE: Final = frozenset(
    {
        "USER_DOESNT_EXIST",
        "NOT_WHITELISTED_BY_USER_MESSAGE",
        "USER_BLOCKED",
        "USER_BLOCKED_MESSAGE",
        "INVALID_USER",
        "USER_MUTED",
        "SUSPENDED_USER",
    }
)
_WAIT = re.compile(r"(\d{1,4})\s*(millisecond|second|minute|hour)", re.IGNORECASE)
_PREFIX = re.compile(r"^/?u/", re.IGNORECASE)
#: A Reddit username; anything else (a file import's "../api/v1/me") never goes into an
#: API path.
_USERNAME = re.compile(r"[A-Za-z0-9_-]{1,20}")


class _NoRetry(RetryStrategy):
    """prawcore retries 5xx and timeouts by re-sending: never for a delivery."""

    def _sleep_seconds(self) -> float | None:
        return None

    def consume_available_retry(self) -> _NoRetry:
        return self

    def should_retry_on_failure(self) -> bool:
        return False


class RedditPmChannel(BaseChannel[RedditPmOptions]):
    """Sends one Reddit PM per attempt; unknown outcomes are for a person to settle."""

    key = "reddit_pm"
    platform = "reddit"
    noun = "Reddit PM"

    @property
    def form(self) -> MessageForm:
        """Subject (up to 100 characters, trimmed) and a body of up to 10,000."""
        return MessageForm(subject=True, max_chars=MAX_BODY)

    def __init__(
        self, options: RedditPmOptions, reddit: praw.Reddit, *, deps: ChannelDeps | None = None
    ) -> None:
        super().__init__(options, deps=deps)
        self._reddit = reddit

    def address(self, recipient: Recipient) -> str | None:
        """The Reddit username (PMs are addressed by name, not by t2_ id)."""
        if recipient.platform != self.platform or not recipient.handle:
            return None
        name = _PREFIX.sub("", recipient.handle.strip())
        return name if _USERNAME.fullmatch(name) else None

    def _probe(self, recipient: Recipient) -> Reach:
        """Look the account up: missing, suspended or closed to PMs means unreachable."""
        name = self._target_of(recipient)
        what = f"{self.key}: looking up u/{name}"
        try:
            self._pace(what)
            about = self._reddit.get(f"/user/{name}/about/")
        except Exception as exc:
            failure = self._failure(exc, what, delivering=False)
            if isinstance(failure, Unreachable):
                return Reach.no(str(failure))
            raise failure from None
        data = vars(about) if not isinstance(about, dict) else about.get("data", about)
        if data.get("is_suspended"):
            return Reach.no(f"{self.key}: u/{name} is suspended")
        if data.get("accept_pms") is False:
            return Reach.no(f"{self.key}: u/{name} does not accept private messages")
        return Reach.yes()

    def send(self, message: PrivateMessage) -> SendReceipt:
        """One ``Redditor.message``; Reddit returns no message id, so none is stored."""
        name = self._target_of(message.recipient)
        subject = _subject(message.subject)
        body = self._fit(message.body.strip(), MAX_BODY)
        what = f"{self.key}: PM to u/{name}"
        self._pace(what)
        try:  # what Redditor.message does, keeping Reddit's answer to check it
            answer = self._reddit.post(
                API_PATH["compose"], data={"subject": subject, "text": body, "to": name}
            )
        except (TypeError, AttributeError):  # praw could not parse what came back
            raise unreadable_answer(what, 200) from None
        except Exception as exc:
            raise self._failure(exc, what, delivering=True) from None
        if not (isinstance(answer, Mapping) and isinstance(answer.get("json"), Mapping)):
            # not Reddit's {"json": {"errors": []}}: something answered, maybe not Reddit
            raise unreadable_answer(what, 200)
        return self._receipt(None, f"Reddit PM to u/{name} accepted (Reddit returns no id)")

    def close(self) -> None:
        """Nothing to release: praw holds no open resources worth closing."""

    def _target_of(self, recipient: Recipient) -> str:
        name = self.address(recipient)
        if name is None:
            raise Unreachable(self._no_address(recipient))
        return name

    def _pace(self, what: str) -> None:
        """RetryLater instead of letting prawcore sleep until Reddit's window resets."""
        limiter = getattr(getattr(self._reddit, "_core", None), "rate_limiter", None)
        next_ns = getattr(limiter, "next_request_timestamp_ns", None)
        if isinstance(next_ns, int):
            wait = (next_ns - time.monotonic_ns()) / 1e9
            if wait > MAX_PACING_S:
                raise rate_limited(what, self._now() + timedelta(seconds=wait))

    def _failure(self, exc: Exception, what: str, *, delivering: bool) -> ChannelError:
        """Map praw/prawcore errors; only a failure of the compose call itself is unknown."""
        if isinstance(exc, RedditAPIException):
            return self._api_failure(exc, what)
        if isinstance(exc, prawcore.RequestException):
            on_compose = _COMPOSE in _url_of(exc.request_args, exc.request_kwargs)
            return transport_failure(
                exc.original_exception, what, delivering=delivering and on_compose
            )
        if isinstance(exc, prawcore.OAuthException):
            return account_refused(
                what, "OAuth", exc.error, "check the Reddit app and account secrets"
            )
        if isinstance(exc, prawcore.ResponseException):
            return self._http_failure(exc, what, delivering=delivering)
        raise exc

    def _http_failure(
        self, exc: prawcore.ResponseException, what: str, *, delivering: bool
    ) -> ChannelError:
        status = exc.response.status_code
        on_compose = delivering and _COMPOSE in str(exc.response.url)
        if isinstance(exc, prawcore.TooManyRequests) or status == 429:
            return rate_limited(what, retry_at_from(exc.response.headers, self._now()))
        if status >= 500:
            return server_error(what, status, delivering=on_compose)
        if 200 <= status < 300:  # prawcore's BadJSON: Reddit took it, the reply is unreadable
            return unreadable_answer(what, status, delivering=on_compose)
        reason = _reason(exc.response)
        if status == 404 or reason in _UNREACHABLE:
            return Unreachable(f"{what}: Reddit says {reason or 'no such user'}")
        if status in (401, 403):
            return account_refused(what, status, reason, "check the Reddit app and account secrets")
        return refused(what, status, reason, "Reddit refused the request; see the reason")

    def _api_failure(self, exc: RedditAPIException, what: str) -> ChannelError:
        item = exc.items[0]
        kind, text = item.error_type, " ".join(str(item.message or "").split())
        if kind == "RATELIMIT":
            return rate_limited(what, self._now() + _wait(text))
        if kind in _UNREACHABLE:
            return Unreachable(f"{what}: Reddit says {kind} ({text})")
        if kind == "USER_REQUIRED":
            return account_refused(
                what, kind, text, "check the Reddit account username and password"
            )
        return refused(what, kind, text, "Reddit refused the message; see the reason")


def _subject(subject: str) -> str:
    text = " ".join(subject.split()) or "Follow-up"
    return text if len(text) <= MAX_SUBJECT else text[: MAX_SUBJECT - 1].rstrip() + "…"


def _wait(text: str) -> timedelta:
    found = _WAIT.search(text)
    if not found:
        return timedelta(minutes=10)
    amount, unit = int(found.group(1)), found.group(2).lower()
    seconds = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600}[unit] * amount
    return timedelta(seconds=max(seconds, 1))


def _url_of(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str:
    url = kwargs.get("url") if kwargs.get("url") else (args[1] if len(args) > 1 else "")
    return str(url)


def _reason(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        return str(body.get("reason") or body.get("message") or "")
    return ""


def build(options: RedditPmOptions, env: Mapping[str, str], deps: ChannelDeps) -> RedditPmChannel:
    """A Reddit PM channel; ConfigError until ``api_approved``, CredentialMissing if unset."""
    if not options.api_approved:
        raise ConfigError(
            "channel 'reddit_pm': Reddit API access needs Reddit's approval (Responsible "
            "Builder Policy); once approved set responder.channels.reddit_pm.api_approved: true"
        )
    config: dict[str, Any] = {
        name: resolve("reddit_pm", getattr(options, name), env, kind="channel")
        for name in ("client_id", "client_secret", "username", "password")
    }
    config.update(
        user_agent=options.user_agent,
        oauth_url=options.oauth_url,
        reddit_url=options.reddit_url,
        timeout=max(1, math.ceil(options.timeout_s)),  # praw takes whole seconds only
        ratelimit_seconds=0,  # "doing that too much" raises at once; the outbox waits
        check_for_updates=False,
        check_for_async=False,
        requestor_kwargs={"session": TimeoutAdapter.mount(deps.session(), options.timeout_s)},
    )
    reddit = praw.Reddit(**config)
    for core in ("_core", "_authorized_core", "_read_only_core"):
        session = getattr(reddit, core, None)
        if session is not None and hasattr(session, "_retry_strategy_class"):
            session._retry_strategy_class = _NoRetry
    return RedditPmChannel(options, reddit, deps=deps)
