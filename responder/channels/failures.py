"""Turning transport failures and rate-limit answers into delivery outcomes.

The one question that matters for exactly-once delivery: did the request leave this
machine? A refused connection, a DNS failure, a connect timeout or a failed TLS handshake
happened before it did (``RetryLater``: provably not delivered). A read timeout, a reset or
a dropped connection after the request was written may have delivered it (``OutcomeUnknown``).
"""

from __future__ import annotations

import http.client
import math
import socket
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ProxyError,
)

from common.errors import (
    AccountRefused,
    ChannelError,
    DeliveryFailed,
    OutcomeUnknown,
    RetryLater,
)
from common.text import one_line

#: When a 429 names no reset time, try again after this long.
DEFAULT_RETRY_AFTER = timedelta(seconds=60)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps (causes, contexts, urllib3's ``reason``, args)."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        cur = todo.pop()
        if any(cur is s for s in seen):
            continue
        seen.append(cur)
        for nxt in (cur.__cause__, cur.__context__, getattr(cur, "reason", None)):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
        todo.extend(a for a in cur.args if isinstance(a, BaseException))
        original = getattr(cur, "original_exception", None)  # prawcore's wrapper
        if isinstance(original, BaseException):
            todo.append(original)
    return seen


def left_machine(exc: BaseException) -> bool:
    """False when the failure provably happened before the request was sent.

    TLS errors count as "before" only when the certificate was refused (that happens in the
    handshake); urllib3 reports a TLS error while reading the answer the same way.
    """
    for cause in _causes(exc):
        if isinstance(
            cause,
            requests.exceptions.ConnectTimeout
            | requests.exceptions.ProxyError
            | NewConnectionError  # refused, unreachable, DNS (NameResolutionError)
            | ConnectTimeoutError
            | ProxyError
            | ssl.SSLCertVerificationError
            | httpx.ConnectError  # httpx raises this for handshake failures too
            | httpx.ConnectTimeout
            | httpx.PoolTimeout
            | httpx.ProxyError
            | ConnectionRefusedError
            | socket.gaierror,
        ):
            return False
    return True


def transport_failure(exc: BaseException, what: str, *, delivering: bool = True) -> ChannelError:
    """The outcome of a request that failed without an HTTP answer.

    ``what`` names the attempt for the message, e.g. "x_dm: X DM to rinaw". Only the
    ``delivering`` request can have an unknown outcome; a lookup before it cannot.
    """
    if not delivering or not left_machine(exc):
        return RetryLater(f"{what} was not sent ({_short(exc)}); it will be tried again")
    return OutcomeUnknown(
        f"{what}: the request left but no answer came ({_short(exc)}); it may have been "
        "delivered, so it is not resent: settle it by reading back or by a person"
    )


def is_transport_error(exc: BaseException) -> bool:
    """True for network-level failures of requests or httpx (no HTTP answer)."""
    return any(
        isinstance(c, requests.exceptions.RequestException | httpx.TransportError | OSError)
        for c in _causes(exc)
    )


def rate_limited(what: str, retry_at: datetime) -> RetryLater:
    """A 429: not delivered; try again at ``retry_at``."""
    return RetryLater(
        f"{what} was refused by a rate limit; it waits until {retry_at:%Y-%m-%d %H:%M:%S}Z",
        retry_at=retry_at,
    )


def server_error(what: str, status: int, *, delivering: bool = True) -> ChannelError:
    """A 5xx: after the delivering request arrived, the provider may have acted on it."""
    if not delivering:
        return RetryLater(f"{what} was not sent (the server answered {status}); tried again")
    return OutcomeUnknown(
        f"{what}: the server answered {status} after receiving the request; it may have "
        "been delivered, so it is not resent: settle it by reading back or by a person"
    )


def unreadable_answer(what: str, status: int | None, *, delivering: bool = True) -> ChannelError:
    """A success answer (``status``, None when unknown) whose body is not what was asked
    for (a proxy's HTML page, an empty or cut body): the provider took the request, so
    the message may have been delivered."""
    answer = f"answered {status}" if status else "accepted the request"
    if not delivering:
        return RetryLater(
            f"{what} was not sent (the server's reply could not be read); tried again"
        )
    return OutcomeUnknown(
        f"{what}: the server {answer} but its reply could not be read; it may have "
        "been delivered, so it is not resent: settle it by reading back or by a person"
    )


def refused(what: str, status: int | str, detail: str, hint: str) -> DeliveryFailed:
    """A permanent refusal, with what to do about it."""
    return DeliveryFailed(f"{what} was refused ({_answer(status, detail)}); {hint}")


def account_refused(what: str, status: int | str, detail: str, hint: str) -> AccountRefused:
    """The channel's credentials or setup were refused (401, a revoked token, a wrong
    URL): not this message's fault, so the channel pauses; ``hint`` says what to fix."""
    return AccountRefused(f"{what} was refused ({_answer(status, detail)}); {hint}")


def _answer(status: int | str, detail: str) -> str:
    """``status: detail`` as one short line: praw hands over a non-JSON error page (HTML,
    newlines and all) as the error's kind, and servers put anything in a reason."""
    status, detail = one_line(status, 120), one_line(detail)
    return f"{status}: {detail}" if status and detail else status or detail


def retry_at_from(headers: Mapping[str, str], now: datetime) -> datetime:
    """When a 429 says to come back: Retry-After (seconds or HTTP date), else a reset header
    (epoch seconds or ISO time: x-rate-limit-reset, x-ratelimit-reset, ratelimit-reset),
    else ``now`` + :data:`DEFAULT_RETRY_AFTER`."""
    lower = {k.lower(): v for k, v in headers.items()}
    after = lower.get("retry-after")
    if after:
        found = _seconds_or_date(after, now, relative=True)
        if found is not None:
            return found
    for name in ("x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset"):
        value = lower.get(name)
        if value:
            found = _seconds_or_date(value, now, relative=False)
            if found is not None:
                return found
    return now + DEFAULT_RETRY_AFTER


def _seconds_or_date(value: str, now: datetime, *, relative: bool) -> datetime | None:
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        return _date(value, now)
    if not math.isfinite(number) or number < 0:
        return None
    # An epoch reset is a big number; a small one is a delay (IETF RateLimit drafts).
    if relative or number < 10**9:
        return now + timedelta(seconds=number)
    return max(now, datetime.fromtimestamp(number, UTC))


def _date(value: str, now: datetime) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return max(now, parsed.astimezone(UTC))


def _short(exc: BaseException) -> str:
    """What went wrong, without URLs (a webhook URL can be a secret) or tracebacks."""
    causes = _causes(exc)
    for kinds, words in _DESCRIPTIONS:
        if any(isinstance(c, kinds) for c in causes):
            return words
    return type(causes[-1]).__name__


_DESCRIPTIONS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    (ConnectionRefusedError, "connection refused"),
    ((socket.gaierror, NameResolutionError), "host name not found"),
    ((ssl.SSLError, requests.exceptions.SSLError), "TLS failed"),
    # urllib3's NewConnectionError is a ConnectTimeoutError: test it first
    ((NewConnectionError, httpx.ConnectError), "could not connect"),
    (
        (ConnectTimeoutError, requests.exceptions.ConnectTimeout, httpx.ConnectTimeout),
        "connect timed out",
    ),
    (
        (TimeoutError, socket.timeout, requests.exceptions.ReadTimeout, httpx.TimeoutException),
        "timed out",
    ),
    (ConnectionResetError, "connection reset"),
    (
        (http.client.RemoteDisconnected, httpx.RemoteProtocolError, ConnectionAbortedError),
        "connection closed by the server",
    ),
    ((requests.exceptions.ConnectionError, httpx.NetworkError, OSError), "network error"),
)
