"""Retries with exponential backoff and bounded rate-limit waits.

Every listener wraps its network calls in :meth:`Retrier.call`. The clock and the
sleep are injected so tests never sleep for real and can assert on the waits.
A call signals how it failed by raising (or having ``classify`` map its library
error to) :class:`TransientError` (worth retrying: timeouts, 5xx) or :class:`ThrottledError`
(429 / "slow down", optionally with the reset time). Anything else propagates.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar

from common.errors import RateLimited, SourceUnavailable

T = TypeVar("T")
Clock = Callable[[], datetime]
Sleep = Callable[[float], None]


def utc_now() -> datetime:
    """The real clock: the current time, timezone-aware UTC."""
    return datetime.now(UTC)


def real_sleep(seconds: float) -> None:
    """The real sleep (the default outside tests)."""
    time.sleep(seconds)


class TransientError(Exception):
    """A failure worth retrying after a backoff (timeout, connection reset, 5xx)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ThrottledError(Exception):
    """The platform asked us to slow down; ``retry_at`` (UTC) says when, if it said."""

    def __init__(
        self, reason: str, retry_at: datetime | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_at = retry_at
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard a listener tries before giving up for this run."""

    attempts: int = 3  # tries per call, for transient failures and for throttling each
    backoff_s: float = 1.0  # first backoff; doubles on each retry
    max_backoff_s: float = 30.0
    max_wait_s: float = 60.0  # longest single rate-limit wait accepted inside a run
    budget_s: float = 180.0  # total seconds one run may spend sleeping, all calls together


Classifier = Callable[[Exception], TransientError | ThrottledError | None]


class RetryOptions(Protocol):
    """The retry knobs every network source's options carry."""

    @property
    def attempts(self) -> int:
        """Tries per call."""
        ...

    @property
    def max_wait_s(self) -> float:
        """Longest rate-limit wait accepted inside a run."""
        ...


class Retrier:
    """Runs calls for one source, retrying transient failures and waiting out short limits.

    Raises :class:`~common.errors.SourceUnavailable` when retries are exhausted and
    :class:`~common.errors.RateLimited` when the wait would be too long, so the run
    moves on and the source resumes next time.
    """

    def __init__(
        self,
        source: str,
        policy: RetryPolicy | None = None,
        *,
        clock: Clock = utc_now,
        sleep: Sleep = real_sleep,
    ) -> None:
        self.source = source
        self.policy = policy or RetryPolicy()
        self._clock = clock
        self._sleep = sleep
        self.slept_s = 0.0  # total waited by this retrier, for health reporting

    @classmethod
    def for_source(
        cls,
        source: str,
        options: RetryOptions,
        *,
        clock: Clock = utc_now,
        sleep: Sleep = real_sleep,
    ) -> Retrier:
        """A retrier whose attempts and longest wait come from a source's options."""
        policy = RetryPolicy(attempts=options.attempts, max_wait_s=options.max_wait_s)
        return cls(source, policy, clock=clock, sleep=sleep)

    def start_run(self) -> None:
        """Forget the time slept so far: the sleep budget is per run (per ``poll``)."""
        self.slept_s = 0.0

    def now(self) -> datetime:
        """The injected clock's current time (UTC)."""
        return self._clock()

    def call(self, what: str, fn: Callable[[], T], classify: Classifier | None = None) -> T:
        """Run ``fn``; ``what`` names the operation in error messages ("fetching mentions")."""
        failures = throttles = 0
        while True:
            try:
                return fn()
            except Exception as exc:
                signal = exc if isinstance(exc, TransientError | ThrottledError) else None
                if signal is None and classify is not None:
                    signal = classify(exc)
                if signal is None:
                    raise
                if isinstance(signal, ThrottledError):
                    throttles += 1
                    self._wait_throttled(what, signal, throttles, exc)
                else:
                    failures += 1
                    self._wait_transient(what, signal, failures, exc)

    def _wait_transient(
        self, what: str, signal: TransientError, failures: int, exc: Exception
    ) -> None:
        policy = self.policy
        delay = min(policy.backoff_s * 2 ** (failures - 1), policy.max_backoff_s)
        if failures >= policy.attempts or self.slept_s + delay > policy.budget_s:
            raise SourceUnavailable(
                f"source {self.source!r}: {signal.reason} while {what} "
                f"(gave up after {failures} attempts); check the network or the "
                "service status and re-run"
            ) from exc
        self._pause(delay)

    def _wait_throttled(
        self, what: str, signal: ThrottledError, throttles: int, exc: Exception
    ) -> None:
        policy = self.policy
        now = self._clock()
        if signal.retry_at is not None:
            # One second of margin: reset times are whole seconds and clocks drift.
            delay = max((signal.retry_at - now).total_seconds(), 0.0) + 1.0
        elif signal.retry_after is not None:
            delay = max(signal.retry_after, 0.0)
        else:
            delay = min(policy.backoff_s * 2 ** (throttles - 1), policy.max_backoff_s)
        too_long = delay > policy.max_wait_s or self.slept_s + delay > policy.budget_s
        if too_long or throttles >= policy.attempts:
            retry_at = signal.retry_at or datetime.fromtimestamp(now.timestamp() + delay, UTC)
            raise RateLimited(
                f"source {self.source!r}: rate-limited while {what} ({signal.reason}); "
                f"deferred until {retry_at:%Y-%m-%d %H:%M:%S}Z, the next run resumes "
                "from the stored cursor",
                retry_at,
            ) from exc
        self._pause(delay)

    def _pause(self, seconds: float) -> None:
        self.slept_s += seconds
        self._sleep(seconds)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from an HTTP ``Retry-After`` header (delta seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def epoch_to_utc(value: str | float | int | None) -> datetime | None:
    """A reset header in epoch seconds (``x-rate-limit-reset``) as a UTC datetime."""
    if value is None or value == "":
        return None
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
