"""When a scheduler (a `simak worker` / `simak run` cycle, the procrastinate schedule) polls a
source next: on its interval, and — while it fails on every poll (bad credentials, a dead
feed, a file that cannot be read) — less and less often: after ``n`` failures in a row it
waits ``interval × 2^(n-1)``, at most MAX_SOURCE_BACKOFF (or the interval, when longer).

The state is the source's row (failure streak, last run, last failure), so a restarted
worker, or one on another machine, keeps the same schedule; a success resets it. A rate
limit is no failure: the platform's own reset time (``retry_at``) decides that wait. A
`simak poll --source NAME` is no scheduler: it polls at once. A plain `simak poll` (cron's
line) leaves a source alone while it rests after two or more failures in a row
(:func:`resting_until`), so a dead feed is not tried, and reported, on every cron run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.sources import LastRun

#: The longest a failing source waits between two tries (its interval, when longer).
MAX_SOURCE_BACKOFF = timedelta(hours=6)


def backoff(every: timedelta, failures: int) -> timedelta:
    """The wait after ``failures`` failures in a row: the interval after one (a blip waits
    no longer), then twice as long after each more, at most MAX_SOURCE_BACKOFF."""
    if failures <= 1:
        return every
    longest = max(MAX_SOURCE_BACKOFF, every)
    return min(every * (1 << min(failures - 1, 20)), longest)  # 2^20: past any cap


def next_try(last: LastRun, every: timedelta) -> datetime | None:
    """When the source is next due (None: it never ran, due now)."""
    if last.at is None:
        return None
    at = last.at + every
    if last.failures and last.failed_at is not None:
        at = max(at, last.failed_at + backoff(every, last.failures))
    return at


def is_due(last: LastRun | None, now: datetime, every: timedelta) -> bool:
    """Never ran, or its wait (the interval; longer while it fails) has passed since its
    last run and last failure. A run stamped more than an interval after ``now`` means the
    clock was set back (a wrong date corrected): over, not kept until the clock gets there
    again (a smaller skew between machines waits as usual)."""
    if last is None or last.at is None:
        return True

    def over(ran: datetime, wait: timedelta) -> bool:
        return now - ran >= wait or ran - now > every

    if not over(last.at, every):
        return False
    return (
        not last.failures
        or last.failed_at is None
        or over(last.failed_at, backoff(every, last.failures))
    )


def resting_until(last: LastRun | None, now: datetime, every: timedelta) -> datetime | None:
    """For a scheduler that is not ours (cron running `simak poll`): when a source failing
    on every poll may be tried again, if that is still ahead (None: poll it now). One
    failure is a blip and waits for nothing; after ``n`` ≥ 2 in a row it rests
    ``backoff(every, n)`` from its last failure. A failure stamped more than that ahead
    of ``now`` means the clock was set back: over."""
    if last is None or last.failures < 2 or last.failed_at is None:
        return None
    until = last.failed_at + backoff(every, last.failures)
    return until if now < until <= now + backoff(every, last.failures) else None
