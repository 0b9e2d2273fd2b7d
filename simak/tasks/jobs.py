"""The task bodies: each calls the same use case as the matching command, under its own
holder (leases and claims are per job, not per process), and reports in one line."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from procrastinate import JobContext

from simak.app import App
from simak.runs import new_holder
from simak.usecases.alerts import run_alerts
from simak.usecases.classify import classify_pending
from simak.usecases.digest import run_digest
from simak.usecases.engine import defer_due_polls, sweep
from simak.usecases.ideas import group_pending
from simak.usecases.poll import about_source, build_listeners, poll_source
from simak.usecases.send import send_due
from simak.usecases.worker import Log
from simak.wiring import build_router


@dataclass
class Jobs:
    """What each task does; ``app`` is shared by the worker's jobs (its database engine,
    classifier and channels), each job gets a fresh holder."""

    app: App
    log: Log

    def _fresh(self) -> App:
        job_app = copy.copy(self.app)
        job_app.holder = new_holder()
        return job_app

    def poll(self, source: str) -> None:
        """Poll one source under its lease; each page's new mentions commit together with
        the classification job that follows them. Its warnings and failure are a line each
        ("source 'blog': …", as the builtin worker's)."""
        app = self._fresh()
        for listener in build_listeners(app, source):
            result = poll_source(app, listener)
            for line in result.warnings:  # a line it could not read, a rate limit
                self.log(app.redact(about_source(result.name, line)), "warning")
            if result.error:
                self.log(app.redact(about_source(result.name, result.error)), "error")

    def classify(self, context: JobContext) -> None:
        """Classify, route and draft pending mentions (claimed batches), then group ideas;
        a worker shutting down ends it between batches (the sweep defers the rest)."""
        app = self._fresh()
        processed = classify_pending(app, build_router(app), stop=context.should_abort)
        group_pending(app)
        if processed.classified:
            self.log(f"classified {processed.classified}, routed {processed.routed}")

    def deliver(self, context: JobContext, channel: str) -> None:
        """Send every approved follow-up of one sending account that may go (each through
        its outbox claim); at the account's rate limit, the job defers itself to when the
        limit frees. A worker shutting down ends it after the message in hand (the sweep
        defers a fresh job for the rest)."""
        app = self._fresh()
        report = send_due(app, "worker", channels=(channel,), stop=context.should_abort)
        for result in report.recovered + report.results:
            if result.outcome not in ("sent", "handed_to_staff"):
                level = "error" if result.outcome in ("failed", "unknown") else "warning"
                self.log(app.redact(f"follow-up {result.followup_id} via {result.channel}: "
                                    f"{result.outcome}: {result.detail}"), level)  # fmt: skip
        for name, (n, why) in report.unusable.items():
            self.log(app.redact(f"{n} approved via {name} not sent: {why}"), "error")
        jobs = app.jobs
        for waiting in report.waiting:
            if jobs is not None and waiting.channel == channel:
                with app.db.session() as session:
                    jobs.deliver(session, channel, at=waiting.until)
                self.log(f"{channel}: {waiting.count} wait for the rate limit until "
                         f"{waiting.until:%H:%M:%S} UTC")  # fmt: skip

    def schedule(self, timestamp: int) -> None:
        """Every minute: a poll job for each source whose interval has passed."""
        app = self._fresh()
        defer_due_polls(app)

    def sweep(self, timestamp: int) -> None:
        """Every minute: classification when mentions wait, a delivery job for any approved
        follow-up no job carries."""
        sweep(self._fresh())

    def digest(self, timestamp: int) -> None:
        """From ``digest.hour``: the daily digest (once per brand and day, by a constraint)."""
        app = self._fresh()
        cfg = app.settings.digest
        if cfg is None or app.clock().astimezone(app.settings.zone).hour < cfg.hour:
            return
        for report in run_digest(app):
            if report.outcome == "sent":
                self.log(f"digest sent for {report.brand}")
            elif report.outcome in ("failed", "unknown"):
                self.log(app.redact(f"digest {report.brand}: {report.outcome}: "
                                    f"{report.detail}"), "error")  # fmt: skip

    def alerts(self, timestamp: int) -> None:
        """Complaint spikes (once per spike: one a day, 24 hours apart at least)."""
        app = self._fresh()
        for r in run_alerts(app):
            if r.outcome in ("sent", "recorded"):
                self.log(app.redact(f"alert {r.brand} {r.label}: {r.outcome}: {r.detail}"))
            elif r.outcome in ("failed", "unknown"):
                self.log(app.redact(f"alert {r.brand} {r.label}: {r.outcome}: {r.detail}"),
                         "error")  # fmt: skip
