"""`simak forget` leaves no trace of the person in any table (a dump is grepped), and
retention keeps outcomes and idea counts without personal data — on both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from typer.testing import Result

from simak.cli import app
from storage import ids
from tests.core.conftest import Project

WHO: dict[str, Any] = {
    "name": "Wulandari Kusumawati",
    "handle": "wulan_kusuma88",
    "email": "wulan.kusuma@example.net",
    "texts": [
        "Kopi Senja cabang Cipete pesananku ketuker terus, kecewa berat sama zebrafruit latte",
        "Kopi Senja tolong tambahin menu zebrafruit tart dong",
    ],
}


def dump(db_url: str) -> str:
    engine = create_engine(db_url)
    rows: list[str] = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            rows += [repr(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {table}"))]
    engine.dispose()
    return "\n".join(rows)


def write(project: Project, created: str = "2026-11-22T08:00:00+07:00") -> None:
    with (project.root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for i, body in enumerate(WHO["texts"]):
            f.write(
                json.dumps(
                    {
                        "id": f"w{i}",
                        "platform": "x",
                        "author": WHO["handle"],
                        "author_name": WHO["name"],
                        "author_email": WHO["email"],
                        "text": body,
                        "created_at": created,
                    }
                )
                + "\n"
            )
        f.write(
            json.dumps(
                {
                    "id": "o1",
                    "platform": "x",
                    "author": "someone",
                    "text": "Kopi Senja enak banget",
                    "created_at": created,
                }
            )
            + "\n"
        )


@pytest.mark.parametrize("chunk", [None, 1], ids=["one-query", "one-id-per-query"])
def test_forget_leaves_no_trace_in_any_table(
    project: Project, chunk: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if chunk is not None:  # as if the person had more posts than one query may bind
        monkeypatch.setattr(ids, "ID_CHUNK", chunk)
    write(project)
    assert project.run("poll").exit_code == 0
    row = next(r for r in project.json("queue", "--all") if r["author"] == WHO["name"])
    pid = str(row["person_id"])
    assert project.run("people", "note", pid, f"called {WHO['name']} back").exit_code == 0
    assert project.run("followup", "approve", str(row["id"])).exit_code == 0
    assert project.run("send").exit_code == 0
    before = dump(project.db_url)
    assert WHO["handle"] in before and "zebrafruit" in before
    dry = project.json("forget", pid, "--dry-run")
    assert dry["counts"]["mentions"] == 2 and dump(project.db_url) == before
    done = project.run("forget", pid, "--yes")
    assert done.exit_code == 0, done.output
    after = dump(project.db_url)
    for trace in (WHO["name"], WHO["handle"], WHO["email"], "zebrafruit", "Wulan", "wulan"):
        assert trace not in after, trace
    assert "forget_person" in after  # the audit entry, with counts only
    assert project.json("stats")["mentions"] >= 1  # other people untouched
    assert project.json("stats")["ideas"] == 0  # her idea left the board
    with project.db().session() as session:  # nor does its meaning stay in a stored centroid
        groups = session.execute(text("SELECT size, centroid FROM idea_groups")).all()
    assert groups and all(size == 0 and not any(bytes(c)) for size, c in groups)


def test_retention_keeps_outcomes_without_personal_data(project: Project) -> None:
    old = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    write(project, created=old)
    cfg = project.config.read_text() + "retention: {raw_days: 1, mention_days: 365}\n"
    project.config.write_text(cfg, "utf-8")
    assert project.run("poll").exit_code == 0
    before = project.json("stats")
    preview = project.run("purge", "--dry-run")  # one line for cron's mail, however long
    assert preview.exit_code == 0 and preview.stdout.count("\n") == 1, preview.stdout
    assert preview.stdout.startswith("would purge: ")  # every verb says "would"
    assert "would close 2 follow-up(s) left with nothing to answer" in preview.stdout
    purged = project.json("purge")
    assert purged["mentions"] == 3
    assert "zebrafruit" not in dump(project.db_url)  # no post, quote, draft or title left
    kept = [r for r in project.json("queue", "--all") if r["mention_id"] is None]  # old posts
    assert len(kept) == 2 and all(r["draft"] == "(removed)" and not r["recipient"] for r in kept)
    # nothing left to answer: out of the queue, not a "(removed)" draft waiting for approval
    assert purged["followups_closed"] == 2 and {r["status"] for r in kept} == {"dismissed"}
    assert not [r for r in project.json("queue") if r["mention_id"] is None]
    stats = project.json("stats")
    assert stats["ideas"] == before["ideas"]  # idea counts stay
    assert sum(stats["followups"].values()) == sum(before["followups"].values())


def test_forget_without_yes_asks_on_stderr_and_no_answer_erases_nothing(
    project: Project,
) -> None:
    write(project)
    assert project.run("poll").exit_code == 0
    row = next(r for r in project.json("queue", "--all") if r["author"] == WHO["name"])
    pid = str(row["person_id"])
    before = dump(project.db_url)

    def forget(answer: str | None) -> Result:
        args = ["--config", str(project.config), "forget", pid, "--json"]
        return project.runner.invoke(app, args, input=answer)

    unattended = forget(None)  # cron, a pipe: no answer
    assert unattended.exit_code == 2 and "add --yes" in unattended.stderr
    assert "Aborted" not in unattended.output and unattended.stdout.strip() == ""
    declined = forget("n\n")
    assert declined.exit_code == 1 and "nothing erased" in declined.stderr
    assert "Erase person" in declined.stderr and "will erase" not in declined.stdout
    assert dump(project.db_url) == before
    done = forget("y\n")  # stdout: the JSON (after the runner's echo of the answer)
    out = done.stdout[done.stdout.index("{") :]
    assert done.exit_code == 0 and json.loads(out)["counts"]["people"] == 1


def test_retention_redrafts_a_conversation_that_keeps_newer_posts(project: Project) -> None:
    """One old post of a two-post conversation expires: the follow-up stays in the queue,
    drafted again from the newer post, not wiped to "(removed)" with the newer post left."""
    now = datetime.now(UTC)
    posts = [
        ("w-old", now - timedelta(days=400), WHO["texts"][0]),  # names "zebrafruit latte"
        ("w-new", now - timedelta(days=2), "app Kopi Senja error terus pas bayar, tolong dong"),
    ]
    with (project.root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for pid, created, body in posts:
            row = {"id": pid, "platform": "x", "author": WHO["handle"], "text": body,
                   "author_name": WHO["name"], "created_at": created.isoformat()}  # fmt: skip
            f.write(json.dumps(row) + "\n")
    cfg = project.config.read_text() + "retention: {mention_days: 365}\n"
    project.config.write_text(cfg, "utf-8")
    assert project.run("poll").exit_code == 0
    (before,) = [r for r in project.json("queue", "--all") if r["author"] == WHO["name"]]
    # two problems (a mixed-up order, then the app): the draft names the older one too
    assert len(before["mention_ids"]) == 2 and "pesanan yang salah" in before["draft"]

    assert project.json("purge", "--dry-run")["followups_redrafted"] == 1
    assert "zebrafruit" in dump(project.db_url)  # a dry run changes nothing
    purged = project.json("purge")

    assert (purged["mentions"], purged["followups_closed"], purged["followups_redrafted"]) == (
        1, 0, 1
    )  # fmt: skip
    (after,) = [r for r in project.json("queue", "--all") if r["author"] == WHO["name"]]
    assert after["id"] == before["id"] and after["status"] == "open"
    assert len(after["mention_ids"]) == 1 and after["recipient"]
    assert after["draft"].startswith("Halo Kak Wulandari,")  # not "(removed)"
    assert "pesanan yang salah" not in after["draft"]  # drafted from the one post left
    assert "zebrafruit" not in dump(project.db_url)  # the expired words are gone everywhere


def _posts(project: Project, posts: list[tuple[str, str, str, str, datetime]]) -> None:
    """(id, platform, handle, text, created) rows; the mastodon handle gives an email."""
    with (project.root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for ext, platform, handle, body, created in posts:
            row = {"id": ext, "platform": platform, "author": handle, "text": body,
                   "author_name": WHO["name"], "created_at": created.isoformat()}  # fmt: skip
            if platform == "mastodon":
                row["author_email"] = WHO["email"]
            f.write(json.dumps(row) + "\n")


def _person_on(project: Project, platform: str) -> int:
    with project.db().session() as session:
        sql = "SELECT person_id FROM mentions WHERE platform = :p ORDER BY id"
        return int(session.execute(text(sql), {"p": platform}).scalars().first() or 0)


def _cross_posted(project: Project, days_ago: int) -> tuple[int, int]:
    """One human on X and Mastodon, merged; then the same words on both platforms, so the
    Mastodon copy is stored as a duplicate of the X post. Returns (X person, Mastodon one)."""
    now = datetime.now(UTC)
    words = WHO["texts"][1]
    first = [("x1", "x", WHO["handle"], words, now - timedelta(days=days_ago + 1)),
             ("m1", "mastodon", "wulan_m", "Kopi Senja latte enak, makasih ya",
              now - timedelta(days=days_ago - 2))]  # fmt: skip
    _posts(project, first)
    assert project.run("poll").exit_code == 0
    kept, merged = _person_on(project, "x"), _person_on(project, "mastodon")
    assert project.run("people", "merge", str(kept), str(merged)).exit_code == 0
    _posts(
        project, [*first, ("m2", "mastodon", "wulan_m", words, now - timedelta(days=days_ago - 1))]
    )
    assert project.run("poll").exit_code == 0
    with project.db().session() as session:
        dup = session.execute(text("SELECT duplicate_of_id FROM mentions WHERE external_id = 'm2'"))
        assert dup.scalar_one() is not None  # the copy points at the X post
    return kept, merged


def test_purge_deletes_a_post_whose_newer_cross_post_stays(project: Project) -> None:
    """The X post expires, its Mastodon copy a day later does not: purge goes through
    (it failed on the copy's foreign key, exit 4, every night from then on)."""
    _cross_posted(project, days_ago=400)
    cfg = project.config.read_text() + "retention: {mention_days: 400}\n"
    project.config.write_text(cfg, "utf-8")
    purged = project.run("purge", "--json")
    assert purged.exit_code == 0, purged.output
    assert json.loads(purged.stdout)["mentions"] == 1
    with project.db().session() as session:
        left = session.execute(text("SELECT external_id, status FROM mentions")).all()
    assert {tuple(r) for r in left} >= {("m1", "routed"), ("m2", "duplicate")}


def test_forget_after_unmerge_keeps_the_other_persons_copy(project: Project) -> None:
    """After an unmerge the Mastodon copy belongs to the other person and still points at
    the X post: forgetting the X person erases it (it failed on the foreign key), the
    other person keeps their posts and no longer holds the email the merge lent them."""
    kept, merged = _cross_posted(project, days_ago=3)
    assert project.run("people", "unmerge", "1").exit_code == 0
    view = project.json("people", "show", str(kept))
    assert view["email"] is None  # the merge lent it; its own handles never gave one
    assert project.json("people", "show", str(merged))["email"] == WHO["email"]
    done = project.run("forget", str(kept), "--yes")
    assert done.exit_code == 0, done.output
    assert len(project.json("people", "show", str(merged))["mentions"]) == 2
    assert project.run("forget", str(merged), "--yes").exit_code == 0
    after = dump(project.db_url)
    for trace in (WHO["name"], WHO["handle"], WHO["email"], "wulan_m", "zebrafruit"):
        assert trace not in after, trace


def test_forget_refuses_a_person_merged_into_another(project: Project) -> None:
    """Their handles and posts belong to the person they were merged into: erasing only
    the empty row (and the merge record, so no unmerge) would leave all of it."""
    kept, merged = _cross_posted(project, days_ago=3)
    before = dump(project.db_url)
    for args in (["--dry-run"], ["--yes"], ["--yes", "--json"]):
        refused = project.run("forget", str(merged), *args)
        assert refused.exit_code == 2, refused.output
        assert f"merged into {kept}" in refused.stderr and f"simak forget {kept}" in refused.stderr
        assert "simak people unmerge 1" in refused.stderr and refused.stdout == ""
    assert dump(project.db_url) == before
    assert project.json("forget", str(kept), "--yes")["people"] == [kept, merged]
    assert WHO["email"] not in dump(project.db_url)


def test_a_group_titled_from_a_forgotten_post_is_titled_again_like_the_board_does(
    project: Project,
) -> None:
    """Before: the next post's first 80 characters, handles and brand words and all
    ("min, tolong tambahin zebrafruit tart…"); now the board's own titling of that post."""
    write(project, created="2026-11-20T08:00:00+07:00")
    other = {
        "id": "r1", "platform": "x", "author": "rani_k", "author_name": "Rani",
        "text": "@kopisenja min, tolong tambahin zebrafruit tart di menu dong, anakku pasti suka",
        "created_at": "2026-11-23T08:00:00+07:00",
    }  # fmt: skip
    with (project.root / "mentions.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(other) + "\n")
    assert project.run("poll").exit_code == 0
    board = project.json("ideas")
    assert len(board) == 1 and board[0]["people"] == 2, board  # one idea, two askers
    pid = next(r for r in project.json("queue", "--all") if r["author"] == WHO["name"])
    assert project.run("forget", str(pid["person_id"]), "--yes").exit_code == 0

    (group,) = project.json("ideas")
    assert group["title"] == "Zebrafruit tart di menu"


def test_forget_given_a_handle_points_to_the_search(project: Project) -> None:
    """Before: "Invalid value for 'PERSON_ID': Input should be a valid integer"."""
    result = project.run("forget", "@grumpy_gus", "--dry-run")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: PERSON_ID is a person's number, not '@grumpy_gus'; find it with "
        "`simak people find @grumpy_gus`, then `simak forget NUMBER`"
    )


def test_retention_keeps_how_many_people_asked_for_an_idea(project: Project) -> None:
    """One person asked for the same idea three times; their posts expire. Before: each
    expired idea counted as one more person (the board said 3 people, and moved the group
    up). The count stays 1, no name is shown for the expired posts, and a notice does not
    go to a person whose every post expired."""
    old = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    asks = [
        "Kopi Senja tolong tambahin menu zebrafruit tart dong",
        "Kopi Senja please add a zebrafruit tart to the menu",
        "Kopi Senja kapan ada zebrafruit tart? tolong tambahin ya",
    ]
    with (project.root / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for i, body in enumerate(asks):
            post = {"id": f"z{i}", "platform": "x", "author": WHO["handle"],
                    "author_name": WHO["name"], "text": body, "created_at": old}  # fmt: skip
            f.write(json.dumps(post) + "\n")
    cfg = project.config.read_text() + "retention: {mention_days: 365}\n"
    project.config.write_text(cfg, "utf-8")
    assert project.run("poll").exit_code == 0
    (before,) = project.json("ideas")
    assert (before["posts"], before["people"]) == (3, 1), before
    assert project.json("purge")["mentions"] == 3
    (after,) = project.json("ideas")
    assert (after["posts"], after["people"]) == (3, 1), after
    assert WHO["name"] not in json.dumps(after)
    gid = str(after["id"])
    assert project.run("ideas", "status", gid, "done", "--no-tell").exit_code == 0
    told = project.json("ideas", "notify", gid, "--dry-run")
    assert told["would_draft"] == [], told  # no post left to quote, as before the fix
