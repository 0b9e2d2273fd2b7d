"""Poll: every configured source under its own lease, each isolated from the others."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from common.errors import ConfigError, RateLimited, SourceError, StorageError
from listeners.base import Listener
from simak.app import App
from simak.runs import dead_among
from simak.usecases.backoff import resting_until
from simak.usecases.classify import ProcessReport, classify_pending
from simak.usecases.ideas import group_pending
from simak.usecases.reroute import Rerouted, reroute_open
from simak.wiring import build_router
from storage import leases
from storage.mentions import save_page
from storage.sources import (
    RunOutcome,
    get_cursor,
    last_runs,
    record_run,
    retry_at,
    set_cursor,
)

#: How long a source's poll lease lasts; it is renewed with every stored page.
POLL_LEASE = timedelta(minutes=10)
#: The longest a platform's "retry after" keeps a source from being polled (a bad header
#: or clock must not silence a source for longer).
MAX_RATE_LIMIT_WAIT = timedelta(hours=24)
_WAIT_STEP_S = 0.5


@dataclass(slots=True)
class SourceReport:
    """What happened to one source in one run."""

    name: str
    platform: str
    fetched: int = 0
    stored: int = 0
    erased: int = 0  # posts left out: `simak forget` erased them (counted, never named)
    reads: int = 0
    not_modified: bool = False
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    deferred: str | None = None  # rate limited: resumes from its cursor on the next run
    busy: bool = False  # another run was polling it; not polled by this one
    retry_at: datetime | None = None  # rate limited (now or before): not called before this
    waiting: bool = False  # rate limited before and retry_at not reached: not called
    wait_line: str | None = None  # waiting, resting or rate limited: one line saying until when
    resting: bool = False  # failing on every poll: left alone until retry_at (backoff)

    @property
    def ok(self) -> bool:
        """True when the source ran (or was skipped as busy or waiting) without a failure."""
        return self.error is None

    @property
    def status(self) -> str:
        """``ok``, ``failed``, ``rate_limited`` (this run), ``waiting``, ``resting`` or
        ``busy``."""
        if self.busy or self.waiting or self.resting:
            return "busy" if self.busy else "waiting" if self.waiting else "resting"
        if self.error is not None:
            return "failed"
        return "rate_limited" if self.deferred is not None else "ok"


@dataclass(slots=True)
class PollReport:
    """One `simak poll`: each source, then classification and routing."""

    sources: list[SourceReport]
    processed: ProcessReport
    #: unapproved follow-ups moved to the channel routing picks now (one set up since)
    rerouted: Rerouted = field(default_factory=Rerouted)

    @property
    def failed(self) -> list[SourceReport]:
        """Sources that failed."""
        return [r for r in self.sources if not r.ok]

    @property
    def busy(self) -> list[SourceReport]:
        """Sources another run was polling."""
        return [r for r in self.sources if r.busy]

    @property
    def waiting(self) -> list[SourceReport]:
        """Sources not called because the platform's rate limit has not passed yet."""
        return [r for r in self.sources if r.waiting]

    @property
    def resting(self) -> list[SourceReport]:
        """Sources failing on every poll, left alone until their next try (backoff)."""
        return [r for r in self.sources if r.resting]

    @property
    def all_failed(self) -> bool:
        """True when at least one source failed and none succeeded: nothing came in (busy,
        waiting and resting sources were not polled by this run, so they are neither)."""
        polled = [r for r in self.sources if not (r.busy or r.waiting or r.resting)]
        return bool(polled) and all(not r.ok for r in polled)

    @property
    def internal_errors(self) -> list[SourceReport]:
        """Sources that failed on something unexpected (a bug, not the source)."""
        return [r for r in self.failed if (r.error or "").startswith("internal error")]


class _LeaseLost(Exception):
    """Another run took this source over (our lease expired); stop writing to it."""


Hook = Callable[[SourceReport], None]


