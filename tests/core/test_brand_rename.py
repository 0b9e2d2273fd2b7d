"""`simak brands rename OLD NEW`: after a brand's `name` changed in the config, every row it
brought in moves to the new name at once, without a second conversation per person, a
second digest or alert per day, or a half-renamed database."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from common.errors import ConflictError
from simak.app import App
from simak.cli import app as cli_app
from storage import brands
from storage.brands import TABLES
from storage.models import (
    JOINABLE,
    Alert,
    AuditLog,
    ConversationPost,
    Digest,
    FollowUp,
    Idea,
    MentionRow,
)
from tests.core.forked import Where, act, race

OLD, NEW = "kopi-senja", "senja-coffee"
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli_app, ["--config", str(config), *args])


def rename_in_config(config: Path) -> None:
    text = config.read_text("utf-8")
    config.write_text(text.replace(f"- name: {OLD}", f"- name: {NEW}"), "utf-8")


def counts(application: App) -> dict[str, dict[str, int]]:
    """Rows per table and brand."""
    out: dict[str, dict[str, int]] = {}
    with application.db.read() as s:
        for key, table in TABLES.items():
            query = select(table.brand, func.count()).group_by(table.brand)
            out[key] = {row[0]: row[1] for row in s.execute(query)}
    return out


def add_days(application: App, brand: str, *days: str) -> dict[str, int]:
    """A sent digest and a complaint alert of ``brand`` on each day: their ids."""
    ids: dict[str, int] = {}
    with application.db.session() as s:
        for day in days:
            d = Digest(brand=brand, day=day, status="sent", holder="t", created_at=NOW)
            a = Alert(
                brand=brand,
                label="complaint",
                day=day,
                observed=9,
                expected=1.0,
                p_value=0.001,
                status="sent",
                holder="t",
                created_at=NOW,
            )
            s.add_all([d, a])
            s.flush()
            ids[f"digest {day}"], ids[f"alert {day}"] = d.id, a.id
    return ids


def an_open_conversation(application: App) -> tuple[int, int, MentionRow]:
    """(follow-up id, person id, its first post) of some open conversation."""
    with application.db.read() as s:
        fu = s.scalars(
            select(FollowUp)
            .where(FollowUp.kind == "conversation", FollowUp.status == "open")
            .where(FollowUp.person_id.is_not(None), FollowUp.mention_id.is_not(None))
            .order_by(FollowUp.id)
        ).first()
        assert fu is not None
        first = s.get(MentionRow, fu.mention_id)
        assert first is not None and fu.person_id is not None
        s.expunge(first)
        return fu.id, fu.person_id, first


def write_again(config: Path, first: MentionRow, ext: str) -> None:
    """The author of ``first`` posts once more, in the demo's export file."""
    line = {
        "id": ext,
        "platform": first.platform,
        "author": first.author_handle,
        "author_name": first.author_name,
        "text": first.text + " (masih, tolong)",
        "url": f"https://x.example/{ext}",
        "created_at": "2026-12-01T10:00:00+07:00",
    }
    with (config.parent / "examples" / "mentions.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")


def open_conversations(application: App, person_id: int) -> list[tuple[int, str]]:
    with application.db.read() as s:
        rows = s.execute(
            select(FollowUp.id, FollowUp.brand).where(
                FollowUp.person_id == person_id,
                FollowUp.kind == "conversation",
                FollowUp.status.in_(JOINABLE),
            )
        ).all()
    return [(r.id, r.brand) for r in rows]


def conversation_of(application: App, ext: str) -> int | None:
    with application.db.read() as s:
        return s.scalar(
            select(ConversationPost.followup_id)
            .join(MentionRow, MentionRow.id == ConversationPost.mention_id)
            .where(MentionRow.external_id == ext)
        )


