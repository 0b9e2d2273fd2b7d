"""`simak forget` keeps a keyed hash of each erased post, so a source that delivers it again
(a file copied to a new path: its cursor starts over) does not bring the post, or its
author, back; a new post by the same handle is new and is stored — on both backends, and
with the forget racing the poll that delivers the post again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from simak.usecases.poll import poll
from storage.models import ErasedPost, Handle, MentionRow
from storage.tombstones import erased_among
from tests.core.conftest import Project
from tests.core.forked import act, app_of, hold, race
from tests.core.test_forget_names import feed
from tests.core.test_privacy import dump

HANDLE, NAME = "rahmat_wijaya77", "Rahmat Wijaya"
ERASED = "erase-me-q9"  # no hex digits in it: a dump of the hashes cannot contain it
NEW = "after-forget-q9"
TEXT = "Kopi Senja cabang Depok kasirnya jutek, kecewa sama okapiberry latte"
NEW_TEXT = "Kopi Senja Depok lagi, pesanan okapimint ketuker, tolong dicek"


def _row(ext: str, text: str, handle: str = HANDLE, name: str = NAME) -> dict[str, Any]:
    at, url = "2026-11-22T08:00:00+07:00", f"https://x.example/{ext}"
    return {"id": ext, "platform": "x", "author": handle, "author_name": name, "text": text,
            "created_at": at, "url": url}  # fmt: skip


def _file(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _his_post_polled(project: Project) -> int:
    """His post and someone else's, polled: his person id."""
    other = _row("keep-me-1", "Kopi Senja enak banget hari ini", "someone", "Someone")
    _file(project.root / "mentions.jsonl", [_row(ERASED, TEXT), other])
    assert project.run("poll").exit_code == 0
    with project.db().read() as s:
        pid = s.scalar(select(Handle.person_id).where(Handle.handle == HANDLE))
    assert pid is not None
    return pid


def _copied_source(project: Project, *extra: dict[str, Any]) -> None:
    """The export file copied to a new path (a new source: its cursor starts over), with
    ``extra`` rows after it."""
    rows = (project.root / "mentions.jsonl").read_text("utf-8").splitlines()
    copy = project.root / "again.jsonl"
    copy.write_text("".join(r + "\n" for r in rows) + "".join(json.dumps(e) + "\n" for e in extra))
    source = "  - name: again\n    type: files\n    options: {path: again.jsonl}\n"
    cfg = project.config.read_text("utf-8").replace("sources:\n", "sources:\n" + source)
    project.config.write_text(cfg, "utf-8")


def _posts(project: Project, ext: str) -> list[tuple[int | None, str]]:
    with project.db().read() as s:
        rows = s.execute(
            select(MentionRow.person_id, MentionRow.source).where(MentionRow.external_id == ext)
        ).all()
    return [(r.person_id, r.source) for r in rows]


def _tombstoned(project: Project, *exts: str) -> set[str]:
    with project.db().read() as s:
        return {ext for _, ext in erased_among(s, [("x", e) for e in exts])}


def test_a_forgotten_post_delivered_again_stays_erased_and_a_new_one_is_stored(
    project: Project,
) -> None:
    """Before: the copied file brought the post and its author back, and a follow-up
    was drafted to the person who asked to be forgotten."""
    pid = _his_post_polled(project)
    done = project.json("forget", str(pid), "--yes")
    assert done["counts"]["mentions"] == 1 and done["tombstones"] == 1
    _copied_source(project, _row(NEW, NEW_TEXT))
    polled = {s["name"]: s for s in project.json("poll")["sources"]}
    assert (polled["again"]["stored"], polled["again"]["erased"]) == (1, 1)  # his new post only
    assert _posts(project, ERASED) == []
    [(new_pid, _)] = _posts(project, NEW)  # the person is new: a new record
    assert new_pid is not None and new_pid != pid
    queue = project.json("queue", "--all")
    assert [r["mention_id"] is not None for r in queue if r["person_id"] == new_pid] == [True]
    assert all(r["person_id"] != pid for r in queue)
    found = project.json("people", "find", HANDLE)
    assert [m["id"] for m in found] == [new_pid]
    after = dump(project.db_url)
    for trace in (ERASED, "okapiberry", f"x.example/{ERASED}"):
        assert trace not in after, trace
    with project.db().read() as s:
        assert len(s.scalars(select(ErasedPost.hash)).all()) == 1


