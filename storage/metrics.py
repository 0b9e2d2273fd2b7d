"""Aggregate numbers for the Prometheus endpoint: counts only, never personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from storage.models import (
    DELIVERY_STATUSES,
    FOLLOWUP_STATUSES,
    MENTION_STATUSES,
    Delivery,
    FollowUp,
    MentionRow,
    SourceState,
)
from storage.stats import counts_by, current_labels


@dataclass(frozen=True, slots=True)
class SourceGauge:
    """One source's last run."""

    name: str
    platform: str
    last_run_at: datetime | None
    consecutive_failures: int
    stored_last_run: int
    last_success_at: datetime | None = None
    polls: dict[str, int] | None = None  # ok, failed, rate_limited: polls so far
    failing_since: datetime | None = None  # the first failure of the current streak
    last_error_at: datetime | None = None
    next_try_at: datetime | None = None  # failing: a worker's next try (set by the use case)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What `/metrics` reports, read in one transaction."""

    mentions: dict[str, int]  # by status (``new`` = not yet classified)
    classifications: dict[str, int]  # current labels (a post may carry two)
    deliveries: dict[str, int]  # attempts by outcome
    followups: dict[str, int]  # by status
    oldest_open_complaint: datetime | None
    sources: list[SourceGauge]


def snapshot(session: Session) -> Snapshot:
    """Counts by status and label, the oldest complaint still waiting, and source health."""
    oldest = session.scalar(
        select(func.min(FollowUp.created_at)).where(
            FollowUp.label == "complaint", FollowUp.status.in_(("open", "approved", "snoozed"))
        )
    )
    sources = [
        SourceGauge(
            s.name,
            s.platform,
            s.last_run_at,
            s.consecutive_failures,
            s.stored_last_run,
            s.last_success_at,
            {"ok": s.polls_ok, "failed": s.polls_failed, "rate_limited": s.polls_rate_limited},
            s.failing_since if s.consecutive_failures else None,
            s.last_error_at,
        )
        for s in session.scalars(select(SourceState).order_by(SourceState.name))
    ]
    return Snapshot(
        mentions=counts_by(session, MentionRow.status, MENTION_STATUSES),
        classifications=current_labels(session),
        deliveries=counts_by(session, Delivery.status, DELIVERY_STATUSES),
        followups=counts_by(session, FollowUp.status, FOLLOWUP_STATUSES),
        oldest_open_complaint=oldest,
        sources=sources,
    )


def ping(session: Session) -> None:
    """One round trip (raises when the database cannot answer)."""
    session.execute(text("SELECT 1"))