def test_rename_moves_every_table_in_one_go(polled: tuple[Path, App]) -> None:
    config, application = polled
    add_days(application, OLD, "2026-11-30", "2026-12-01")
    before = counts(application)
    assert all(before[key].get(OLD) for key in TABLES), before
    rename_in_config(config)

    dry = cli(config, "brands", "rename", OLD, NEW, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["counts"] == {k: before[k][OLD] for k in TABLES}
    assert counts(application) == before  # a dry run changes nothing

    done = cli(config, "brands", "rename", OLD, NEW, "--yes", "--json", "--as", "owner")
    assert done.exit_code == 0, done.output
    after = counts(application)
    assert after == {k: {NEW: before[k][OLD]} for k in TABLES}
    with application.db.read() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "rename_brand")).one()
    assert (audit.actor, audit.entity_id) == ("owner", NEW)
    assert f"mentions {before['mentions'][OLD]}" in (audit.detail or "")

    # the renamed rows work under the new name again
    assert cli(config, "ideas", "--brand", NEW, "--json").exit_code == 0
    again = cli(config, "brands", "rename", OLD, NEW, "--yes")
    assert again.exit_code == 2 and "nothing is stored under brand 'kopi-senja'" in again.output


def test_refusals_change_nothing(polled: tuple[Path, App]) -> None:
    config, application = polled
    before = counts(application)
    still = cli(config, "brands", "rename", OLD, NEW, "--yes")
    assert still.exit_code == 2 and f"brand {NEW!r} is not in" in still.output
    rename_in_config(config)
    typo = cli(config, "brands", "rename", "kopi-senj", NEW, "--yes")
    assert typo.exit_code == 2
    assert "no longer configured: kopi-senja" in typo.output
    same = cli(config, "brands", "rename", NEW, NEW, "--yes")
    assert same.exit_code == 2
    unasked = cli(config, "brands", "rename", OLD, NEW)  # no terminal: asks, gets no answer
    assert unasked.exit_code == 2 and "add --yes" in unasked.output
    config.write_text(
        config.read_text("utf-8").replace(
            "brands:\n", f"brands:\n  - name: {OLD}\n    terms: [zzz]\n", 1
        ),
        "utf-8",
    )
    configured = cli(config, "brands", "rename", OLD, NEW, "--yes")
    assert configured.exit_code == 2 and f"brand {OLD!r} is still in" in configured.output
    assert counts(application) == before


def test_collisions_are_merged(polled: tuple[Path, App]) -> None:
    """Between the config's rename and the command, the new name got a conversation with
    someone who had one open under the old name, and a digest and an alert of a day the
    old name had: one of each is left, and the person's posts are in one conversation."""
    config, application = polled
    old_days = add_days(application, OLD, "2026-12-01", "2026-12-02")
    new_days = add_days(application, NEW, "2026-12-02")
    kept, person, first = an_open_conversation(application)
    rename_in_config(config)
    write_again(config, first, "again-1")
    assert cli(config, "poll").exit_code == 0
    split = open_conversations(application, person)
    assert sorted(b for _, b in split) == [OLD, NEW]  # the bug the command repairs
    newer = max(fid for fid, _ in split)

    dry = json.loads(cli(config, "brands", "rename", OLD, NEW, "--dry-run", "--json").stdout)
    assert dry["conversations_joined"] == [{"from": newer, "into": kept}]
    assert dry["digests_dropped"] == ["2026-12-02"]
    assert dry["alerts_dropped"] == ["complaint 2026-12-02"]
    assert open_conversations(application, person) == split

    done = cli(config, "brands", "rename", OLD, NEW, "--yes")
    assert done.exit_code == 0, done.output
    assert f"conversation {newer} joined {kept}" in done.stdout
    assert open_conversations(application, person) == [(kept, NEW)]
    assert conversation_of(application, "again-1") == kept
    with application.db.read() as s:
        gone = s.get(FollowUp, newer)
        assert gone is not None and gone.status == "dismissed"
        digests = dict(s.execute(select(Digest.day, Digest.id)).all())
        alerts = dict(s.execute(select(Alert.day, Alert.id)).all())
        assert set(s.scalars(select(Digest.brand).distinct())) == {NEW}
    assert digests == {
        "2026-12-01": old_days["digest 2026-12-01"],
        "2026-12-02": new_days["digest 2026-12-02"],
    }
    assert alerts == {
        "2026-12-01": old_days["alert 2026-12-01"],
        "2026-12-02": new_days["alert 2026-12-02"],
    }


