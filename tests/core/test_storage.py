"""Storage on a temp SQLite database: migrations, dedup, people, follow-ups, health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from classifier.base import Classification
from common.errors import StorageError
from listeners.base import Author, Mention
from responder.base import FollowUpPlan
from storage.db import Database, open_database
from storage.followups import count_by_status, create_followup, queue_items, transition
from storage.ideas import add_idea, idea_board, set_group_status
from storage.mentions import pending_mentions, save_classification, save_mentions
from storage.models import Handle, MentionRow, Person
from storage.sources import RunOutcome, get_cursor, record_run, set_cursor, source_health
from storage.stats import collect_stats

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_database(f"sqlite:///{tmp_path / 'simak.db'}")


def mention(
    ext: str, text: str, platform: str = "x", handle: str = "rina", when: datetime = NOW
) -> Mention:
    return Mention(
        platform=platform,
        external_id=ext,
        source="demo",
        brand="kopi-senja",
        text=text,
        author=Author(platform=platform, handle=handle, display_name=handle.title()),
        created_at=when,
        url=f"https://example.test/{ext}",
    )


def test_migrations_create_every_table_and_wal(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "mentions",
        "people",
        "handles",
        "classifications",
        "followups",
        "followup_events",
        "ideas",
        "source_state",
        "audit_log",
    } <= tables
    assert db.current_revision() == db.head_revision()
    assert db.upgrade() is False  # already current
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_save_mentions_dedups_and_links_one_person(db: Database) -> None:
    with db.session() as s:
        first = save_mentions(s, [mention("1", "Kopi Senja enak"), mention("2", "lagi dong")], NOW)
    with db.session() as s:
        again = save_mentions(s, [mention("1", "Kopi Senja enak"), mention("3", "mantap")], NOW)
        people = s.scalars(select(Person)).all()
        rows = s.scalars(select(MentionRow)).all()
    assert len(first) == 2 and len(again) == 1
    assert len(rows) == 3 and len(people) == 1
    assert {r.person_id for r in rows} == {people[0].id}


def test_cross_post_is_linked_not_double_queued(db: Database) -> None:
    text = "Kopi Senja cabang Depok antrinya lama banget hari ini"
    with db.session() as s:
        save_mentions(s, [mention("1", text, platform="x", handle="budi")], NOW)
        save_mentions(
            s,
            [
                mention(
                    "m1", text, platform="mastodon", handle="budi_m", when=NOW + timedelta(hours=1)
                )
            ],
            NOW,
        )
    with db.session() as s:
        rows = s.scalars(select(MentionRow).order_by(MentionRow.id)).all()
        handles = s.scalars(select(Handle)).all()
        people = s.scalars(select(Person)).all()
        pending = pending_mentions(s, 10)
    assert rows[1].status == "duplicate" and rows[1].duplicate_of_id == rows[0].id
    assert len({h.person_id for h in handles}) == 1 and len(people) == 1
    assert [p.id for p in pending] == [rows[0].id]


def test_timestamps_come_back_timezone_aware(db: Database) -> None:
    with db.session() as s:
        save_mentions(s, [mention("1", "hello Kopi Senja")], NOW)
    with db.session() as s:
        row = s.scalars(select(MentionRow)).one()
    assert row.created_at == NOW and row.created_at.tzinfo is not None


def test_cursor_and_health(db: Database) -> None:
    with db.session() as s:
        assert get_cursor(s, "demo") is None
        set_cursor(s, "demo", "file", '{"line": 3}')
        record_run(s, "demo", "file", RunOutcome(5, 3, 0, 1, None), NOW)
    with db.session() as s:
        record_run(s, "demo", "file", RunOutcome(0, 0, 0, 0, "timeout after 20 s"), NOW)
        record_run(s, "demo", "file", RunOutcome(0, 0, 0, 0, "timeout after 20 s"), NOW)
    with db.session() as s:
        assert get_cursor(s, "demo") == '{"line": 3}'
        (health,) = source_health(s)
    assert health.consecutive_failures == 2 and health.last_error == "timeout after 20 s"
    assert health.last_success_at == NOW


def test_followup_lifecycle_is_audited_and_guarded(db: Database) -> None:
    with db.session() as s:
        (mid,) = save_mentions(s, [mention("1", "Kopi Senja double charge!")], NOW)
        save_classification(
            s,
            mid,
            Classification(
                ("complaint",), {"praise": 0.0, "complaint": 0.97, "idea": 0.1}, "en", "test@1"
            ),
            NOW,
        )
        plan = FollowUpPlan(
            mention_id=mid,
            label="complaint",
            priority=90,
            due_at=NOW + timedelta(hours=2),
            channel="manual",
            lang="en",
            subject="Sorry",
            draft="Hi Rina, …",
        )
        fid = create_followup(s, plan, None, NOW)
        assert create_followup(s, plan, None, NOW) is None  # never queued twice
    assert fid is not None
    with db.session() as s:
        transition(s, fid, "approved", "dina", NOW)
        transition(s, fid, "sent", "dina", NOW)
    with db.session() as s, pytest.raises(StorageError, match="cannot become approved"):
        transition(s, fid, "approved", "dina", NOW)
    with db.session() as s:
        assert count_by_status(s)["sent"] == 1
        assert queue_items(s, ("sent",))[0].labels == ("complaint",)


def test_idea_board_groups_and_counts_people(db: Database) -> None:
    with db.session() as s:
        ids = save_mentions(
            s,
            [
                mention("1", "tolong ada oat milk", handle="a"),
                mention("2", "please add oat milk", handle="b"),
                mention("3", "buka cabang di Medan", handle="a"),
            ],
            NOW,
        )
        for mid, key in zip(ids, ["oat", "oat", "medan"], strict=True):
            add_idea(
                s,
                mention_id=mid,
                person_id=None,
                brand="kopi-senja",
                group_key=key,
                title=key,
                now=NOW,
            )
        set_group_status(s, "oat", "planned")
    with db.session() as s:
        board = idea_board(s)
        stats = collect_stats(s)
    assert [(r.group_key, r.count, r.people, r.status) for r in board] == [
        ("oat", 2, 2, "planned"),
        ("medan", 1, 1, "new"),
    ]
    assert stats.ideas == 3 and stats.idea_groups == 2 and stats.mentions == 3


def test_same_email_on_two_platforms_is_one_person(db: Database) -> None:
    def by(platform: str, handle: str, ext: str, email: str) -> Mention:
        return Mention(
            platform=platform,
            external_id=ext,
            source="demo",
            brand="kopi-senja",
            text=f"Kopi Senja {ext}",
            created_at=NOW,
            author=Author(platform=platform, handle=handle, email=email),
        )

    with db.session() as s:
        save_mentions(
            s,
            [
                by("x", "rina", "1", "Rina@Example.com"),
                by("instagram", "rina_ig", "2", "rina@example.com"),
                by("x", "other", "3", "other@example.com"),
            ],
            NOW,
        )
    with db.session() as s:
        people = s.scalars(select(Person)).all()
        handles = s.scalars(select(Handle)).all()
    assert len(people) == 2 and len(handles) == 3
