"""A worker: the same use cases as the CLI, in a loop. One cycle polls the sources that are
due (each under its lease), classifies and routes pending mentions (claimed batches),
sends approved follow-ups (outbox claims), sends the digest from the brand's hour (once a
day by a constraint) and checks for complaint spikes (once a day by a constraint).

Any number of workers share the work through the database — on PostgreSQL across
machines, on SQLite on one machine. A killed worker's leases and claims are free at once on
its host (simak.runs) and elsewhere when they expire; a delivery it left in flight is read
back or marked unknown, never resent. No promise lives in the worker itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from common.errors import EXIT_UNAVAILABLE, SimakError, StorageError
from simak.app import App
from simak.usecases.alerts import run_alerts
from simak.usecases.backoff import is_due, next_try
from simak.usecases.classify import classify_pending
from simak.usecases.digest import run_digest
from simak.usecases.ideas import group_pending
from simak.usecases.poll import (
    about_source,
    build_listeners,
    one_line,
    poll_source,
    source_says,
    still_waiting,
)
from simak.usecases.send import send_due
from simak.wiring import build_router
from storage.sources import last_runs, waiting


class Log(Protocol):
    """Writes one log line at a level (info, warning, error)."""

    def __call__(self, message: str, level: str = "info") -> None:
        """Log ``message``."""


Stop = Callable[[], bool]

#: The longest pause between cycles while the database or the model cannot be used.
MAX_BACKOFF_S = 60.0

#: Logged after a cycle in which every source polled failed (`worker --once` exits 5).
ALL_SOURCES_FAILED = "poll: every source polled in this cycle failed, nothing new came in"


@dataclass(slots=True)
class CycleReport:
    """What one cycle did."""

    polled: int = 0
    stored: int = 0
    erased: int = 0  # posts a source delivered again after `simak forget` erased them
    classified: int = 0
    routed: int = 0
    sent: int = 0
    handed: int = 0  # follow-ups handed to staff to send by hand (the manual channel)
    digests: int = 0
    alerts: int = 0
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # a source's: a bad line, a rate limit
    unavailable: int = 0  # steps that failed because the database or the model was unusable
    sources_failed: int = 0  # of the sources polled

    @property
    def all_sources_failed(self) -> bool:
        """True when sources were polled and every one failed: nothing new came in."""
        return self.polled > 0 and self.sources_failed == self.polled

    @property
    def busy(self) -> bool:
        """True when the cycle found work (the next one starts at once)."""
        return bool(self.stored or self.classified or self.sent or self.handed)

    def add(self, other: CycleReport) -> None:
        """Fold ``other`` into this total."""
        names = ("polled", "stored", "classified", "routed", "sent", "handed", "digests", "alerts")
        for name in (*names, "erased", "unavailable", "sources_failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures.extend(other.failures)
        self.warnings.extend(other.warnings)


def run_worker(
    app: App, *, once: bool, stop: Stop, sleep: Callable[[float], None], log: Log
) -> CycleReport:
    """Run cycles until ``stop()`` (or one cycle when ``once``); sleeps when idle. A loop
    loads the classifier first: a model that cannot be used stops it at start (exit 4)
    rather than failing every cycle, one line each few seconds, while posts pile up."""
    if not once:
        app.classifier  # noqa: B018 - loaded once and kept; raises ClassifierError
    total = CycleReport()
    pause = 0.0
    while not stop():
        report = run_cycle(app, stop, log)
        total.add(report)
        if once:
            break
        pause = _pause(report, pause, app.settings.workers.idle_s)
        if pause:
            sleep(pause)
    return total


def _pause(report: CycleReport, last: float, idle_s: float) -> float:
    """No pause after a cycle that found work, ``idle_s`` after a quiet one; after a cycle in
    which every failure was an unusable database or model, twice the last pause (at most
    MAX_BACKOFF_S): an outage is a line every few seconds at first, then one a minute."""
    if report.failures and report.unavailable == len(report.failures):
        return min(max(last, idle_s) * 2, max(MAX_BACKOFF_S, idle_s))
    return 0.0 if report.busy else idle_s


def run_cycle(app: App, stop: Stop, log: Log) -> CycleReport:
    """One pass over every kind of work; each step's failure is one line and the next step
    (and the next cycle) goes on, but a database that cannot be used ends the cycle."""
    report = CycleReport()
    steps: list[tuple[str, Callable[[App, CycleReport, Stop], None]]] = [
        ("poll", _poll_due),
        ("classify", _classify),
        ("send", _send),
        ("digest", _digest),
        ("alerts", _alerts),
    ]
    for name, step in steps:
        if stop():
            break
        seen, warned, down = len(report.failures), len(report.warnings), False
        try:
            step(app, report, stop)
        except SimakError as exc:
            report.failures.append(f"{name}: {one_line(exc)}")
            report.unavailable += exc.exit_code == EXIT_UNAVAILABLE
            down = isinstance(exc, StorageError) and exc.exit_code == EXIT_UNAVAILABLE
        except Exception as exc:  # one line, no traceback; the next cycle tries again
            report.failures.append(f"{name}: internal error: {type(exc).__name__}: {one_line(exc)}")
        for i in range(warned, len(report.warnings)):
            report.warnings[i] = app.redact(report.warnings[i])
            log(report.warnings[i], "warning")
        for i in range(seen, len(report.failures)):
            report.failures[i] = app.redact(report.failures[i])
            log(report.failures[i], "error")
        if down:
            break  # the next steps would fail on the same database: one line, not five
    if report.all_sources_failed:
        log(ALL_SOURCES_FAILED, "error")
    return report


def due_sources(app: App, now: datetime) -> list[str]:
    """Sources whose interval has passed since their last run (or that never ran) — longer
    while they fail on every poll (simak.usecases.backoff) — except those the platform
    rate-limited until after ``now``."""
    with app.db.read() as session:
        last = last_runs(session)
        limited = {n for n, until in waiting(session, now).items() if still_waiting(until, now)}
    out = []
    for source in app.settings.sources:
        if not source.enabled or source.name in limited:
            continue
        if is_due(last.get(source.name), now, _every(app, source.name)):
            out.append(source.name)
    return out


def _every(app: App, name: str) -> timedelta:
    """A source's polling interval (its own, else ``workers.poll_every``)."""
    own = next((s.poll_every_s for s in app.settings.sources if s.name == name), None)
    return timedelta(seconds=own or app.settings.workers.poll_every_s)


