"""Read-only views of the task engine's tables (procrastinate, PostgreSQL only), for
`simak workers status` and the sweep that finds approved follow-ups no job carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, literal_column, select, table, text
from sqlalchemy.orm import Session

from storage.models import Delivery, FollowUp

DELIVER_TASK = "simak.deliver"


@dataclass(frozen=True, slots=True)
class QueueCount:
    """Jobs of one queue in one state."""

    queue: str
    status: str
    jobs: int


@dataclass(frozen=True, slots=True)
class StalledJob:
    """A job in ``doing`` whose worker stopped sending heartbeats (or is gone)."""

    id: int
    task: str
    queue: str
    started_at: datetime | None


def channel_of(session: Session, followup_id: int) -> str:
    """The channel a follow-up is planned on (for the per-account send lock)."""
    return session.execute(select(FollowUp.channel).where(FollowUp.id == followup_id)).scalar_one()


def counts(session: Session) -> list[QueueCount]:
    """Jobs per queue and state."""
    rows = session.execute(
        text(
            "SELECT queue_name, status::text, count(*) FROM procrastinate_jobs "
            "GROUP BY queue_name, status ORDER BY queue_name, status"
        )
    )
    return [QueueCount(q, s, n) for q, s, n in rows]


def stalled(session: Session, seconds_since_heartbeat: float) -> list[StalledJob]:
    """Jobs in ``doing`` whose worker is missing or silent for ``seconds_since_heartbeat``."""
    rows = session.execute(
        text(
            "SELECT j.id, j.task_name, j.queue_name, "
            "(SELECT max(e.at) FROM procrastinate_events e "
            "  WHERE e.job_id = j.id AND e.type = 'started') "
            "FROM procrastinate_jobs j LEFT JOIN procrastinate_workers w ON w.id = j.worker_id "
            "WHERE j.status = 'doing' AND (w.id IS NULL OR w.last_heartbeat < "
            "now() - make_interval(secs => :secs)) ORDER BY j.id"
        ),
        {"secs": seconds_since_heartbeat},
    )
    return [StalledJob(i, t, q, at) for i, t, q, at in rows]


def live_workers(session: Session, seconds_since_heartbeat: float) -> int:
    """Workers that sent a heartbeat within ``seconds_since_heartbeat``."""
    return int(
        session.execute(
            text(
                "SELECT count(*) FROM procrastinate_workers "
                "WHERE last_heartbeat >= now() - make_interval(secs => :secs)"
            ),
            {"secs": seconds_since_heartbeat},
        ).scalar_one()
    )


def channels_without_job(session: Session, now: datetime) -> list[str]:
    """Channels with approved follow-ups, or with an attempt in flight whose lease ran out
    (a send with no answer waiting for its read-back, or a dead sender's), that no waiting
    or running delivery job serves (approved before the engine was switched on, or a job
    that failed or was recovered). A delivery job reads the attempts back first."""
    served: Select[tuple[Any]] = (
        select(literal_column("args->>'channel'"))
        .select_from(table("procrastinate_jobs"))
        .where(
            literal_column("task_name") == DELIVER_TASK,
            literal_column("status::text").in_(("todo", "doing")),
        )
    )
    approved = select(FollowUp.channel).where(
        FollowUp.status == "approved", FollowUp.channel.not_in(served)
    )
    in_flight = select(Delivery.channel).where(
        Delivery.status == "sending",
        Delivery.lease_expires_at < now,
        Delivery.channel.not_in(served),
    )
    return sorted(
        set(session.scalars(approved.distinct())) | set(session.scalars(in_flight.distinct()))
    )