def test_the_poll_says_how_many_erased_posts_it_skipped(project: Project) -> None:
    pid = _his_post_polled(project)
    assert project.run("forget", str(pid), "--yes").exit_code == 0
    _copied_source(project)
    shown = project.run("poll")
    assert shown.exit_code == 0, shown.output
    assert "skipped 1 erased post)" in shown.stdout
    assert HANDLE not in shown.output and ERASED not in shown.output


def test_a_name_only_authors_erased_post_delivered_again_stays_erased(project: Project) -> None:
    entry = ("urn:gilang-9", "Gilang Permana", "", "Zonk", "Kopi Senja Kemang, wombatberry basi")
    other = ("urn:other-9", "Nadia", "", "Review", "Kopi Senja Kemang enak, AC-nya dingin")
    feed(project, [entry, other])
    assert project.run("poll").exit_code == 0
    done = project.json("forget", "name:gilang permana", "--yes")
    assert done["counts"]["mentions"] == 1 and done["tombstones"] == 1
    (project.root / "feed2.xml").write_bytes((project.root / "feed.xml").read_bytes())
    cfg = project.config.read_text("utf-8").replace("[feed.xml]", "[feed2.xml]")
    project.config.write_text(cfg, "utf-8")  # a new URL: the feed's cursor starts over
    polled = {s["name"]: s for s in project.json("poll")["sources"]}
    assert (polled["blog"]["stored"], polled["blog"]["erased"]) == (0, 1)
    assert not [m for m in project.json("people", "find", "gilang") if m["kind"] == "name_only"]
    assert "wombatberry" not in dump(project.db_url)


def test_retention_leaves_no_tombstone(project: Project) -> None:
    """An expired post is no erasure request: nothing is kept of it."""
    _his_post_polled(project)
    cfg = project.config.read_text() + "retention: {mention_days: 1}\n"
    project.config.write_text(cfg, "utf-8")
    assert project.json("purge")["mentions"] >= 2
    with project.db().read() as s:
        assert s.scalars(select(ErasedPost.hash)).all() == []


def _poll(config: Path, who: str, pause: Any, gate: Any, out: Any) -> None:
    """In a child: poll the copied source (see tests/core/forked.py)."""
    app = app_of(config)
    hold(pause, gate)
    try:
        report = poll(app, only="again").sources[0]
        out.put((who, "ok", (report.stored, report.erased, report.error)))
    finally:
        app.db.dispose()


@pytest.mark.parametrize(
    "first",
    [
        # the forget has erased the post and written its tombstone, not committed yet
        ("forget", ("storage.erasure", "_erase", "after")),
        # the poll has read which posts are stored and which erased, not stored any yet
        ("poll", ("storage.mentions", "erased_among", "after")),
    ],
    ids=["forget-first", "poll-first"],
)
def test_a_forget_racing_a_poll_that_delivers_the_post_again(
    project: Project, first: tuple[str, tuple[str, str, str]]
) -> None:
    """Whoever commits first, the erased post is gone and tombstoned afterwards, and no
    row is left to the forgotten person; his new post in the same page is either stored
    as a new person's (the poll committed after the forget) or erased with the rest (the
    forget committed after the poll). Before: with the forget first, the poll stored the
    post again under a new person."""
    pid = _his_post_polled(project)
    _copied_source(project, _row(NEW, NEW_TEXT))
    forget = (act, (project.config, "forget", "simak.usecases.privacy:forget", (pid, "dina")))
    polling = (_poll, (project.config, "poll"))
    who, where = first
    pair = (forget, polling) if who == "forget" else (polling, forget)
    results = race(project.db_url, (*pair[0], where), pair[1])
    assert results["forget"][0] == "ok" and results["poll"][0] == "ok", results
    assert results["poll"][1][2] is None, results  # the poll did not fail
    assert _posts(project, ERASED) == [] and _tombstoned(project, ERASED) == {ERASED}
    new = _posts(project, NEW)
    erased_too = new == [] and _tombstoned(project, NEW) == {NEW}
    stored_as_new = len(new) == 1 and new[0][0] not in (None, pid) and not _tombstoned(project, NEW)
    assert erased_too or stored_as_new, new
    with project.db().read() as s:
        assert s.scalars(select(MentionRow.id).where(MentionRow.person_id == pid)).all() == []
    # and a later delivery (the file copied once more) brings back nothing erased
    (project.root / "again2.jsonl").write_bytes((project.root / "again.jsonl").read_bytes())
    cfg = project.config.read_text("utf-8").replace("path: again.jsonl", "path: again2.jsonl")
    project.config.write_text(cfg, "utf-8")
    again = project.json("poll", "--source", "again")["sources"][0]
    assert (again["stored"], again["erased"]) == (0, 1 + (new == []))
    assert _posts(project, ERASED) == []