def next_try_note(app: App, name: str) -> str:
    """'; next try at 2026-12-06 08:20 WIB' after a source's failure was recorded: its
    interval, longer while it fails on every poll (an operator reading the failure line
    knows when it is tried again, as `simak sources` says); empty when unknown."""
    with app.db.read() as session:
        last = last_runs(session).get(name)
    at = None if last is None else next_try(last, _every(app, name))
    if at is None:
        return ""
    return f"; next try at {at.astimezone(app.settings.zone):%Y-%m-%d %H:%M %Z}"


def _poll_due(app: App, report: CycleReport, stop: Stop) -> None:
    due = set(due_sources(app, app.clock()))
    for listener in build_listeners(app, None):
        if stop():
            return
        if listener.name not in due or listener.name not in due_sources(app, app.clock()):
            continue  # not due, or polled by another run since this cycle began
        result = poll_source(app, listener)  # busy (another worker has it): skipped
        if result.busy or result.waiting:
            continue
        report.polled += 1
        report.stored += result.stored
        report.erased += result.erased
        report.warnings.extend(about_source(result.name, line) for line in result.warnings)
        if result.error:
            report.sources_failed += 1
            failed = f"{source_says(result.name, result.error)}{next_try_note(app, result.name)}"
            report.failures.append(about_source(result.name, failed))


def _classify(app: App, report: CycleReport, stop: Stop) -> None:
    processed = classify_pending(app, build_router(app), stop=stop)
    group_pending(app)
    report.classified += processed.classified
    report.routed += processed.routed


def _send(app: App, report: CycleReport, stop: Stop) -> None:
    result = send_due(app, "worker", stop=stop)
    report.sent += result.count("sent")
    report.handed += result.count("handed_to_staff")
    report.failures.extend(
        f"follow-up {d.followup_id} via {d.channel}: {d.outcome}: {d.detail}"
        for d in result.problems
    )
    report.failures.extend(
        f"{n} approved via {channel} not sent: {why}"
        for channel, (n, why) in result.unusable.items()
    )


def _digest(app: App, report: CycleReport, stop: Stop) -> None:
    cfg = app.settings.digest
    if cfg is None or app.clock().astimezone(app.settings.zone).hour < cfg.hour:
        return
    for r in run_digest(app):
        report.digests += r.outcome == "sent"
        if r.outcome in ("failed", "unknown"):
            report.failures.append(f"digest {r.brand}: {r.outcome}: {r.detail}")


def _alerts(app: App, report: CycleReport, stop: Stop) -> None:
    for r in run_alerts(app):
        report.alerts += r.outcome in ("sent", "recorded")
        if r.outcome in ("failed", "unknown"):
            report.failures.append(f"alert {r.brand} {r.label}: {r.outcome}: {r.detail}")
