"""The daily queue: complaints first, then priority, then the earliest due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from responder.base import FollowUpPlan
from responder.queue import order_queue

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@dataclass
class Row:
    """Stands in for a storage row: only the attributes ordering reads."""

    id: int
    label: str
    priority: int
    due_at: datetime


def test_complaints_first_then_priority_then_due() -> None:
    rows = [
        Row(1, "praise", 95, T0),
        Row(2, "complaint", 70, T0 + timedelta(hours=3)),
        Row(3, "idea", 40, T0),
        Row(4, "complaint", 90, T0 + timedelta(hours=5)),
        Row(5, "complaint", 70, T0 + timedelta(hours=1)),
        Row(6, "idea", 40, T0 - timedelta(hours=1)),
    ]

    assert [r.id for r in order_queue(rows)] == [4, 5, 2, 1, 6, 3]


def test_ties_keep_input_order() -> None:
    rows = [Row(i, "idea", 40, T0) for i in (3, 1, 2)]

    assert [r.id for r in order_queue(rows)] == [3, 1, 2]


def test_follow_up_plans_can_be_ordered_directly() -> None:
    def plan(mention_id: int, label: str, priority: int) -> FollowUpPlan:
        return FollowUpPlan(mention_id, label, priority, T0, "manual", "id", "s", "d")

    plans = [plan(1, "praise", 30), plan(2, "complaint", 70)]

    assert [p.mention_id for p in order_queue(plans)] == [2, 1]