def build_listeners(app: App, only: str | None) -> list[Listener]:
    """Every enabled source's listener, or just ``only``; bad options fail before any work."""
    configs = app.source_configs(only)
    index = {s.name: i for i, s in enumerate(app.settings.sources)}
    return [app.listener(index[s.name], s) for s in configs]


def check_sources(app: App, only: str | None = None) -> None:
    """Build every enabled source's listener (or ``only``'s) once, doing no work: a bad
    option is a ConfigError (exit 2) when a worker starts or polls are queued, not a failed
    source on every cycle of a long-running process."""
    build_listeners(app, only)


def poll(
    app: App,
    *,
    only: str | None = None,
    wait_s: float = 0.0,
    before_source: Callable[[Listener], None] | None = None,
    after_source: Hook | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PollReport:
    """Poll every source (each under its own lease), then classify and route what is new,
    and move unapproved follow-ups to the channel routing picks now
    (:mod:`simak.usecases.reroute`).
    Without ``only``, a source failing on every poll is left alone while it rests
    (:func:`simak.usecases.backoff.resting_until`); ``only`` polls it at once."""
    listeners = build_listeners(app, only)
    router = build_router(app)
    app.db  # noqa: B018 - create/upgrade the schema before any source runs
    rest = {} if only is not None else _resting(app)
    reports = []
    started = time.perf_counter()
    for listener in listeners:
        if before_source is not None:
            before_source(listener)
        if listener.name in rest:
            report = _rested(app, listener, rest[listener.name])
        else:
            report = poll_source(app, listener, wait_s)
        if after_source is not None:
            after_source(report)
        reports.append(report)
    fetched = time.perf_counter() - started
    processed = classify_pending(app, router, progress)
    started = time.perf_counter()
    group_pending(app)
    processed.took("ideas", started)
    processed.seconds["sources"] = round(fetched, 3)
    return PollReport(reports, processed, reroute_open(app, router))


def _resting(app: App) -> dict[str, datetime]:
    """Each source failing on every poll that rests now, with when it is tried again."""
    now = app.clock()
    with app.db.read() as session:
        last = last_runs(session)
    default = app.settings.workers.poll_every_s
    rest = {}
    for source in app.settings.sources:
        every = timedelta(seconds=source.poll_every_s or default)
        until = resting_until(last.get(source.name), now, every)
        if until is not None:
            rest[source.name] = until
    return rest


def _rested(app: App, listener: Listener, until: datetime) -> SourceReport:
    """The report of a source left alone while it rests: when it is tried again, and how
    to try it now (its failures were said when they happened)."""
    report = SourceReport(name=listener.name, platform=listener.platform, resting=True)
    report.retry_at = until
    at = until.astimezone(app.settings.zone).strftime("%H:%M %Z")
    report.wait_line = (
        f"failing on every poll, resting until {at} "
        f"(simak poll --source {listener.name} tries it now)"
    )
    return report


def poll_source(app: App, listener: Listener, wait_s: float = 0.0) -> SourceReport:
    """Poll one source to the end (or its first failure) if no other run is polling it
    and the platform's rate limit from an earlier run has passed."""
    report = SourceReport(name=listener.name, platform=listener.platform)
    lease = f"poll:{listener.name}"
    if not _acquire(app, lease, wait_s):
        report.busy = True
        return report
    try:
        with app.db.read() as session:
            until = retry_at(session, listener.name)
        now = app.clock()
        if until is not None and still_waiting(until, now):
            report.waiting, report.retry_at = True, until
            report.wait_line = wait_line(until, now, app.settings.zone)
            return report
        _run(app, listener, report, lease)
    finally:
        with app.db.session() as session:
            leases.release(session, lease, app.holder)
    return report


def still_waiting(until: datetime, now: datetime) -> bool:
    """Whether a source rate-limited until ``until`` must not be called at ``now``. A wait
    ending more than MAX_RATE_LIMIT_WAIT ahead was stored before the clock was set back
    (none is stored longer): over, not kept until the clock gets there again."""
    return now < until <= now + MAX_RATE_LIMIT_WAIT


def _acquire(app: App, lease: str, wait_s: float) -> bool:
    deadline = time.monotonic() + max(wait_s, 0.0)
    while True:
        with app.db.session() as session:
            dead = dead_among(leases.holders(session, [lease]))
            if leases.acquire(session, lease, app.holder, app.clock(), POLL_LEASE, dead):
                return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_WAIT_STEP_S)


