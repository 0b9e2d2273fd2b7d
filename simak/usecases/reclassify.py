"""Re-run the configured model over stored mentions (`simak reclassify`), e.g. after
switching to a retrained model: a mention whose labels change is re-routed as a staff
correction would be, acting as "simak". Staff corrections are never overridden."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from common.errors import UsageError
from common.records import LABELS, Classification
from simak.app import App
from simak.usecases.classify import text_for
from simak.usecases.ideas import drop_from_board, group_pending
from simak.usecases.reports import cutoff_of
from simak.usecases.route import BatchRouter
from simak.wiring import build_router
from storage.reclassify import (
    Candidate,
    Scope,
    Skipped,
    candidates,
    count_candidates,
    skipped,
    store_reclassified,
)

__all__ = ["ACTOR", "CHOICES", "Change", "Reclassified", "Skipped", "reclassify"]

#: Who re-labels, in the audit log and on follow-up events.
ACTOR = "simak"
CHOICES = (*LABELS, "other")

#: ``progress(phase, done, total)``: phase "classifying" or "applying".
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Change:
    """A mention whose labels (or language: its draft's) the model changes; ``status`` says
    what became of it:
    ``would change`` (dry run, or not confirmed), ``changed``, or ``changed since read``
    (a staff correction or another run got there first: left alone)."""

    mention_id: int
    before: tuple[str, ...]
    after: tuple[str, ...]
    lang: str
    who: str
    brand: str
    text: str
    status: str = "would change"
    outcome: str | None = None  # changed: what happened to its follow-up
    lang_before: str | None = None  # the stored language, where the model reads another


@dataclass(slots=True)
class Reclassified:
    """What one `simak reclassify` found and did."""

    model: str
    checked: int = 0  # mentions the model ran over
    changes: list[Change] = field(default_factory=list)
    skipped: Skipped = field(default_factory=Skipped)
    applied: bool = False  # False: a dry run, nothing to change, or not confirmed
    seconds: float = 0.0

    @property
    def unchanged(self) -> int:
        """Mentions the model gave the labels they already had."""
        return self.checked - len(self.changes)

    def count(self, status: str) -> int:
        """How many changes ended with ``status``."""
        return sum(c.status == status for c in self.changes)


def reclassify(
    app: App,
    *,
    since_days: float | None = None,
    label: str | None = None,
    brand: str | None = None,
    dry_run: bool = False,
    confirm: Callable[[Reclassified], bool] | None = None,
    progress: Progress | None = None,
) -> Reclassified:
    """Run the model over the stored mentions in scope (batch by batch, outside any
    transaction); unless ``dry_run`` (or ``confirm`` says no), store each changed verdict
    by compare-and-set and re-route its mention, then tidy the ideas board."""
    scope = _scope(app, since_days, label, brand)
    started = time.perf_counter()
    report, verdicts = _plan(app, scope, progress)
    if dry_run or not report.changes or (confirm is not None and not confirm(report)):
        report.seconds = round(time.perf_counter() - started, 3)
        return report
    _apply(app, report, verdicts, progress)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _scope(app: App, since_days: float | None, label: str | None, brand: str | None) -> Scope:
    if label is not None and label not in CHOICES:
        raise UsageError(f"--label {label}: unknown; use {', '.join(CHOICES)}")
    if brand is not None:
        app.settings.brand(brand)  # ConfigError for an unknown brand
    # Rows of a brand renamed in the config but not moved (`simak brands rename`) stay
    # out: routing them would stop on the unknown brand half-way through the run.
    brands = (brand,) if brand is not None else tuple(app.settings.names())
    since = cutoff_of(app.clock(), since_days) if since_days is not None else None
    return Scope(since=since, label=label, brands=brands)


Verdicts = dict[int, tuple[int, Classification]]  # mention id -> (read with, new verdict)


def _plan(app: App, scope: Scope, progress: Progress | None) -> tuple[Reclassified, Verdicts]:
    """Classify every candidate; the changes, and the verdicts to store for them."""
    with app.db.read() as session:
        total = count_candidates(session, scope)
        left_alone = skipped(session, scope)
    model = app.classifier.model_id  # loads the model, as `simak poll` does
    report = Reclassified(model=model, skipped=left_alone)
    verdicts: Verdicts = {}
    after_id, size = 0, app.settings.classifier.batch_size
    while batch := _batch(app, scope, after_id, size):
        results = app.classifier.classify([text_for(c.title, c.text) for c in batch])
        for c, result in zip(batch, results, strict=True):
            if set(result.labels) != set(c.labels) or result.lang != c.lang:
                report.changes.append(_change(c, result))
                verdicts[c.id] = (c.classification_id, result)
        report.checked += len(batch)
        after_id = batch[-1].id
        if progress is not None:
            progress("classifying", report.checked, max(total, report.checked))
    return report, verdicts


def _batch(app: App, scope: Scope, after_id: int, size: int) -> list[Candidate]:
    with app.db.read() as session:
        return candidates(session, scope, after_id, size)


def _change(c: Candidate, result: Classification) -> Change:
    was = c.lang if c.lang != result.lang else None
    return Change(
        c.id, c.labels, tuple(result.labels), result.lang, c.who, c.brand, c.text, lang_before=was
    )


def _apply(app: App, report: Reclassified, verdicts: Verdicts, progress: Progress | None) -> None:
    """Store each verdict whose mention has not changed since it was read, and re-route
    it in the same transaction, as `simak correct` does."""
    router = BatchRouter(app.settings, build_router(app), app.approved)
    for i, change in enumerate(report.changes):
        read_with, result = verdicts[change.mention_id]
        with app.db.session() as session:
            now = app.clock()
            if store_reclassified(session, change.mention_id, read_with, result, ACTOR, now):
                outcome = router.reroute(
                    session, change.mention_id, result, ACTOR, now, by=report.model
                )
                report.changes[i] = replace(change, status="changed", outcome=outcome)
            else:
                report.changes[i] = replace(change, status="changed since read")
        if report.changes[i].status == "changed" and _left_ideas(change):
            drop_from_board(app, change.mention_id, ACTOR)
        if progress is not None:
            progress("applying", i + 1, len(report.changes))
    report.applied = True
    group_pending(app)


def _left_ideas(change: Change) -> bool:
    return "idea" in change.before and "idea" not in change.after
