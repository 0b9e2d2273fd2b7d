"""Promises kept by the database when two processes race, on SQLite and PostgreSQL: one
reminder per human per period across merged people; a "do not contact" mark committed
just before a send's claim stops the send; retention purges racing each other or a poll."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from common.errors import EXIT_BUSY, EXIT_OK
from simak.app import App
from simak.config import load_settings
from simak.usecases import followups, reports
from simak.usecases.send import send_one
from simak.usecases.send_plan import plan_sends
from storage import care, contactable
from storage.db import Database, open_database
from storage.models import FollowUp, FollowUpEvent, Person, Reminder
from tests.core.forked import result, start, waits
from tests.core.races import demo_project, no_traceback, run, simak

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)


def _claim(url: str, person_id: int, ready: Event, out: Any) -> None:
    """In another process: claim this period's reminder for ``person_id``."""
    db = Database(url)
    ready.set()
    with db.session() as session:
        out.put(care.claim_reminder(session, person_id, 1, NOW))
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
    """The merged-away person's reminder is claimed, not yet committed, when another
    process claims the one they were merged into: it waits (PostgreSQL: on the first's
    lock), then gets none."""
    db = open_database(db_url)
    merged, kept = _merged_pair(db)
    with db.session() as session:
        assert care.claim_reminder(session, merged, 1, NOW) is not None
        other, out, ready = start(_claim, db_url, kept)
        waits(db_url, out, ready)
    assert result(other, out) is None
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


def test_do_not_contact_group_is_everyone_one_human_with_a_marked_person(db_url: str) -> None:
    db = open_database(db_url)
    with db.session() as session:
        root, lone, marked_lone = (Person(created_at=NOW) for _ in range(3))
        session.add_all([root, lone, marked_lone])
        session.flush()
        middle = Person(created_at=NOW, merged_into_id=root.id)
        session.add(middle)
        session.flush()
        leaf = Person(created_at=NOW, merged_into_id=middle.id, do_not_contact_at=NOW)
        sibling = Person(created_at=NOW, merged_into_id=root.id)
        session.add_all([leaf, sibling])
        marked_lone.do_not_contact_at = NOW
        session.flush()
        everyone = [root, lone, marked_lone, middle, leaf, sibling]
        group = set(session.scalars(contactable.do_not_contact_group()))
        assert group == {p.id for p in everyone if contactable.blocked(session, p.id)}
        assert group == {root.id, marked_lone.id, middle.id, leaf.id, sibling.id}
    db.dispose()


def _app(config: Path) -> App:
    env = dict(os.environ)
    return App(load_settings(config, env), config, env)


def _approved_with_a_merged_twin(app: App) -> tuple[int, int]:
    """An approved follow-up, and a person merged into its recipient (one human). The
    recipient is a person on record (a feed author known only by name has none)."""
    fid = next(item.id for item in reports.queue(app) if item.person_id is not None)
    followups.approve(app, fid, "dina")
    with app.db.session() as session:
        person_id = session.scalar(select(FollowUp.person_id).where(FollowUp.id == fid))
        twin = Person(display_name="twin", created_at=NOW, merged_into_id=person_id)
        session.add(twin)
        session.flush()
        return fid, twin.id


def _recipient(app: App, fid: int) -> int | None:
    with app.db.read() as session:
        return session.scalar(select(FollowUp.person_id).where(FollowUp.id == fid))


def test_a_mark_committed_between_planning_and_claiming_stops_the_send(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sender has planned the follow-up when another process marks someone merged
    with the recipient "do not contact": the claim's compare-and-set refuses it, and the
    send fails it without calling any channel. (A mark in flight while the claim runs
    makes the claim wait for it: tests/core/test_do_not_contact_races.py.)"""
    monkeypatch.delenv("SIMAK_DATABASE_URL", raising=False)
    config = demo_project(tmp_path / "dnc", db_url)
    assert run(config, "poll")[0] == EXIT_OK
    app = _app(config)
    fid, twin = _approved_with_a_merged_twin(app)
    assert [p.refused for p in plan_sends(app) if p.followup_id == fid] == [None]
    code, _, err = run(config, "people", "do-not-contact", str(twin), "--reason", "phoned")
    assert code == EXIT_OK, err
    done = send_one(app, fid, "dina")
    assert (done.status, done.outcome) == ("failed", "failed")
    assert (
        done.detail == f"do not contact: phoned (person {twin}, merged with {_recipient(app, fid)})"
    )
    view = followups.show(app, fid)
    assert view.item.status == "failed" and [d.status for d in view.deliveries] == ["failed"]
    with app.db.read() as session:
        moves = session.scalars(
            select(FollowUpEvent.to_status).where(FollowUpEvent.followup_id == fid)
        ).all()
    assert "sending" not in moves  # never claimed: no channel could be called
    app.db.dispose()


def _posts(config: Path, *posts: tuple[str, datetime, str]) -> None:
    """The demo's export file holds only these posts, all by one author."""
    with (config.parent / "examples" / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for pid, created, body in posts:
            row = {"id": pid, "platform": "x", "author": "wulan", "author_name": "Wulan",
                   "text": body, "created_at": created.isoformat()}  # fmt: skip
            f.write(json.dumps(row) + "\n")


def _conversations_of_wulan(url: str) -> list[tuple[str, list[str]]]:
    """Each follow-up of the author: (status, its posts' external ids)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT f.id, f.status, m.external_id FROM followups f "
                "JOIN followup_mentions p ON p.followup_id = f.id "
                "JOIN mentions m ON m.id = p.mention_id "
                "WHERE m.external_id LIKE 'w-%' ORDER BY f.id, m.external_id"
            )
        ).all()
    engine.dispose()
    by_id: dict[int, tuple[str, list[str]]] = {}
    for fid, status, ext in rows:
        by_id.setdefault(fid, (status, []))[1].append(ext)
    return list(by_id.values())


def test_purges_racing_each_other_and_a_poll_keep_one_draft_and_every_post(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conversation loses its old post to retention while two purges and a poll (with a
    newer post by the same person) run at once: one follow-up, every newer post in it."""
    monkeypatch.delenv("SIMAK_DATABASE_URL", raising=False)
    now = datetime.now(UTC)
    config = demo_project(tmp_path / "purge", db_url)
    config.write_text(config.read_text() + "retention: {mention_days: 365}\n", "utf-8")
    old = ("w-old", now - timedelta(days=400), "Kopi Senja pesananku ketuker terus, kecewa")
    new = ("w-new", now - timedelta(days=2), "app Kopi Senja error terus pas bayar, tolong")
    _posts(config, old, new)
    code, _, err = run(config, "poll")
    assert code == EXIT_OK, err
    assert [s for s, _ in _conversations_of_wulan(db_url)] == ["open"]
    newer = ("w-newer", now - timedelta(hours=1), "Kopi Senja masih error, saldo kepotong")
    _posts(config, new, newer)
    procs = [simak(config, "purge"), simak(config, "purge"), simak(config, "poll")]
    results = [(p.wait(120), *p.communicate()) for p in procs]
    assert all(no_traceback(out, err) for _, out, err in results), results
    assert all(code in (EXIT_OK, EXIT_BUSY) for code, _, _ in results), results
    assert _conversations_of_wulan(db_url) == [("open", ["w-new", "w-newer"])]
