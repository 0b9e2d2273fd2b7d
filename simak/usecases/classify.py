"""Classify pending mentions: claim a batch, run the model outside any transaction, then
store each verdict (if the claim still holds) and route it, in one transaction."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from common.records import Classification, own_title
from responder.routing import Router
from simak.app import App
from simak.runs import dead_among
from simak.usecases.route import BatchRouter
from storage.mentions import (
    PendingMention,
    claim_holders,
    claim_pending,
    count_pending,
    finish_claims,
    release_claims,
)

#: A claim outlives any sane batch; a killed run's claims free up at once on this host.
CLAIM_TTL = timedelta(minutes=10)


@dataclass(slots=True)
class ProcessReport:
    """What classification and routing did in one run."""

    classified: int = 0
    routed: int = 0
    filtered: int = 0
    ideas: int = 0
    #: Wall seconds per phase: ``model_load``, ``classify`` (the model, severity included),
    #: ``route`` (storing the verdicts, follow-ups and their drafts); poll adds more.
    seconds: dict[str, float] = field(default_factory=dict)

    def took(self, phase: str, started: float) -> None:
        """Add the seconds since ``started`` (``time.perf_counter()``) to ``phase``."""
        elapsed = time.perf_counter() - started
        self.seconds[phase] = round(self.seconds.get(phase, 0.0) + elapsed, 3)


def classify_pending(
    app: App,
    router: Router,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> ProcessReport:
    """Classify every unclassified mention (claimed batch by batch) and route it.

    ``progress(done, total)`` is called after each batch; ``stop()`` (a worker shutting
    down) ends the run between batches.
    """
    report = ProcessReport()
    with app.db.read() as session:
        total = count_pending(session)
    if total == 0:
        return report
    route = BatchRouter(app.settings, router, app.approved)
    started = time.perf_counter()
    _ = app.classifier  # loads the model (timed on its own)
    report.took("model_load", started)
    done = 0
    while stop is None or not stop():
        with app.db.session() as session:
            dead = dead_among(claim_holders(session))
            batch = claim_pending(
                session,
                app.holder,
                app.clock(),
                CLAIM_TTL,
                app.settings.classifier.batch_size,
                dead,
            )
        if not batch:
            return report
        try:
            won, (routed, filtered, ideas) = _classify_batch(app, route, batch, report)
        except BaseException:
            _release(app, [m.id for m in batch])
            raise
        report.classified += len(won)
        report.routed += routed
        report.filtered += filtered
        report.ideas += ideas
        done += len(batch)
        if progress is not None:
            progress(min(done, total), max(total, done))
    return report


def _classify_batch(
    app: App, route: BatchRouter, batch: list[PendingMention], report: ProcessReport
) -> tuple[list[tuple[int, Classification]], tuple[int, int, int]]:
    """Classify a claimed batch, then store and route its verdicts in one transaction."""
    started = time.perf_counter()
    results = app.classifier.classify([text_for(m.title, m.text) for m in batch])
    report.took("classify", started)
    started = time.perf_counter()
    with app.db.session() as session:
        now = app.clock()
        verdicts = [(m.id, r) for m, r in zip(batch, results, strict=True)]
        kept = set(finish_claims(session, app.holder, verdicts, now))
        won = [(i, r) for i, r in verdicts if i in kept]
        counts = route(session, [i for i, _ in won], [r for _, r in won], now)
    report.took("route", started)
    return won, counts


def _release(app: App, ids: list[int]) -> None:
    """Free a failed batch's claims (a deadlock, a lost connection, a stop) so the next
    run takes them at once; when even that fails, they free up at CLAIM_TTL."""
    with contextlib.suppress(Exception), app.db.session() as session:
        release_claims(session, app.holder, ids)


def text_for(title: str | None, text: str) -> str:
    """What the model reads of a post: its text, after its own headline if it has one."""
    # Feed entries carry a headline; it often holds the opinion, so classify both. A
    # comment's "Re: <thread title>" is someone else's words: the comment alone counts.
    title = own_title(title)
    if title and title.strip() not in text:
        return f"{title.strip()}. {text}"
    return text
