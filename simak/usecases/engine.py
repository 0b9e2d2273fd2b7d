"""The procrastinate engine's use cases: deferring polls, the sweep that keeps every
pending mention and approved follow-up carried by a job, and the engine's status."""

from __future__ import annotations

from dataclasses import dataclass, field

from common.errors import ConfigError, UsageError
from simak.app import App
from simak.jobqueue import QUEUES, JobQueue
from simak.usecases.poll import check_sources
from simak.usecases.worker import due_sources
from storage.engine_jobs import (
    QueueCount,
    StalledJob,
    channels_without_job,
    counts,
    live_workers,
    stalled,
)
from storage.mentions import has_pending


def _queue(app: App) -> JobQueue:
    jobs = app.jobs
    if jobs is None:
        raise ConfigError(
            "this needs the procrastinate engine: set `workers: {engine: procrastinate}` and "
            "storage.url on PostgreSQL in the config (the builtin engine runs `simak worker`)"
        )
    return jobs


def worker_queues(value: str | None) -> list[str] | None:
    """`simak worker --queues a,b`: the named queues (None: all), each one Simak defers to;
    a typo would otherwise start a worker that waits forever on a queue nobody fills."""
    if not value:
        return None
    names = [q.strip() for q in value.split(",") if q.strip()]
    unknown = [q for q in names if q not in QUEUES]
    if unknown or not names:
        shown = ", ".join(repr(q) for q in unknown) or repr(value)
        raise UsageError(f"--queues: no queue named {shown}; use some of {', '.join(QUEUES)}")
    return names


@dataclass(frozen=True, slots=True)
class Enqueued:
    """What `simak poll --enqueue` deferred."""

    deferred: list[str]  # sources with a new poll job
    waiting: list[str]  # sources whose poll job was already waiting


def enqueue_polls(app: App, only: str | None = None) -> Enqueued:
    """One poll job per enabled source (or ``only``) unless one already waits; each poll job
    defers the classification that follows it."""
    jobs = _queue(app)
    check_sources(app, only)
    deferred: list[str] = []
    waiting: list[str] = []
    with app.db.session() as session:
        for source in app.source_configs(only):
            (deferred if jobs.poll(session, source.name) else waiting).append(source.name)
    return Enqueued(deferred, waiting)


def defer_due_polls(app: App) -> list[str]:
    """Poll jobs for the sources whose interval has passed (the engine's schedule)."""
    jobs = _queue(app)
    with app.db.session() as session:
        return [name for name in due_sources(app, app.clock()) if jobs.poll(session, name)]


@dataclass(frozen=True, slots=True)
class Swept:
    """What one sweep deferred."""

    classify: bool
    channels: list[str] = field(default_factory=list)


def sweep(app: App) -> Swept:
    """A classification job when mentions wait, and a delivery job for each channel whose
    approved follow-ups, or attempts due for a read-back, no job serves (approved before the
    engine was switched on, or a job that failed on a transient error or whose worker
    died): the engine's retry."""
    jobs = _queue(app)
    with app.db.session() as session:
        classify = has_pending(session) and jobs.classify(session)
        waiting = channels_without_job(session, app.clock())
        channels = [c for c in waiting if jobs.deliver(session, c)]
    return Swept(classify, channels)


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """Jobs by queue and state, and the jobs whose worker went silent."""

    counts: list[QueueCount]
    stalled: list[StalledJob]
    workers: int = 0  # workers whose heartbeat is within workers.stalled_after

    def by_state(self) -> dict[str, int]:
        """Job counts by state over all queues."""
        out: dict[str, int] = {}
        for c in self.counts:
            out[c.status] = out.get(c.status, 0) + c.jobs
        return out


def engine_status(app: App) -> EngineStatus:
    """`simak workers status`."""
    _queue(app)
    silent = app.settings.workers.stalled_after_s
    with app.db.read() as session:
        return EngineStatus(
            counts(session), stalled(session, silent), live_workers(session, silent)
        )
