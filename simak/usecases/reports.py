"""Read-only views: the queue, totals, source health, the ideas board."""

from __future__ import annotations

from dataclasses import dataclass

from simak.app import App
from storage.followups import STATUSES
from storage.ideas import IdeaBoardRow, idea_board
from storage.queue import QueueItem, queue_items
from storage.sources import SourceHealth, source_health
from storage.stats import Stats, collect_stats

#: Every follow-up status, for filters and help texts.
FOLLOWUP_STATUSES = STATUSES


def queue(
    app: App,
    *,
    statuses: tuple[str, ...] | None = None,
    everything: bool = False,
    limit: int | None = 50,
) -> list[QueueItem]:
    """The queue in order (see :func:`storage.queue.queue_items`)."""
    with app.db.read() as session:
        return queue_items(
            session, app.clock(), statuses=statuses, everything=everything, limit=limit
        )


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


def sources(app: App) -> list[SourceLine]:
    """Every configured source with its health."""
    with app.db.read() as session:
        health = {h.name: h for h in source_health(session)}
    return [SourceLine(s.name, s.type, s.enabled, health.get(s.name)) for s in app.settings.sources]


def ideas(app: App, limit: int = 30) -> list[IdeaBoardRow]:
    """The ideas board, most-asked first."""
    with app.db.read() as session:
        return idea_board(session, limit)
