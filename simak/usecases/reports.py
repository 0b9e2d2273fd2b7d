"""Read-only views: the queue, totals, source health, the ideas board."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from classifier.uncertainty import unsure
from common.credentials import unset_variables
from common.errors import ConfigError, CredentialMissing, NotFound, UsageError
from common.records import LABELS
from simak.app import App
from simak.config import SourceConfig
from simak.usecases.backoff import next_try
from storage import alerts, audit
from storage.audit import ENTITIES as AUDIT_ENTITIES
from storage.audit import AuditEntry
from storage.followups import STATUSES
from storage.queue import QueueItem, QueuePage, queue_items, queue_page
from storage.sources import LastRun, SourceHealth, source_health
from storage.stats import Stats, collect_stats

__all__ = ["AUDIT_ENTITIES", "FOLLOWUP_STATUSES", "AuditEntry", "QueueItem", "QueuePage"]

#: Every follow-up status, for filters and help texts.
FOLLOWUP_STATUSES = STATUSES


def queue(
    app: App,
    *,
    statuses: tuple[str, ...] | None = None,
    everything: bool = False,
    limit: int | None = 50,
    label: str | None = None,
) -> list[QueueItem]:
    """The queue in order (see :func:`storage.queue.queue_items`), each item flagged with
    the labels the model is unsure of (``classifier.check_me``)."""
    with app.db.read() as session:
        items = queue_items(
            session, app.clock(), statuses=statuses, everything=everything, limit=limit,
            label=label,
        )  # fmt: skip
    return _check_me(app, items)


def queue_page_of(
    app: App,
    *,
    status: str | None = None,
    label: str | None = None,
    limit: int = 50,
    after: int | None = None,
    before: int | None = None,
    number: int | None = None,
) -> QueuePage:
    """One page of the queue (see :func:`storage.queue.queue_page`): the rows after follow-up
    ``after`` or before ``before`` (or page ``number``, counting ``limit`` rows a page), with
    the total and the page's place, filtered by one status (default: what needs a person) and
    one label. A usage error names the allowed values of an unknown filter; a page number
    past the end is :class:`NoSuchPage`, saying which is the last."""
    if number is not None and number < 1:
        raise UsageError(f"page={number} is no page of the queue; pages start at 1")
    if status is not None and status not in FOLLOWUP_STATUSES:
        raise UsageError(f"unknown status {status!r}; use one of {', '.join(FOLLOWUP_STATUSES)}")
    if label is not None and label not in LABELS:
        raise UsageError(f"unknown label {label!r}; use one of {', '.join(LABELS)}")
    skip = min(((number or 1) - 1) * limit, 2**62)  # past any queue, yet a number SQL takes
    with app.db.read() as session:
        page = queue_page(
            session, app.clock(), statuses=(status,) if status else None, label=label,
            limit=limit, after=after, before=before, skip=skip,
        )  # fmt: skip
    if number is not None and number > 1 and not page.items:
        last = max(1, -(-page.total // limit))
        size = f"{page.total:,} follow-ups make {last} page{'s' if last > 1 else ''} of {limit}"
        said = size if page.total else "nothing in it matches"
        raise NoSuchPage(f"there is no page {number} of this queue: {said}", last)
    return replace(page, items=_check_me(app, page.items))


class NoSuchPage(NotFound):
    """A queue page number past the end; ``last`` is the last page there is."""

    def __init__(self, message: str, last: int) -> None:
        super().__init__(message)
        self.last = last


def _check_me(app: App, items: list[QueueItem]) -> list[QueueItem]:
    """Each item flagged with the labels the model is unsure of (``classifier.check_me``)."""
    band = app.settings.classifier.check_me
    return [replace(i, check_me=unsure(i.scores, band)) if i.scores else i for i in items]


def daily_labels(app: App, days: int = 14) -> dict[str, dict[date, int]]:
    """Mentions per label per day (business time zone) over the last ``days`` days,
    every brand together, oldest day first, days without posts as 0."""
    zone, now = app.settings.zone, app.clock()
    today = now.astimezone(zone).date()
    span = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    since = datetime.combine(span[0], datetime.min.time(), zone)
    per_label: dict[str, dict[date, int]] = {}
    with app.db.read() as session:
        for label in ("complaint", "praise", "idea"):
            totals = dict.fromkeys(span, 0)
            for brand in app.settings.names():
                counts, _ = alerts.daily_counts(session, brand, label, since, now, zone)
                for day, n in counts.items():
                    totals[day] = totals.get(day, 0) + n
            per_label[label] = totals
    return per_label


def stats(app: App) -> Stats:
    """Totals across the database."""
    with app.db.read() as session:
        return collect_stats(session)


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One configured source and its health (None before its first run)."""

    name: str
    type: str
    enabled: bool
    health: SourceHealth | None
    next_try_at: datetime | None = None  # failing: when a worker polls it next (backoff)
    config_error: str | None = None  # its options cannot be used: what poll would refuse