def _run(app: App, listener: Listener, report: SourceReport, lease: str) -> None:
    with app.db.read() as session:
        cursor = get_cursor(session, listener.name)
    try:
        for page in listener.poll(cursor):
            with app.db.session() as session:
                now = app.clock()
                if not leases.renew(session, lease, app.holder, now, POLL_LEASE):
                    raise _LeaseLost
                saved = save_page(session, page.mentions, now)
                set_cursor(session, listener.name, listener.platform, page.cursor)
                if saved.ids:
                    app.stored(session)
            report.fetched += page.fetched
            report.stored += len(saved.ids)
            report.erased += saved.erased
            report.reads += page.reads
            report.not_modified = report.not_modified or page.not_modified
            report.warnings.extend(app.redact(w) for w in page.warnings)
    except RateLimited as exc:
        report.deferred = app.redact(source_says(listener.name, one_line(exc)))
        report.warnings.append(f"rate limited, deferred to the next run: {report.deferred}")
        _defer(app, report, exc.retry_at)
    except _LeaseLost:
        report.error = "another run took this source over (this run was too slow); it goes on"
    except (StorageError, ConfigError):
        raise
    except SourceError as exc:
        report.error = app.redact(one_line(exc))
    except Exception as exc:
        report.error = app.redact(f"internal error: {type(exc).__name__}: {one_line(exc)}")
    _record(app, report)


def _defer(app: App, report: SourceReport, until: datetime | None) -> None:
    """Keep a rate-limited source from being called before ``until`` (at most a day)."""
    now = app.clock()
    if until is not None:
        report.retry_at = min(until, now + MAX_RATE_LIMIT_WAIT)
    report.wait_line = wait_line(report.retry_at, now, app.settings.zone)


def wait_line(until: datetime | None, now: datetime, zone: tzinfo = UTC) -> str:
    """'rate limited by the platform, next try after 08:32 WIB' (in the business's time
    zone; the date when not today)."""
    if until is None or until <= now:
        return "rate limited by the platform, tried again by the next poll"
    at = until.astimezone(zone)
    at = at.replace(second=0, microsecond=0) + timedelta(minutes=bool(at.second or at.microsecond))
    today = at.date() == now.astimezone(zone).date()
    return (
        f"rate limited by the platform, next try after {at:%H:%M %Z}"
        if today
        else (f"rate limited by the platform, next try after {at:%Y-%m-%d %H:%M %Z}")
    )


def source_says(name: str, text: str) -> str:
    """``text`` without the "source 'blog': " that listeners' messages begin with, for a
    line that names the source itself (a worker's log line said it twice)."""
    return text.removeprefix(f"source {name!r}: ")


def about_source(name: str, text: str) -> str:
    """The line "source 'blog': <text>", the source named once."""
    return f"source {name!r}: {source_says(name, text)}"


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type when it has none), ≤ 300 chars."""
    text = " ".join(str(exc).split())
    return (text or type(exc).__name__)[:300]


def _record(app: App, report: SourceReport) -> None:
    outcome = RunOutcome(
        fetched=report.fetched,
        stored=report.stored,
        reads=report.reads,
        warnings=len(report.warnings),
        error=report.error,
        last_warning=report.warnings[-1] if report.warnings else None,
        rate_limited=report.deferred is not None,
        retry_at=report.retry_at,
    )
    with app.db.session() as session:
        record_run(session, report.name, report.platform, outcome, app.clock())
