"""Storage on both backends: migrations, dedup, people, follow-up compare-and-set, health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from common.errors import ConflictError, NotFound
from common.records import Author, Classification, FollowUpPlan, Mention, Recipient
from storage import idea_groups, leases, outbox, outbox_recovery
from storage.db import Database, open_database
from storage.followups import NewFollowUp, change, create_followup, edit_draft, move, replan, snooze
from storage.ideas import capture_idea, ungrouped
from storage.mentions import claim_pending, finish_claims, save_classification, save_mentions
from storage.merge_suggestions import open_suggestions
from storage.models import ClassificationRow, Handle, MentionRow, Person
from storage.outbox import Outcome
from storage.people import merge, unmerge
from storage.queue import get_item, queue_items
from storage.sources import (
    RunOutcome,
    get_cursor,
    record_run,
    retry_at,
    set_cursor,
    source_health,
    waiting,
)
from storage.stats import collect_stats

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
COMPLAINT = Classification(
    ("complaint",), {"praise": 0.0, "complaint": 0.97, "idea": 0.1}, "en", "test@1"
)


@pytest.fixture
def db(db_url: str) -> Database:
    return open_database(db_url)


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


def plan_for(mid: int, draft: str = "Hi Rina, …", label: str = "complaint") -> FollowUpPlan:
    return FollowUpPlan(
        mention_id=mid,
        label=label,
        priority=90,
        due_at=NOW + timedelta(hours=2),
        channel="manual",
        lang="en",
        subject="Sorry",
        draft=draft,
    )


def queued(db: Database, text_: str = "Kopi Senja double charge!") -> int:
    with db.session() as s:
        (mid,) = save_mentions(s, [mention("1", text_)], NOW)
        save_classification(s, mid, COMPLAINT, NOW)
        new = NewFollowUp(plan_for(mid), None, "kopi-senja", Recipient("Rina", "x", "rina"), NOW)
        fid = create_followup(s, new, NOW)
    assert fid is not None
    return fid


def test_migrations_create_every_table(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "mentions",
        "people",
        "handles",
        "classifications",
        "followups",
        "followup_events",
        "deliveries",
        "leases",
        "person_merges",
        "merge_suggestions",
        "ideas",
        "source_state",
        "audit_log",
    } <= tables
    assert db.current_revision() == db.head_revision()
    assert db.upgrade() is False  # already current


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
    assert all(r.handle_id is not None for r in rows)


def test_long_ids_and_platform_keys_fit_on_every_backend(db: Database) -> None:
    long_id = "https://news.example/" + "a" * 900
    with db.session() as s:
        (mid,) = save_mentions(
            s, [mention(long_id, "Kopi Senja hebat", platform="p" * 300, handle="h" * 500)], NOW
        )
    with db.session() as s:
        row = s.get(MentionRow, mid)
    assert row is not None and row.external_id == long_id


def test_nul_and_lone_surrogates_are_stored_as_replacement_characters(db: Database) -> None:
    # Valid JSON ("\\u0000", "\\ud83d" from an emoji cut in half) that no database
    # stores: the whole page failed as an internal error, on every poll, forever.
    odd = mention("7\x00", "Kopi Senja \ud83d enak\x00", handle="ri\x00na")
    with db.session() as s:
        (mid,) = save_mentions(s, [odd], NOW)
        assert save_mentions(s, [odd], NOW) == []  # the same key again: a duplicate
    with db.session() as s:
        row = s.get(MentionRow, mid)
        assert row is not None
        assert (row.external_id, row.text) == ("7\ufffd", "Kopi Senja \ufffd enak\ufffd")
        assert row.author_handle == "ri\ufffdna"


def test_same_words_by_the_same_person_are_one_duplicate(db: Database) -> None:
    words = "Kopi Senja cabang Depok antrinya lama banget hari ini"
    with db.session() as s:
        save_mentions(s, [mention("1", words, platform="x", handle="budi")], NOW)
    with db.session() as s:
        (pid,) = s.scalars(select(Person.id)).all()
        s.add(Handle(person_id=pid, platform="mastodon", key="budi_m", handle="budi_m"))
    with db.session() as s:
        later = mention("m1", words, platform="mastodon", handle="budi_m", when=NOW)
        save_mentions(s, [later], NOW)
        rows = s.scalars(select(MentionRow).order_by(MentionRow.id)).all()
    assert rows[1].status == "duplicate" and rows[1].duplicate_of_id == rows[0].id


def test_same_words_by_two_people_become_a_suggestion_not_a_merge(db: Database) -> None:
    words = "Kopi Senja cabang Depok antrinya lama banget hari ini"
    with db.session() as s:
        save_mentions(s, [mention("1", words, platform="x", handle="budi")], NOW)
        later = mention("m1", words, platform="mastodon", handle="budi_m", when=NOW)
        save_mentions(s, [later], NOW + timedelta(hours=1))
    with db.session() as s:
        people = s.scalars(select(Person)).all()
        rows = s.scalars(select(MentionRow).order_by(MentionRow.id)).all()
        (suggestion,) = open_suggestions(s)
    assert len(people) == 2 and {r.status for r in rows} == {"new"}
    assert {suggestion.person_id, suggestion.other_id} == {p.id for p in people}


def test_merge_and_unmerge_restore_both_people(db: Database) -> None:
    with db.session() as s:
        save_mentions(
            s, [mention("1", "enak", handle="a"), mention("2", "mantap", handle="b")], NOW
        )
        a, b = (p.id for p in s.scalars(select(Person).order_by(Person.id)))
    with db.session() as s:
        record = merge(s, a, b, "dina", NOW, "same phone number")
    with db.session() as s:
        assert {m.person_id for m in s.scalars(select(MentionRow))} == {a}
        assert collect_stats(s).people == 1
        with pytest.raises(ConflictError, match="merged into"):
            merge(s, b, a, "dina", NOW)
    with db.session() as s:
        unmerge(s, record.id, "dina", NOW)
    with db.session() as s:
        owners = dict(s.execute(select(MentionRow.external_id, MentionRow.person_id)).all())
        assert owners == {"1": a, "2": b} and collect_stats(s).people == 2
        with pytest.raises(ConflictError, match="already undone"):
            unmerge(s, record.id, "dina", NOW)


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


def test_a_rate_limited_run_is_neither_success_nor_failure(db: Database) -> None:
    later, until = NOW + timedelta(hours=1), NOW + timedelta(hours=2)
    limited = RunOutcome(0, 0, 0, 1, None, rate_limited=True, retry_at=until)
    with db.session() as s:
        record_run(s, "demo", "x", RunOutcome(0, 0, 0, 0, "HTTP 503"), NOW)
        record_run(s, "demo", "x", limited, later)
    with db.session() as s:
        (health,) = source_health(s)
        assert retry_at(s, "demo") == until
        assert waiting(s, later) == {"demo": until} and waiting(s, until) == {}
    assert (health.status, health.retry_at, health.last_run_at) == ("rate_limited", until, later)
    assert health.last_success_at is None and health.consecutive_failures == 1
    with db.session() as s:
        record_run(s, "demo", "x", RunOutcome(3, 3, 1, 0, None), until)
    with db.session() as s:
        (health,) = source_health(s)
    assert (health.status, health.retry_at, health.last_success_at) == ("ok", None, until)
    assert health.consecutive_failures == 0


def test_one_current_classification_is_a_constraint(db: Database) -> None:
    with db.session() as s:
        (mid,) = save_mentions(s, [mention("1", "Kopi Senja")], NOW)
        save_classification(s, mid, COMPLAINT, NOW)
        save_classification(s, mid, COMPLAINT, NOW)
    with db.session() as s:
        rows = s.scalars(select(ClassificationRow).where(ClassificationRow.mention_id == mid))
        assert sorted(r.is_current for r in rows) == [False, True]
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            ClassificationRow.__table__.insert().values(
                mention_id=mid,
                labels=[],
                praise=0,
                complaint=0,
                idea=0,
                lang="en",
                model="x",
                created_at=NOW,
                is_current=True,
            )
        )


def test_status_columns_refuse_unknown_states(db: Database) -> None:
    fid = queued(db)
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text("UPDATE followups SET status = 'shipped' WHERE id = :id"), {"id": fid})


def test_claims_give_each_mention_to_one_run(db: Database) -> None:
    with db.session() as s:
        save_mentions(s, [mention(str(i), f"Kopi Senja {i}") for i in range(5)], NOW)
    ttl = timedelta(minutes=10)
    with db.session() as s:
        first = claim_pending(s, "run-a", NOW, ttl, 3)
    with db.session() as s:
        second = claim_pending(s, "run-b", NOW, ttl, 10)
        dead_taken = claim_pending(s, "run-c", NOW, ttl, 10, dead={"run-a"})
    assert len(first) == 3 and len(second) == 2
    assert {m.id for m in first} == {m.id for m in dead_taken}
    with db.session() as s:
        mid = first[0].id
        assert finish_claims(s, "run-a", [(mid, COMPLAINT)], NOW) == []  # run-c holds it now
        assert finish_claims(s, "run-c", [(mid, COMPLAINT)], NOW) == [mid]
        assert finish_claims(s, "run-c", [(mid, COMPLAINT)], NOW) == []  # done once


def test_leases_exclude_until_expiry_or_death(db: Database) -> None:
    ttl = timedelta(minutes=5)
    with db.session() as s:
        assert leases.acquire(s, "poll:a", "run-1", NOW, ttl)
    with db.session() as s:
        assert not leases.acquire(s, "poll:a", "run-2", NOW, ttl)
        assert leases.acquire(s, "poll:a", "run-2", NOW, ttl, dead={"run-1"})
    with db.session() as s:
        assert not leases.renew(s, "poll:a", "run-1", NOW, ttl)
        assert leases.acquire(s, "poll:a", "run-3", NOW + ttl * 2, ttl)


def test_approve_edit_and_correct_keep_approval_honest(db: Database) -> None:
    fid = queued(db)
    with db.session() as s:
        move(s, fid, "approved", "dina", NOW)
        edit_draft(s, fid, None, "Hi Rina, we refunded you.", "dina", NOW)
        item = get_item(s, fid)
    assert (
        item.status == "open" and item.draft_by == "dina" and "approve" in (item.status_note or "")
    )
    with db.session() as s:
        move(s, fid, "approved", "dina", NOW)
        replan(s, fid, plan_for(item.mention_id, "Thanks for the idea!", "idea"), "dina", NOW)
        item = get_item(s, fid)
    assert item.status == "open" and item.label == "idea"
    assert (
        item.draft == "Hi Rina, we refunded you." and item.suggested_draft == "Thanks for the idea!"
    )


def test_stale_version_is_a_conflict(db: Database) -> None:
    fid = queued(db)
    with db.session() as s:
        seen = get_item(s, fid).version
        edit_draft(s, fid, None, "new words", "ana", NOW, version=seen)
    with db.session() as s, pytest.raises(ConflictError, match="changed since you opened it"):
        move(s, fid, "approved", "dina", NOW, version=seen)
    with db.session() as s, pytest.raises(ConflictError, match="is open; it cannot become sent"):
        change(s, fid, allowed=("sending",), actor="x", now=NOW, to="sent")
    with db.session() as s, pytest.raises(NotFound):
        move(s, 999, "approved", "dina", NOW)


def test_outbox_claims_once_and_settles(db: Database) -> None:
    fid = queued(db)
    lease = timedelta(seconds=60)
    with db.session() as s:
        assert outbox.claim(s, "a", NOW, lease, followup_id=fid) == []  # not approved
        move(s, fid, "approved", "dina", NOW)
    with db.session() as s:
        (claim,) = outbox.claim(s, "a", NOW, lease, followup_id=fid)
        assert outbox.claim(s, "b", NOW, lease, followup_id=fid) == []
    assert claim.recipient.handle == "rina" and claim.idempotency_key == f"simak-fu-{1}"
    with db.session() as s:
        assert outbox.settle(s, claim, Outcome("sent", "ok", "m-1"), "a", NOW) == "sent"
        item = get_item(s, fid)
    assert item.external_id == "m-1" and item.status == "sent"


def test_dead_sender_leaves_unknown_never_a_resend(db: Database) -> None:
    fid = queued(db)
    lease = timedelta(seconds=60)
    with db.session() as s:
        move(s, fid, "approved", "dina", NOW)
    with db.session() as s:
        outbox.claim(s, "dead-run", NOW, lease, followup_id=fid)
    with db.session() as s:
        assert outbox_recovery.take_stale(s, "b", NOW, lease) == []  # lease still running
        (stale,) = outbox_recovery.take_stale(s, "b", NOW, lease, dead={"dead-run"})
        outbox.settle(s, stale, Outcome("unknown", "sender died"), "b", NOW)
    with db.session() as s:
        assert get_item(s, fid).status == "unknown"
        assert outbox.claim(s, "b", NOW, lease) == []
        assert outbox_recovery.resolve_unknown(s, fid, False, "dina", NOW) == "approved"


def test_snooze_hides_until_due(db: Database) -> None:
    fid = queued(db)
    with db.session() as s:
        snooze(s, fid, NOW + timedelta(hours=5), "dina", NOW)
    with db.session() as s:
        assert [i.id for i in queue_items(s, NOW)] == []
        assert [i.id for i in queue_items(s, NOW + timedelta(hours=6))] == [fid]
        assert [i.id for i in queue_items(s, NOW, everything=True)] == [fid]


def test_ideas_are_captured_once_and_counted_by_live_group(db: Database) -> None:
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
        for mid in ids:
            for _ in range(2):  # captured once, however often routing runs
                capture_idea(
                    s, mention_id=mid, person_id=None, brand="kopi-senja", title="t", now=NOW
                )
        waiting = ungrouped(s)
        assert [i.mention_id for i in waiting] == ids
        vector = np.ones(4, np.float32)
        groups = [
            idea_groups.new_group(s, brand="kopi-senja", title=t, space="t", vector=vector, now=NOW)
            for t in ("oat milk", "medan", "oat milk again")
        ]
        for idea, group in zip(waiting, [groups[0], groups[2], groups[1]], strict=True):
            assert idea_groups.join(s, idea.id, group, "new")
            assert not idea_groups.join(s, idea.id, groups[0], "new")  # placed once (CAS)
        idea_groups.merge(s, groups[0], groups[2], "owner", NOW)
    with db.session() as s:
        stats = collect_stats(s)
        assert not ungrouped(s)
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
        save_mentions(s, [by("instagram", "rina_ig", "1", "Rina@Example.com")], NOW)
        save_mentions(s, [by("review", "rina_r", "2", "rina@example.com")], NOW)
    with db.session() as s:
        assert collect_stats(s).people == 1


def test_a_refused_write_is_called_a_bug_not_a_database_problem(db: Database) -> None:
    """Before: any constraint failure read 'cannot use database …: FOREIGN KEY constraint
    failed; check the database URL and that the database is reachable' (exit 4)."""
    from sqlalchemy import text

    from common.errors import EXIT_INTERNAL, RefusedWrite

    with pytest.raises(RefusedWrite) as caught, db.session() as session:
        session.execute(
            text("INSERT INTO handles (person_id, platform, handle) VALUES (999999, 'x', 'h')")
        )

    message = str(caught.value)
    assert caught.value.exit_code == EXIT_INTERNAL
    assert "nothing was saved" in message and "check the database URL" not in message
    assert "\n" not in message