def test_a_returning_person_joins_their_old_conversation(polled: tuple[Path, App]) -> None:
    config, application = polled
    kept, person, first = an_open_conversation(application)
    rename_in_config(config)
    assert cli(config, "brands", "rename", OLD, NEW, "--yes").exit_code == 0
    write_again(config, first, "again-2")
    polled_again = cli(config, "poll")
    assert polled_again.exit_code == 0, polled_again.output
    assert open_conversations(application, person) == [(kept, NEW)]
    assert conversation_of(application, "again-2") == kept


def test_a_new_idea_after_the_rename_joins_its_old_group(polled: tuple[Path, App]) -> None:
    config, application = polled
    with application.db.read() as s:
        idea = s.scalars(select(Idea).where(Idea.group_id.is_not(None)).order_by(Idea.id)).first()
        assert idea is not None and idea.mention_id is not None
        first = s.get(MentionRow, idea.mention_id)
        assert first is not None
        s.expunge(first)
        group = idea.group_id
    rename_in_config(config)
    assert cli(config, "brands", "rename", OLD, NEW, "--yes").exit_code == 0
    write_again(config, first, "idea-again")
    assert cli(config, "poll").exit_code == 0
    with application.db.read() as s:
        joined = s.scalar(
            select(Idea.group_id)
            .join(MentionRow, MentionRow.id == Idea.mention_id)
            .where(MentionRow.external_id == "idea-again")
        )
    assert joined == group


