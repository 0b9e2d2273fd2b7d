"""The procrastinate app of one worker process: the tasks, their queues and locks, the
periodic schedule, and stalled-job recovery.

- ``simak.poll(source)`` (queue ``poll``; queueing lock per source, so polls of one source
  never pile up).
- ``simak.classify()`` (``classify``; one waiting job at most).
- ``simak.deliver(channel)`` (``send``; one per sending account: a queueing lock keeps one
  waiting, a lock runs one at a time across every worker, so an account's messages go one
  by one within its limits). A job sends every approved follow-up of its account through
  the outbox claims. One job per follow-up was measured first: with a shared lock each
  waited for a worker's next fetch (~2.5 s for 0.1 s of work).
- Periodic, deduplicated by the database: the schedule and the sweep every minute, the
  digest and spike alerts every 10 minutes, stalled-job recovery every minute (with only a
  queueing lock, procrastinate#1408).

Retries by kind, with no engine-level retry (procrastinate#1543: a retried job meeting a
new one under the same queueing lock breaks the queue): a rate limit defers the account's
job to when the limit frees; a transient failure (database or network) fails the job and
the sweep or schedule defers a fresh one within a minute; a provider's permanent refusal
is settled as failed in the outbox and never retried. A stalled job is closed as failed
and taken over the same way; a delivery the dead worker left in flight is read back or
marked unknown by the outbox, never sent again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import procrastinate
from procrastinate.exceptions import ConnectorException
from procrastinate.jobs import Status

from common.errors import StorageError
from simak.app import App
from simak.jobqueue import CLASSIFY_TASK, POLL_TASK, QUEUES, conninfo
from simak.tasks.jobs import Jobs
from simak.usecases.worker import Log
from storage.engine_jobs import DELIVER_TASK


def build(app: App, log: Log) -> procrastinate.App:
    """A procrastinate app bound to ``app``'s PostgreSQL database, with Simak's tasks."""
    engine = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(app.settings.storage.url))
    )
    jobs = Jobs(app, log)

    def task(name: str, body: Callable[..., None], context: bool = False, **options: Any) -> Any:
        # a failure is one line through the worker's log (procrastinate's logger), no traceback
        if context:  # the job's context: should_abort() is true once the worker stops
            return engine.task(name=name, pass_context=True, **options)(body)
        return engine.task(name=name, pass_context=False, **options)(body)

    task(POLL_TASK, jobs.poll, queue="poll")
    task(CLASSIFY_TASK, jobs.classify, context=True, queue="classify")  # stops on SIGTERM
    task(DELIVER_TASK, jobs.deliver, context=True, queue="send")
    for name, body, cron, queue in (
        ("simak.schedule", jobs.schedule, "* * * * *", "maintenance"),
        ("simak.sweep", jobs.sweep, "* * * * *", "maintenance"),
        ("simak.digest", jobs.digest, "*/10 * * * *", "team"),
        ("simak.alerts", jobs.alerts, "*/10 * * * *", "team"),
    ):
        periodic = engine.periodic(cron=cron, periodic_id=name, queueing_lock=name)
        periodic(task(name, body, queue=queue))
    recover = _recovery(engine, app.settings.workers.stalled_after_s, log)
    engine.periodic(cron="* * * * *", periodic_id="simak.recover", queueing_lock="simak.recover")(
        engine.task(name="simak.recover", queue="maintenance")(recover)
    )
    return engine


def _recovery(engine: procrastinate.App, after_s: int, log: Log) -> Callable[..., Any]:
    async def recover(timestamp: int) -> None:
        """Jobs whose worker went silent are closed as failed (a retry could meet the next
        job under the same queueing lock, procrastinate#1543); the schedule and the sweep
        defer fresh ones, and the outbox settles any delivery left in flight."""
        manager = engine.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=after_s):
            await manager.finish_job(job, status=Status.FAILED, delete_job=False)
            log(f"recovered stalled job {job.id} ({job.task_name})", "warning")

    return recover


def run(app: App, log: Log, *, queues: Iterable[str] | None, concurrency: int) -> None:
    """Run one worker until SIGTERM/SIGINT. The running jobs are asked to stop at once
    (no grace period): classification and delivery jobs end after the batch or message in
    hand, the others finish their step; nothing is cut off mid-send."""
    app.db  # noqa: B018 - creates or upgrades the schema, procrastinate's tables included
    engine = build(app, log)
    names = list(queues) if queues else list(QUEUES)
    try:
        engine.run_worker(
            queues=names,
            concurrency=concurrency,
            install_signal_handlers=True,
            shutdown_graceful_timeout=0,  # SIGTERM: jobs' should_abort() turns true at once
            stalled_worker_timeout=app.settings.workers.stalled_after_s,
            update_heartbeat_interval=min(10.0, app.settings.workers.stalled_after_s / 3),
        )
    except ConnectorException as exc:  # the database went away under the worker: exit 4
        raise StorageError(
            f"the worker lost its database ({' '.join(str(exc).split()) or 'connection lost'});"
            " check that PostgreSQL is running and storage.url is right, then start it again"
        ) from None
