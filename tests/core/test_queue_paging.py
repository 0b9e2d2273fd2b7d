"""Keyset paging of the staff queue on both backends: every row once, in the queue's order,
with the right place and total, forwards and back, filters kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from storage.db import Database, open_database
from storage.models import FollowUp
from storage.queue import queue_items, queue_page

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def db(db_url: str) -> Database:
    """37 follow-ups with ties on every part of the order but the id."""
    db = open_database(db_url)
    rows = [
        {
            "id": f,
            "kind": "reminder",
            "brand": "kopi-senja",
            "status": "dismissed" if f % 7 == 0 else "open",
            "version": 1,
            "last_post_at": NOW,
            "label": "complaint" if f % 3 else "praise",
            "severity": ("critical", "high", "normal", "normal")[f % 4],
            "severity_score": (1.0, 0.9, 0.0)[f % 3],
            "priority": f % 2,
            "due_at": NOW + timedelta(minutes=f % 4),
            "channel": "manual",
            "lang": "id",
            "subject": "",
            "draft": "halo",
            "idempotency_key": f"t-{f}",
            "attempts": 0,
            "created_at": NOW,
            "updated_at": NOW,
            "recipient": {"platform": "x", "handle": f"c{f}"},
        }
        for f in range(1, 38)
    ]
    with db.session() as s:
        s.execute(insert(FollowUp), rows)
    return db


def test_pages_forwards_and_back_cover_the_queue_once_in_order(db: Database) -> None:
    with db.read() as s:
        every = [i.id for i in queue_items(s, NOW, limit=None)]
        assert len(every) == 37 - 5  # the dismissed ones need no one
        page, seen, pages = queue_page(s, NOW, limit=6), [], []
        while True:
            ids = [i.id for i in page.items]
            assert page.total == 32 and ids == every[page.start - 1 : page.start - 1 + len(ids)]
            seen += ids
            pages.append(page)
            if page.after is None:
                break
            page = queue_page(s, NOW, limit=6, after=page.after)
        assert seen == every and [p.start for p in pages] == [1, 7, 13, 19, 25, 31]
        assert pages[0].before is None and pages[-1].before is not None
        back = queue_page(s, NOW, limit=6, before=pages[-1].before)
        assert [i.id for i in back.items] == every[24:30] and back.start == 25
        # fewer than a page before the cursor: the first page, whole
        first = queue_page(s, NOW, limit=6, before=every[3])
        assert first.start == 1 and [i.id for i in first.items] == every[:6]


def test_a_page_keeps_its_filter_and_a_gone_cursor_starts_over(db: Database) -> None:
    with db.read() as s:
        praise = [i.id for i in queue_items(s, NOW, limit=None, label="praise")]
        one = queue_page(s, NOW, limit=4, label="praise")
        two = queue_page(s, NOW, limit=4, label="praise", after=one.after)
        assert [i.id for i in one.items + two.items] == praise[:8] and two.total == len(praise)
        dismissed = queue_page(s, NOW, statuses=("dismissed",), limit=50)
        assert dismissed.total == 5 and dismissed.after is None and dismissed.before is None
        gone = queue_page(s, NOW, limit=4, after=999_999)
        assert gone.start == 1 and gone.items == queue_page(s, NOW, limit=4).items
        assert queue_page(s, NOW, limit=4, label="idea").start == 0  # empty: no place
