"""Deferring Simak's jobs to procrastinate (``workers.engine: procrastinate``, PostgreSQL).

Every job is deferred on the caller's own database connection, inside its transaction
(procrastinate's ``configure(connection=…)``): an approval and its delivery job commit
together or not at all, and no job ever refers to uncommitted data. A duplicate held off by
a queueing lock is rolled back to a savepoint and reported as ``False``.

The task functions themselves live in :mod:`simak.tasks` (the worker's edge); this side
only needs their names, so deferring never imports the use cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from common.errors import ConfigError
from storage.engine_jobs import DELIVER_TASK

if TYPE_CHECKING:
    import procrastinate

POLL_TASK = "simak.poll"
CLASSIFY_TASK = "simak.classify"
QUEUES = ("poll", "classify", "send", "team", "maintenance")
"""poll: one job per source; classify: pending mentions; send: one job per delivery;
team: digest and spike alerts; maintenance: scheduling, sweeps, stalled-job recovery."""


def conninfo(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as a libpq connection string for psycopg."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            "workers.engine: procrastinate needs storage.url on PostgreSQL "
            "(postgresql+psycopg://…); on SQLite use the builtin engine (workers.engine: builtin)"
        )
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class JobQueue:
    """Defers jobs by task name on a caller's session."""

    url: str

    @cached_property
    def _engine(self) -> procrastinate.App:
        import procrastinate  # only with the procrastinate engine (the `postgres` extra)

        connector = procrastinate.SyncPsycopgConnector(conninfo=conninfo(self.url))
        return procrastinate.App(connector=connector)

    def check(self) -> None:
        """ConfigError now, rather than at the first approval, when this cannot work."""
        conninfo(self.url)
        try:
            import procrastinate  # noqa: F401
        except ImportError:
            raise ConfigError(
                "workers.engine: procrastinate needs the procrastinate package: "
                "pip install -e '.[postgres]' (or use workers.engine: builtin)"
            ) from None

    def defer(
        self,
        session: Session,
        task: str,
        *,
        queue: str,
        lock: str | None = None,
        queueing_lock: str | None = None,
        schedule_at: datetime | None = None,
        **kwargs: Any,
    ) -> bool:
        """Defer ``task(**kwargs)`` in ``session``'s transaction; False when a job with the
        same ``queueing_lock`` already waits."""
        from procrastinate.exceptions import AlreadyEnqueued

        connection: Any = session.connection().connection.driver_connection
        deferrer = self._engine.configure_task(
            task,
            queue=queue,
            lock=lock,
            queueing_lock=queueing_lock,
            schedule_at=schedule_at,
            connection=connection,
        )
        try:
            with connection.transaction():  # a savepoint: the caller's transaction goes on
                deferrer.defer(**kwargs)
        except AlreadyEnqueued:
            return False
        return True

    def deliver(self, session: Session, channel: str, at: datetime | None = None) -> bool:
        """A delivery job for one sending account (``channel``): it sends every approved
        follow-up of that channel that may go. One waits at most (queueing lock) and one runs
        at a time across all workers (lock), so an account's messages go one by one."""
        return self.defer(
            session,
            DELIVER_TASK,
            queue="send",
            lock=f"send:{channel}",
            queueing_lock=f"deliver:{channel}",
            schedule_at=at,
            channel=channel,
        )

    def poll(self, session: Session, source: str) -> bool:
        """A poll job for ``source`` unless one already waits."""
        return self.defer(
            session, POLL_TASK, queue="poll", queueing_lock=f"poll:{source}", source=source
        )

    def classify(self, session: Session) -> bool:
        """A classification job for the pending mentions unless one already waits."""
        return self.defer(session, CLASSIFY_TASK, queue="classify", queueing_lock="classify")