def test_a_collision_arriving_after_the_check_renames_nothing(
    polled: tuple[Path, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conversation NEW got after the collisions were read (a worker on the old config
    and one on the new): the rename stops with one line and leaves every row as it was."""
    config, application = polled
    _, person, first = an_open_conversation(application)
    rename_in_config(config)
    write_again(config, first, "again-3")
    assert cli(config, "poll").exit_code == 0
    assert len(open_conversations(application, person)) == 2
    before = counts(application)
    monkeypatch.setattr(brands, "_colliding_conversations", lambda *_: [])
    refused = pytest.raises(ConflictError, match=f"brand '{NEW}' got new rows while renaming")
    with refused, application.db.session() as s:
        brands.rename(s, OLD, NEW, "owner", NOW)
    assert counts(application) == before
    with application.db.read() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(AuditLog).where(AuditLog.action == "rename_brand")
            )
            == 0
        )


# Races in real processes, on SQLite and PostgreSQL (see tests/core/forked.py): the first
# pauses inside its transaction, the second starts, and (PostgreSQL) the first goes on once
# the second waits on one of its locks. The promises: all or nothing, one open
# conversation per person and brand once the rename is done (run again if refused), every
# post in exactly one conversation, nothing left under OLD.

_RENAME = "simak.usecases.brands:rename"
_POLL = "simak.usecases.poll:poll"
_LOCKED: Where = ("storage.brands", "_colliding_conversations", "after")  # locks held
_MOVED: Where = ("storage.brands", "record", "before")  # every row moved, not committed
_STARTED: Where = ("simak.usecases.route", "create_followups", "after")  # not committed


def _child(config: Path, who: str, call: str, *args: Any) -> tuple[Callable[..., None], Any]:
    return act, (config, who, call, args)


def _old_config(config: Path) -> Path:
    """The config before the rename, beside it (a worker that was not restarted)."""
    old = config.parent / "old-config.yaml"
    old.write_text(config.read_text("utf-8"), "utf-8")
    return old


def _renamed_in_one_conversation(
    config: Path, application: App, person: int, exts: list[str]
) -> None:
    """Once a rename ran to the end (again, if the race refused or outran it): nothing is
    under OLD, the person has one open conversation, and it holds each of ``exts``."""
    if any(counts(application)[key].get(OLD) for key in TABLES):
        again = cli(config, "brands", "rename", OLD, NEW, "--yes")
        assert again.exit_code == 0, again.output
    assert all(OLD not in by_brand for by_brand in counts(application).values())
    [(kept, brand)] = open_conversations(application, person)
    assert brand == NEW
    assert [conversation_of(application, ext) for ext in exts] == [kept] * len(exts)
    with application.db.read() as s:
        posts = s.scalars(select(ConversationPost.mention_id)).all()
    assert len(posts) == len(set(posts))


def test_two_renames_at_once_rename_once(polled: tuple[Path, App]) -> None:
    config, application = polled
    add_days(application, OLD, "2026-12-01")
    before = counts(application)
    rename_in_config(config)
    results = race(
        application.db.url,
        (*_child(config, "dina", _RENAME, OLD, NEW, "dina"), _LOCKED),
        _child(config, "budi", _RENAME, OLD, NEW, "budi"),
    )
    assert results["dina"][0] == "ok", results
    outcome, message = results["budi"]
    assert outcome == "UsageError" and "nothing is stored under brand 'kopi-senja'" in message
    assert counts(application) == {k: {NEW: before[k][OLD]} for k in TABLES}
    with application.db.read() as s:
        trail = s.scalars(select(AuditLog.actor).where(AuditLog.action == "rename_brand")).all()
    assert trail == ["dina"]


@pytest.mark.parametrize("rename_first", [True, False], ids=["rename-first", "poll-first"])
def test_a_rename_racing_a_poll_that_starts_a_conversation_under_new(
    polled: tuple[Path, App], rename_first: bool
) -> None:
    """A person with a conversation under OLD writes again, polled on the new config while
    the rename runs: the rename joins the two, or stops with one line and nothing moved
    (then running it again joins them)."""
    config, application = polled
    _, person, first = an_open_conversation(application)
    rename_in_config(config)
    write_again(config, first, "race-new")
    before = counts(application)
    rename = _child(config, "rename", _RENAME, OLD, NEW, "owner")
    poll = _child(config, "poll", _POLL)
    if rename_first:
        results = race(application.db.url, (*rename, _LOCKED), poll)
    else:
        results = race(application.db.url, (*poll, _STARTED), rename)
    assert results["poll"][0] == "ok", results
    outcome, message = results["rename"]
    if outcome != "ok":
        assert outcome == "ConflictError" and f"brand {NEW!r} got new rows" in message, results
        assert {k: c.get(OLD) for k, c in counts(application).items()} == {
            k: c.get(OLD) for k, c in before.items()
        }
    _renamed_in_one_conversation(config, application, person, ["race-new"])


def test_a_rename_racing_a_worker_still_on_the_old_config_loses_no_post(
    polled: tuple[Path, App],
) -> None:
    """The rename has moved every row when a poll on the old config routes the person's
    new post under OLD: the post joins their conversation or starts one under OLD, and
    running the rename again leaves one conversation holding both posts."""
    config, application = polled
    fid, person, first = an_open_conversation(application)
    old = _old_config(config)
    rename_in_config(config)
    write_again(config, first, "race-old")
    results = race(
        application.db.url,
        (*_child(config, "rename", _RENAME, OLD, NEW, "owner"), _MOVED),
        _child(old, "poll", _POLL),
    )
    assert results["rename"][0] == "ok" and results["poll"][0] == "ok", results
    _renamed_in_one_conversation(config, application, person, ["race-old"])
    assert open_conversations(application, person) == [(fid, NEW)]
