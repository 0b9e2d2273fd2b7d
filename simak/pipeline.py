"""The main job: poll sources, store mentions, classify them, route follow-ups.

Each listener page is stored together with its cursor in one transaction, and
each classified batch together with its follow-ups in another, so a crash at
any point loses nothing and a re-run neither duplicates nor double-queues.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from classifier.base import Classifier
from common.errors import RateLimited, SourceError
from listeners.base import Listener
from storage.db import Database
from storage.mentions import pending_mentions, save_classification, save_mentions
from storage.sources import RunOutcome, get_cursor, record_run, set_cursor

Clock = Callable[[], datetime]
Progress = Callable[[int], None]


@dataclass(slots=True)
class SourceReport:
    """What happened to one source in one run."""

    name: str
    platform: str
    fetched: int = 0
    stored: int = 0
    reads: int = 0
    not_modified: bool = False
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    deferred: str | None = None  # rate limited: resumes from its cursor on the next run

    @property
    def ok(self) -> bool:
        """True when the source ran without a failure."""
        return self.error is None


def poll_source(db: Database, listener: Listener, clock: Clock) -> SourceReport:
    """Poll one source to the end (or its first failure), committing page by page."""
    report = SourceReport(name=listener.name, platform=listener.platform)
    with db.session() as session:
        cursor = get_cursor(session, listener.name)
    try:
        for page in listener.poll(cursor):
            with db.session() as session:
                new_ids = save_mentions(session, page.mentions, clock())
                set_cursor(session, listener.name, listener.platform, page.cursor)
            report.fetched += page.fetched
            report.stored += len(new_ids)
            report.reads += page.reads
            report.not_modified = report.not_modified or page.not_modified
            report.warnings.extend(page.warnings)
    except RateLimited as exc:
        report.deferred = _one_line(exc)
        report.warnings.append(f"rate limited, deferred to the next run: {report.deferred}")
    except SourceError as exc:
        report.error = _one_line(exc)
    _record(db, report, clock())
    return report


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def skip_source(db: Database, name: str, platform: str, reason: str, clock: Clock) -> SourceReport:
    """Report (and remember) a source that could not even start, e.g. bad options."""
    report = SourceReport(name=name, platform=platform, error=reason)
    _record(db, report, clock())
    return report


def _record(db: Database, report: SourceReport, now: datetime) -> None:
    outcome = RunOutcome(
        fetched=report.fetched,
        stored=report.stored,
        reads=report.reads,
        warnings=len(report.warnings),
        error=report.error,
        last_warning=report.warnings[-1] if report.warnings else None,
    )
    with db.session() as session:
        record_run(session, report.name, report.platform, outcome, now)


@dataclass(slots=True)
class ProcessReport:
    """What classification and routing did in one run."""

    classified: int = 0
    routed: int = 0
    filtered: int = 0
    ideas: int = 0


RouteBatch = Callable[..., tuple[int, int, int]]


def classify_pending(
    db: Database,
    classifier: Classifier,
    route: RouteBatch,
    clock: Clock,
    batch_size: int,
    progress: Progress | None = None,
) -> ProcessReport:
    """Classify every unclassified mention and hand each batch to ``route``.

    ``route(session, ids, results, now)`` creates follow-ups and ideas inside the
    same transaction and returns (routed, filtered, ideas).
    """
    report = ProcessReport()
    while True:
        with db.session() as session:
            batch = pending_mentions(session, batch_size)
        if not batch:
            return report
        texts = [_text_for(m.title, m.text) for m in batch]
        results = classifier.classify(texts)
        with db.session() as session:
            now = clock()
            for mention, result in zip(batch, results, strict=True):
                save_classification(session, mention.id, result, now)
            routed, filtered, ideas = route(session, [m.id for m in batch], results, now)
        report.classified += len(batch)
        report.routed += routed
        report.filtered += filtered
        report.ideas += ideas
        if progress is not None:
            progress(len(batch))


def _text_for(title: str | None, text: str) -> str:
    # Feed entries carry a headline; it often holds the opinion, so classify both.
    if title and title.strip() and title.strip() not in text:
        return f"{title.strip()}. {text}"
    return text


def failed(reports: Sequence[SourceReport]) -> list[SourceReport]:
    """The sources that failed."""
    return [r for r in reports if not r.ok]
