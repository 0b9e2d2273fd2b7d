"""Promises kept by the database when two processes race, on SQLite and PostgreSQL: one
reminder per human per period across merged people; a "do not contact" mark committed
just before a send's claim stops the send; retention purges racing each other or a poll."""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, datetime
from multiprocessing.synchronize import Event

from sqlalchemy import func, select

from storage import care
from storage.db import Database, open_database
from storage.models import Person, Reminder

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
_HOLD_S = 1.5  # how long the first claimer keeps its transaction open


def _spawn() -> multiprocessing.context.SpawnContext:
    return multiprocessing.get_context("spawn")


def _claim(url: str, person_id: int, claimed: Event, wait_for: Event | None, out: object) -> None:
    """Claim this period's reminder for ``person_id``; the first claimer holds its
    transaction open a while after claiming, so the second claims while it is in flight."""
    if wait_for is not None:
        wait_for.wait(30)
    db = Database(url)
    with db.session() as session:
        got = care.claim_reminder(session, person_id, 1, NOW)
        claimed.set()
        if wait_for is None:
            time.sleep(_HOLD_S)
    out.put((person_id, got))  # type: ignore[attr-defined]
    db.dispose()


def _merged_pair(db: Database) -> tuple[int, int]:
    """Two people, the first merged into the second: one human."""
    with db.session() as session:
        kept = Person(display_name="Rina", created_at=NOW)
        session.add(kept)
        session.flush()
        merged = Person(display_name="rina_ngopi", created_at=NOW, merged_into_id=kept.id)
        session.add(merged)
        session.flush()
        return merged.id, kept.id


def test_two_claims_for_merged_people_make_one_reminder(db_url: str) -> None:
    db = open_database(db_url)
    merged, kept = _merged_pair(db)
    ctx = _spawn()
    out, first_in, second_in = ctx.Queue(), ctx.Event(), ctx.Event()
    procs = [
        ctx.Process(target=_claim, args=(db_url, merged, first_in, None, out)),
        ctx.Process(target=_claim, args=(db_url, kept, second_in, first_in, out)),
    ]
    for p in procs:
        p.start()
    results = dict(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0, 0]
    assert results[merged] is not None and results[kept] is None, results
    with db.read() as session:
        rows = session.execute(select(Reminder.person_id, Reminder.root_id)).all()
    assert [tuple(r) for r in rows] == [(merged, kept)]
    db.dispose()


def test_a_reminder_claimed_before_a_merge_still_counts(db_url: str) -> None:
    db = open_database(db_url)
    with db.session() as session:
        a, b = Person(created_at=NOW), Person(created_at=NOW)
        session.add_all([a, b])
        session.flush()
        assert care.claim_reminder(session, a.id, 1, NOW) is not None
        a.merged_into_id = b.id
        session.flush()
        assert care.claim_reminder(session, b.id, 1, NOW) is None
        assert care.claim_reminder(session, b.id, 2, NOW) is not None
        assert session.scalar(select(func.count()).select_from(Reminder)) == 2
    db.dispose()
