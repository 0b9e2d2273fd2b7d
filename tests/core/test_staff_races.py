"""Staff actions racing each other in real processes, on SQLite and PostgreSQL (see
tests/core/forked.py): forgetting a person while someone is merged into them, two undos
of one merge, an undo racing a new merge, two moves of one follow-up, two status changes
of one idea group. Each pair runs one after the other or one is refused in one line;
nothing is left half-done, and the audit trail says what really happened."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from simak.app import App
from simak.usecases import people
from storage.models import AuditLog, FollowUp, Handle, MentionRow, Person
from tests.core.forked import Where, act, merging, race

Child = tuple[Callable[..., None], tuple[Any, ...]]


def _child(config: Path, who: str, call: str, *args: Any) -> Child:
    return act, (config, who, call, args)


def _people_with_posts(app: App, n: int) -> list[int]:
    with app.db.read() as session:
        ids = session.scalars(
            select(Person.id)
            .join(MentionRow, MentionRow.person_id == Person.id)
            .where(Person.merged_into_id.is_(None))
            .group_by(Person.id)
            .order_by(Person.id)
            .limit(n)
        ).all()
    assert len(ids) == n
    return list(ids)


def _left_of(app: App, person_ids: list[int]) -> dict[str, int]:
    with app.db.read() as session:
        return {
            name: int(session.scalar(select(func.count()).where(col.in_(person_ids))) or 0)
            for name, col in (
                ("people", Person.id),
                ("handles", Handle.person_id),
                ("mentions", MentionRow.person_id),
                ("followups", FollowUp.person_id),
            )
        }


@pytest.mark.parametrize("merge_first", [True, False], ids=["merge-first", "forget-first"])
def test_forget_racing_a_merge_into_that_person_leaves_nothing_behind(
    polled: tuple[Path, App], merge_first: bool
) -> None:
    """Budi merges Q into P while Dina forgets P: either the forget waits for the merge and
    erases Q too, or the merge waits for the forget and is refused (P is gone)."""
    config, app = polled
    kept, gone = _people_with_posts(app, 2)
    forget = _child(config, "forget", "simak.usecases.privacy:forget", kept, "dina")
    merge = merging(config, kept, gone)
    if merge_first:
        results = race(app.db.url, (*merge, ("storage.people", "_move_handles", "after")), forget)
        assert results[f"{gone}->{kept}"][0] == "ok", results
    else:
        results = race(app.db.url, (*forget, ("storage.erasure", "_people", "after")), merge)
        outcome, message = results[f"{gone}->{kept}"]
        assert (outcome, message) == ("NotFound", message) and f"person {kept}" in message
        assert "\n" not in message
    assert results["forget"][0] == "ok", results
    if merge_first:
        assert sorted(results["forget"][1].person_ids) == [kept, gone]
        assert _left_of(app, [kept, gone]) == {
            "people": 0,
            "handles": 0,
            "mentions": 0,
            "followups": 0,
        }
    else:
        assert _left_of(app, [kept])["people"] == 0
        assert _left_of(app, [gone])["people"] == 1  # untouched: never merged


def _merged(app: App, kept: int, gone: int) -> int:
    return people.merge(app, kept, gone, "dina").id


def test_two_undos_of_one_merge_make_one_undo(polled: tuple[Path, App]) -> None:
    config, app = polled
    kept, gone = _people_with_posts(app, 2)
    merge_id = _merged(app, kept, gone)
    undo = "simak.usecases.people:unmerge"
    results = race(
        app.db.url,
        (*_child(config, "dina", undo, merge_id, "dina"), ("storage.people", "record", "after")),
        _child(config, "budi", undo, merge_id, "budi"),
    )
    assert results["dina"][0] == "ok", results
    assert results["budi"] == ("ConflictError", f"merge {merge_id} was already undone")
    with app.db.read() as session:
        trail = session.scalars(
            select(AuditLog.actor).where(AuditLog.action == "unmerge_people")
        ).all()
    assert trail == ["dina"]
    assert _left_of(app, [gone])["handles"] > 0


_IN_UNDO: Where = ("storage.people", "_unfold_conversations", "after")
_IN_MERGE: Where = ("storage.people", "_move_handles", "after")


@pytest.mark.parametrize("undo_first", [True, False], ids=["undo-first", "merge-first"])
def test_an_undo_racing_a_new_merge_of_the_kept_person_gives_the_handles_back(
    polled: tuple[Path, App], undo_first: bool
) -> None:
    """Q was merged into P. Dina undoes that while Budi merges P into R: Q gets its handles
    (and posts) back whichever runs first; R gets only P's."""
    config, app = polled
    kept, gone, other = _people_with_posts(app, 3)
    with app.db.read() as session:
        theirs = set(session.scalars(select(Handle.id).where(Handle.person_id == gone)))
    merge_id = _merged(app, kept, gone)
    undo = _child(config, "undo", "simak.usecases.people:unmerge", merge_id, "dina")
    merge = merging(config, other, kept)
    if undo_first:
        results = race(app.db.url, (*undo, _IN_UNDO), merge)
    else:
        results = race(app.db.url, (*merge, _IN_MERGE), undo)
    assert {r[0] for r in results.values()} == {"ok"}, results
    with app.db.read() as session:
        holders = dict(
            session.execute(select(Handle.id, Handle.person_id).where(Handle.id.in_(theirs))).all()
        )
        posts_by = set(
            session.scalars(select(MentionRow.person_id).where(MentionRow.handle_id.in_(theirs)))
        )
        into = session.scalar(select(Person.merged_into_id).where(Person.id == gone))
    assert holders == dict.fromkeys(theirs, gone) and posts_by == {gone}
    assert into is None