def test_a_refused_change_says_what_to_do_next(db: Database) -> None:
    """Before: "is dismissed; it cannot become approved now (only from: open, …)" and no
    way on; approving an approved one read as an error about states."""
    fid = queued(db)
    with db.session() as s:
        move(s, fid, "approved", "dina", NOW)
    with db.session() as s, pytest.raises(ConflictError, match="is approved already; nothing"):
        move(s, fid, "approved", "dina", NOW)
    with db.session() as s:
        move(s, fid, "dismissed", "dina", NOW)
    with db.session() as s, pytest.raises(ConflictError) as refused:
        move(s, fid, "approved", "dina", NOW)
    assert f"reopen it first: `simak followup reopen {fid}`" in str(refused.value)


def test_a_missing_table_says_to_upgrade_not_to_check_the_password(db: Database) -> None:
    """Before: PostgreSQL's 'relation "x" does not exist' was answered with "check the
    database name, user and password in the URL"."""
    from common.errors import StorageError

    with pytest.raises(StorageError) as caught, db.read() as session:
        session.execute(text("SELECT 1 FROM no_table_here"))

    message = str(caught.value)
    assert "run `simak db upgrade`" in message and "password" not in message
    # db upgrade answers "already current" when only a table is gone: say what then
    assert "restore your last backup" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("reason", "advice"),
    [
        # PostgreSQL prefixes every refused login with "connection to server": the server
        # was running, yet the advice was to check that it is
        (
            'connection to server at "127.0.0.1", port 5432 failed: FATAL: database "simak" '
            "does not exist",
            "check the database name, user and password",
        ),
        (
            'connection to server at "h", port 5432 failed: FATAL: password authentication '
            'failed for user "simak"',
            "check the database name, user and password",
        ),
        # an unreachable host is no other Simak run holding the database
        (
            'connection to server at "10.0.0.9", port 5432 failed: timeout expired',
            "check that the database server is running",
        ),
        # a PostgreSQL grant, not a file mode
        (
            "permission denied for schema public LINE 2: CREATE TABLE alembic_version (",
            "GRANT CREATE, USAGE ON SCHEMA public",
        ),
        ("attempt to write a readonly database", "make the database file and its folder"),
        ("database is locked", "another Simak run holds the database"),
    ],
)
def test_database_errors_advise_what_fits_the_cause(reason: str, advice: str) -> None:
    from storage.db import _advice

    assert advice in _advice(reason)
