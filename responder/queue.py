"""Ordering of the staff's daily queue: complaints first, then priority, then due time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar


class QueueRow(Protocol):
    """What ordering needs from a follow-up row (a FollowUpPlan or a storage model)."""

    @property
    def label(self) -> str:
        """The deciding label: "complaint", "idea" or "praise"."""
        ...

    @property
    def priority(self) -> int:
        """Higher = sooner."""
        ...

    @property
    def due_at(self) -> datetime:
        """When the follow-up is due (all rows aware, or all naive UTC)."""
        ...


RowT = TypeVar("RowT", bound=QueueRow)


def queue_key(row: QueueRow) -> tuple[int, int, datetime]:
    """Sort key: complaints before everything else, then priority desc, then due time asc.

    The SQL equivalent is
    ``ORDER BY (label = 'complaint') DESC, priority DESC, due_at ASC``.
    """
    return (0 if row.label == "complaint" else 1, -row.priority, row.due_at)


def order_queue(rows: Iterable[RowT]) -> list[RowT]:
    """Return ``rows`` in queue order; ties keep their input order (stable sort)."""
    return sorted(rows, key=queue_key)
