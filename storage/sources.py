"""Per-source cursors and health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import SourceState


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """What `simak sources` shows for one source."""

    name: str
    platform: str
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    failing_since: datetime | None  # the first failure of the current streak
    fetched_last_run: int
    stored_last_run: int
    reads_last_run: int
    warnings_last_run: int
    last_warning: str | None
    status: str  # "ok", "failing", or "rate_limited" (the last run was; see retry_at)
    retry_at: datetime | None  # rate limited: no poll calls the platform before this


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """The result of polling one source once."""

    fetched: int
    stored: int
    reads: int
    warnings: int
    error: str | None  # one line; None when the run succeeded
    last_warning: str | None = None
    rate_limited: bool = False  # the platform said "slow down": neither success nor failure
    retry_at: datetime | None = None  # when it may be called again (rate limited only)


def _state(session: Session, name: str, platform: str) -> SourceState:
    state = session.get(SourceState, name)
    if state is None:
        state = SourceState(
            name=name,
            platform=platform,
            consecutive_failures=0,
            fetched_last_run=0,
            stored_last_run=0,
            reads_last_run=0,
            warnings_last_run=0,
            polls_ok=0,
            polls_failed=0,
            polls_rate_limited=0,
        )
        session.add(state)
        session.flush()  # a row, so counters can be added to in SQL
    return state


def get_cursor(session: Session, name: str) -> str | None:
    """The stored cursor of source ``name`` (None before its first successful page)."""
    state = session.get(SourceState, name)
    return None if state is None else state.cursor


def set_cursor(session: Session, name: str, platform: str, cursor: str | None) -> None:
    """Advance the cursor; call in the same transaction that stores the page."""
    if cursor is not None:
        _state(session, name, platform).cursor = cursor


def record_run(
    session: Session, name: str, platform: str, outcome: RunOutcome, now: datetime
) -> None:
    """Update health after a run: last success or error, failure streak, counts.

    A rate-limited run is neither: last success and the failure streak stay, and
    ``retry_at`` (``now`` when the platform did not say) marks the source as rate limited
    until its next run that is not.
    """
    state = _state(session, name, platform)
    state.last_run_at = now
    state.fetched_last_run = outcome.fetched
    state.stored_last_run = outcome.stored
    state.reads_last_run = outcome.reads
    state.warnings_last_run = outcome.warnings
    if outcome.last_warning is not None:
        state.last_warning = outcome.last_warning
    state.retry_at = (outcome.retry_at or now) if outcome.rate_limited else None
    if outcome.rate_limited:
        state.polls_rate_limited = SourceState.polls_rate_limited + 1  # in SQL: no lost count
        return
    if outcome.error is None:
        state.last_success_at = now
        state.consecutive_failures = 0
        state.failing_since = None
        state.polls_ok = SourceState.polls_ok + 1
    else:
        state.polls_failed = SourceState.polls_failed + 1
        state.last_error = outcome.error
        state.last_error_at = now
        state.failing_since = state.failing_since if state.consecutive_failures else now
        state.consecutive_failures = (state.consecutive_failures or 0) + 1


def retry_at(session: Session, name: str) -> datetime | None:
    """When rate-limited source ``name`` may be called again (None when it was not)."""
    state = session.get(SourceState, name)
    return None if state is None else state.retry_at


def waiting(session: Session, now: datetime) -> dict[str, datetime]:
    """Sources that must not be called before their ``retry_at``, which is after ``now``."""
    rows = session.execute(
        select(SourceState.name, SourceState.retry_at).where(SourceState.retry_at > now)
    )
    return {name: at for name, at in rows if at is not None}


def _status(state: SourceState) -> str:
    if state.retry_at is not None:
        return "rate_limited"
    return "failing" if state.consecutive_failures else "ok"


def source_health(session: Session) -> list[SourceHealth]:
    """Health of every source that has run at least once, by name."""
    rows = session.scalars(select(SourceState).order_by(SourceState.name))
    return [
        SourceHealth(
            name=s.name,
            platform=s.platform,
            last_run_at=s.last_run_at,
            last_success_at=s.last_success_at,
            last_error=s.last_error,
            last_error_at=s.last_error_at,
            consecutive_failures=s.consecutive_failures,
            failing_since=s.failing_since,
            fetched_last_run=s.fetched_last_run,
            stored_last_run=s.stored_last_run,
            reads_last_run=s.reads_last_run,
            warnings_last_run=s.warnings_last_run,
            last_warning=s.last_warning,
            status=_status(s),
            retry_at=s.retry_at,
        )
        for s in rows
    ]


@dataclass(frozen=True, slots=True)
class LastRun:
    """When a source last ran and, while it fails, how often in a row and when last."""

    at: datetime | None
    failures: int = 0
    failed_at: datetime | None = None


def last_runs(session: Session) -> dict[str, LastRun]:
    """When each known source last ran (a source never polled is absent)."""
    rows = session.scalars(select(SourceState))
    return {s.name: LastRun(s.last_run_at, s.consecutive_failures, s.last_error_at) for s in rows}
