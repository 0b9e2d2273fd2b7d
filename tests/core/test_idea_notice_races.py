""" "It shipped" notices racing in real processes, on SQLite and PostgreSQL (see
tests/core/forked.py): two owners marking an idea split off a done one done at once, and
an owner unmerging a group and shipping it while another tells the idea it was merged
into. Each person is told about each post once: the database refuses a second notice
quoting a post (``idea_notices``), not a check that both processes pass before either
writes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import select

from simak.app import App
from simak.usecases import idea_board
from simak.usecases.idea_board import GroupMember, NoticeReport
from storage.models import FollowUp
from tests.core.forked import act, race

OWNER = "owner-a"


def _post(app: App, fragment: str) -> tuple[int, GroupMember]:
    """The group holding the post with ``fragment`` in its text, and the post."""
    for group in idea_board.board(app, limit=1000):
        for member in idea_board.show(app, group.id).members:
            if fragment in member.text:
                return group.id, member
    raise AssertionError(f"no idea holds {fragment!r}")


def _told(app: App) -> Counter[int | None]:
    """Notices drafted, per person."""
    with app.db.read() as session:
        people = session.scalars(select(FollowUp.person_id).where(FollowUp.kind == "announcement"))
        return Counter(people)


def _dark_mode_done(app: App) -> tuple[int, GroupMember, int, GroupMember]:
    """Dark mode shipped and both who asked were told; Fajar's idea (a student deal) was
    merged into it after, not told: (dark mode, Ayu's post, Fajar's group, his post)."""
    dark, ayu = _post(app, "dark mode dong")
    deal, fajar = _post(app, "paket hemat buat pelajar")
    report = idea_board.set_status(app, dark, "done", OWNER, "Dark mode is in the app now")
    assert len(report.drafted) == 2
    idea_board.merge(app, dark, deal, OWNER)
    return dark, ayu, deal, fajar


def test_two_owners_shipping_a_split_off_idea_tell_each_person_once(
    polled: tuple[Path, App],
) -> None:
    config, app = polled
    dark, ayu, _, fajar = _dark_mode_done(app)
    split_off = idea_board.split(app, dark, [ayu.idea_id, fajar.idea_id], "", OWNER).id
    call = "simak.usecases.idea_board:set_status"
    results = race(
        app.db.url,
        (act, (config, "a", call, (split_off, "done", "owner-a")),
         ("simak.usecases.idea_notices", "_draft_notice", "after")),
        (act, (config, "b", call, (split_off, "done", "owner-b"))),
    )  # fmt: skip
    reports: list[NoticeReport] = [results[w][1] for w in "ab"]
    assert [results[w][0] for w in "ab"] == ["ok", "ok"], results
    assert sorted(len(r.drafted) for r in reports) == [0, 1]  # Fajar, by one of them
    told = _told(app)
    assert told[fajar.person_id] == 1 and told[ayu.person_id] == 1 and len(told) == 3


def unmerge_and_ship(app: App, gone: int) -> NoticeReport:
    """An owner's two steps in a child: unmerge ``gone``, mark it done."""
    idea_board.unmerge(app, gone, "owner-b")
    return idea_board.set_status(app, gone, "done", "owner-b")


def test_shipping_an_unmerged_group_while_its_idea_is_told_tells_once(
    polled: tuple[Path, App],
) -> None:
    """A tells dark mode's people (Fajar's post is in it) and is paused with Fajar's notice
    written, not committed; B unmerges Fajar's group and ships it: B's notice has its own
    key, but quotes the same post, and the database refuses it."""
    config, app = polled
    dark, _, deal, fajar = _dark_mode_done(app)
    results = race(
        app.db.url,
        (act, (config, "a", "simak.usecases.idea_board:notify", (dark,)),
         ("simak.usecases.idea_notices", "_draft_notice", "after")),
        (act, (config, "b", f"{__name__}:unmerge_and_ship", (deal,))),
    )  # fmt: skip
    assert [results[w][0] for w in "ab"] == ["ok", "ok"], results
    assert len(results["a"][1].drafted) == 1 and results["b"][1].drafted == []
    assert [s[0] for s in results["b"][1].skipped] == [fajar.person_id]
    assert _told(app)[fajar.person_id] == 1
