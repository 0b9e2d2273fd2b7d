"""The shared retry/backoff/rate-limit helper, on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from common.errors import RateLimited, SourceUnavailable
from listeners.retry import (
    Retrier,
    RetryPolicy,
    ThrottledError,
    TransientError,
    epoch_to_utc,
    parse_retry_after,
)
from tests.listeners.conftest import FakeClock


def flaky(errors: list[Exception], result: str = "ok"):  # type: ignore[no-untyped-def]
    def call() -> str:
        if errors:
            raise errors.pop(0)
        return result

    return call


def retrier(clock: FakeClock, **policy: float) -> Retrier:
    return Retrier("src", RetryPolicy(**policy), clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]


def test_transient_failures_back_off_exponentially(clock: FakeClock) -> None:
    r = retrier(clock, attempts=4)
    errors: list[Exception] = [TransientError("HTTP 503")] * 3
    assert r.call("reading", flaky(errors)) == "ok"
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert r.slept_s == 7.0


def test_gives_up_with_one_line_naming_the_operation(clock: FakeClock) -> None:
    with pytest.raises(SourceUnavailable) as info:
        retrier(clock).call("reading things", flaky([TransientError("HTTP 500")] * 5))
    assert str(info.value) == (
        "source 'src': HTTP 500 while reading things (gave up after 3 attempts); "
        "check the network or the service status and re-run"
    )


def test_library_errors_are_classified_and_others_propagate(clock: FakeClock) -> None:
    def classify(exc: Exception) -> TransientError | ThrottledError | None:
        return TransientError("timeout") if isinstance(exc, TimeoutError) else None

    assert retrier(clock).call("x", flaky([TimeoutError()]), classify) == "ok"
    with pytest.raises(KeyError):
        retrier(clock).call("x", flaky([KeyError("bug")]), classify)


def test_throttle_waits_until_reset_plus_margin(clock: FakeClock) -> None:
    reset = clock.now + timedelta(seconds=20)
    assert retrier(clock).call("x", flaky([ThrottledError("429", retry_at=reset)])) == "ok"
    assert clock.sleeps == [21.0]


def test_throttle_beyond_max_wait_defers_to_next_run(clock: FakeClock) -> None:
    reset = clock.now + timedelta(minutes=15)
    with pytest.raises(RateLimited) as info:
        retrier(clock).call("x", flaky([ThrottledError("429", retry_at=reset)]))
    assert info.value.retry_at == reset
    assert "deferred until" in str(info.value)
    assert clock.sleeps == []


def test_throttle_without_reset_backs_off_then_defers(clock: FakeClock) -> None:
    with pytest.raises(RateLimited):
        retrier(clock).call("x", flaky([ThrottledError("429")] * 5))
    assert clock.sleeps == [1.0, 2.0]


def test_sleep_budget_is_per_run(clock: FakeClock) -> None:
    r = retrier(clock, budget_s=50.0)
    r.call("x", flaky([ThrottledError("429", retry_after=40.0)]))
    with pytest.raises(RateLimited):
        r.call("x", flaky([ThrottledError("429", retry_after=40.0)]))
    r.start_run()
    assert r.call("x", flaky([ThrottledError("429", retry_after=40.0)])) == "ok"


def test_header_parsers() -> None:
    now = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Mon, 23 Nov 2026 04:01:00 GMT", now) == 60.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
    assert epoch_to_utc("1795000000") == datetime.fromtimestamp(1795000000, UTC)
    assert epoch_to_utc("x") is None