def sources(app: App) -> list[SourceLine]:
    """Every configured source with its health; a failing one with its next try; an
    enabled one whose options cannot be used (a required option missing, a credential's
    variable unset) with the error `simak poll` would stop on."""
    with app.db.read() as session:
        health = {h.name: h for h in source_health(session)}
    default = app.settings.workers.poll_every_s
    lines = []
    for s in app.settings.sources:
        h = health.get(s.name)
        at = None
        if h is not None and h.consecutive_failures and s.enabled:
            last = LastRun(h.last_run_at, h.consecutive_failures, h.last_error_at)
            at = next_try(last, timedelta(seconds=s.poll_every_s or default))
        lines.append(SourceLine(s.name, s.type, s.enabled, h, at, _config_error(app, s)))
    return lines


def _config_error(app: App, source: SourceConfig) -> str | None:
    """Why an enabled source's listener cannot be built (None: it can, or it is off)."""
    if not source.enabled:
        return None
    index = app.settings.sources.index(source)
    try:
        app.listener(index, source)
    except ConfigError as exc:
        return str(exc)
    # Listeners resolve ${VAR} credentials when they poll: check them here, as poll would.
    unset = unset_variables(source.options, app.env)
    if len(unset) > 1:
        names = ", ".join(unset)
        return (f"source {source.name!r}: environment variables {names} are not set; "
                f"export each of them and re-run")  # fmt: skip
    return str(CredentialMissing(source.name, unset[0])) if unset else None


def audit_log(
    app: App,
    *,
    since_days: float | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int | None = 50,
) -> list[AuditEntry]:
    """Who changed what (staff actions, idea board changes, merges, erasures, sign-ins
    and sign-outs), newest first; ``since_days`` counts back from the app's clock. An
    action may be written as listings show it, with spaces ("merge people")."""
    action = action.strip().replace(" ", "_") if action else action
    if entity is not None and entity not in AUDIT_ENTITIES:
        raise UsageError(f"no audit entries are about {entity!r}; use one of: "
                         f"{', '.join(AUDIT_ENTITIES)}")  # fmt: skip
    since = cutoff_of(app.clock(), since_days) if since_days is not None else None
    with app.db.read() as session:
        return audit.entries(
            session,
            since=since,
            entity=entity,
            entity_id=entity_id,
            actor=actor,
            action=action,
            limit=limit,
        )


def cutoff_of(now: datetime, since_days: float) -> datetime | None:
    """The first moment "the last ``since_days`` days" covers; None when that reaches back
    past any date (1e9 days: everything, not an OverflowError); not a number, a usage
    error."""
    if not since_days >= 0:
        raise UsageError(f"--since {since_days}: not a number of days; give one, e.g. --since 30")
    try:
        return now - timedelta(days=since_days)
    except OverflowError:
        return None
