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
from simak.usecases import followups, people, reports
from storage.models import AuditLog, Delivery, FollowUp, Handle, IdeaGroup, MentionRow, Person
from tests.core.forked import Where, act, merging, race
from tests.core.test_brand_rename import an_open_conversation, conversation_of, write_again

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


def _open_followup(app: App) -> tuple[int, str]:
    item = next(i for i in reports.queue(app) if i.status == "open" and i.draft)
    return item.id, item.draft


def _followup(app: App, fid: int) -> tuple[str, str, str | None]:
    with app.db.read() as session:
        row = session.execute(
            select(FollowUp.status, FollowUp.draft, FollowUp.approved_by).where(FollowUp.id == fid)
        ).one()
    return row.status, row.draft, row.approved_by


_FOLLOWUPS = "simak.usecases.followups"
_IN_CHANGE: Where = ("storage.followups", "_event", "after")  # after the compare-and-set


def _move(config: Path, who: str, action: str, fid: int, version: int | None) -> Child:
    args: dict[str, tuple[Any, ...]] = {
        "approve": (fid, who, version),
        "snooze_for": (fid, 24.0, who, version),
        "dismiss": (fid, who, "no answer needed", version),
        "edit": (fid, f"Halo, ini kata-kata {who}.", None, who, version),
    }
    return _child(config, who, f"{_FOLLOWUPS}:{action}", *args[action])


@pytest.mark.parametrize(
    ("first", "second", "status"),
    [
        ("approve", "snooze_for", "approved"),
        ("snooze_for", "approve", "snoozed"),
        ("approve", "dismiss", "approved"),
        ("dismiss", "approve", "dismissed"),
        ("edit", "approve", "open"),
        ("approve", "edit", "approved"),
    ],
)
@pytest.mark.parametrize("seen", ["version", "no-version"])
def test_two_moves_of_one_followup_at_once_one_wins(
    polled: tuple[Path, App], first: str, second: str, status: str, seen: str
) -> None:
    """Dina and Budi act on the same follow-up at once (both looked at version v, or
    neither said which): the first wins, the second gets a one-line conflict, and an
    approved draft is exactly the words that were approved."""
    config, app = polled
    fid, draft = _open_followup(app)
    version = _version(app, fid) if seen == "version" else None
    results = race(
        app.db.url,
        (*_move(config, "dina", first, fid, version), _IN_CHANGE),
        _move(config, "budi", second, fid, version),
    )
    assert results["dina"][0] == "ok", results
    outcome, message = results["budi"]
    now, words, approver = _followup(app, fid)
    if outcome == "ok" and seen == "no-version":  # "as it is now": ran after Dina's
        assert now == message.status, results
        return
    assert outcome == "ConflictError" and "\n" not in str(message), results
    assert message.startswith(f"follow-up {fid} "), message
    assert now == status
    if now in ("approved", "snoozed") or first == "edit":  # Budi's action could follow
        assert message.endswith("and retry"), message  # not "cannot… (only from: <now>)"
    if first == "edit":
        assert (words, approver) == ("Halo, ini kata-kata dina.", None)
    elif status == "approved":
        assert (words, approver) == (draft, "dina")


def test_an_edit_racing_an_approval_never_leaves_unapproved_words_approved(
    polled: tuple[Path, App],
) -> None:
    """Budi approves while Dina's edit (neither says which version) has read the status but
    not yet changed the draft: the approval runs wholly before or after the edit (then it
    approves the new words) or is refused; the new words are never left approved unseen."""
    config, app = polled
    fid, _ = _open_followup(app)
    results = race(
        app.db.url,
        (*_move(config, "dina", "edit", fid, None), ("storage.followups", "change", "before")),
        _move(config, "budi", "approve", fid, None),
    )
    assert results["dina"][0] == "ok", results
    words = "Halo, ini kata-kata dina."
    if results["budi"][0] == "ok":  # ran after the edit (SQLite): approved the new words
        assert _followup(app, fid) == ("approved", words, "budi"), results
    else:
        assert _followup(app, fid) == ("open", words, None), results


def _version(app: App, fid: int) -> int:
    return next(i for i in reports.queue(app) if i.id == fid).version


def test_two_status_changes_of_one_idea_group_keep_a_true_trail(
    polled: tuple[Path, App],
) -> None:
    config, app = polled
    with app.db.read() as session:
        group, before = session.execute(
            select(IdeaGroup.id, IdeaGroup.status)
            .where(IdeaGroup.merged_into_id.is_(None))
            .order_by(IdeaGroup.id)
            .limit(1)
        ).one()
    call = "simak.usecases.idea_board:set_status"
    results = race(
        app.db.url,
        (
            *_child(config, "dina", call, group, "planned", "dina"),
            ("storage.idea_groups", "_family", "after"),
        ),
        _child(config, "budi", call, group, "in-progress", "budi"),
    )
    assert {r[0] for r in results.values()} == {"ok"}, results
    with app.db.read() as session:
        trail = session.scalars(
            select(AuditLog.detail)
            .where(AuditLog.action == "idea_status", AuditLog.entity_id == str(group))
            .order_by(AuditLog.id)
        ).all()
        now = session.scalar(select(IdeaGroup.status).where(IdeaGroup.id == group))
    assert trail == [f"{before} -> planned", "planned -> in-progress"]
    assert now == "in-progress"


@pytest.mark.parametrize("seen", ["version", "no-version"])
def test_a_post_routed_while_its_conversation_is_dismissed_is_not_lost_in_it(
    polled: tuple[Path, App], seen: str
) -> None:
    """A poll has found the person's open conversation for their new post when Budi
    dismisses that conversation. PostgreSQL: the dismissal does not wait, and the post
    then starts a new conversation (before the fix it joined the dismissed one, where
    nobody would see it). SQLite's one writer: the post joins first, and the dismissal
    then runs "as it is now" or is refused (it changed since Budi looked)."""
    config, app = polled
    fid, _, first = an_open_conversation(app)
    version = _version(app, fid) if seen == "version" else None
    write_again(config, first, "while-dismissed")
    results = race(
        app.db.url,
        (*_child(config, "poll", "simak.usecases.poll:poll"), _ROUTING),
        _move(config, "budi", "dismiss", fid, version),
    )
    assert results["poll"][0] == "ok", results
    into = conversation_of(app, "while-dismissed")
    with app.db.read() as session:
        status = dict(session.execute(select(FollowUp.id, FollowUp.status)).all())
    if app.db.url.startswith("sqlite"):
        assert into == fid
        if version is None:
            assert results["budi"][0] == "ok" and status[fid] == "dismissed", results
        else:
            assert results["budi"][0] == "ConflictError" and status[fid] == "open", results
    else:
        assert results["budi"][0] == "ok" and status[fid] == "dismissed", results
        assert into is not None and into != fid and status[into] == "open", results


_ROUTING: Where = ("simak.usecases.route", "open_conversations", "after")  # read, not locked


def _two_talking(app: App) -> tuple[tuple[int, int], tuple[int, int, MentionRow]]:
    """Two people with an open conversation each: (kept's person, conversation) and
    (gone's person, conversation, its first post)."""
    with app.db.read() as session:
        rows = session.execute(
            select(FollowUp.person_id, FollowUp.id, FollowUp.mention_id)
            .where(FollowUp.kind == "conversation", FollowUp.status == "open")
            .where(FollowUp.person_id.is_not(None), FollowUp.mention_id.is_not(None))
            .order_by(FollowUp.id)
        ).all()
        (kept, kept_fid, _), (gone, gone_fid, post) = rows[:2]
        first = session.get(MentionRow, post)
        assert first is not None and kept is not None and gone is not None and kept != gone
        session.expunge(first)
    return (kept, kept_fid), (gone, gone_fid, first)


def _open_of(app: App, people_ids: list[int]) -> list[int]:
    with app.db.read() as session:
        return list(
            session.scalars(
                select(FollowUp.id).where(
                    FollowUp.person_id.in_(people_ids),
                    FollowUp.kind == "conversation",
                    FollowUp.status.in_(("open", "approved", "snoozed")),
                )
            )
        )


@pytest.mark.parametrize("talking", [True, False], ids=["q-talking", "q-quiet"])
@pytest.mark.parametrize("merge_first", [True, False], ids=["merge-first", "poll-first"])
def test_a_merge_racing_a_poll_of_the_merged_persons_new_post_keeps_one_conversation(
    polled: tuple[Path, App], merge_first: bool, talking: bool
) -> None:
    """Q writes again while Dina merges Q into P (P talking with the brand, Q too or not):
    one open conversation is left for the two, holding Q's new post, which is P's."""
    config, app = polled
    (kept, kept_fid), (gone, gone_fid, first) = _two_talking(app)
    if not talking:
        followups.dismiss(app, gone_fid, "dina", "answered by phone")
    write_again(config, first, "while-merged")
    poll = _child(config, "poll", "simak.usecases.poll:poll")
    merge = merging(config, kept, gone)
    if merge_first:
        results = race(app.db.url, (*merge, _IN_MERGE), poll)
    else:
        results = race(app.db.url, (*poll, _ROUTING), merge)
    assert {r[0] for r in results.values()} == {"ok"}, results
    assert _open_of(app, [kept, gone]) == [kept_fid]
    assert conversation_of(app, "while-merged") == kept_fid
    with app.db.read() as session:
        author = session.scalar(
            select(MentionRow.person_id).where(MentionRow.external_id == "while-merged")
        )
    assert author == kept


def test_two_idea_groups_merged_into_each_other_at_once_make_one_merge_not_a_loop(
    polled: tuple[Path, App],
) -> None:
    """Dina merges idea group B into A while Budi merges A into B: one merge is made,
    the other is refused in one line; never each into the other (a loop on the board)."""
    config, app = polled
    with app.db.read() as session:
        a, b = session.scalars(
            select(IdeaGroup.id)
            .where(IdeaGroup.merged_into_id.is_(None))
            .order_by(IdeaGroup.id)
            .limit(2)
        ).all()
    call = "simak.usecases.idea_board:merge"
    results = race(
        app.db.url,
        (*_child(config, "dina", call, a, b, "dina"), ("storage.idea_groups", "record", "before")),
        _child(config, "budi", call, b, a, "budi"),
    )
    assert results["dina"][0] == "ok", results
    outcome, message = results["budi"]
    assert outcome == "ConflictError" and "\n" not in message, results
    with app.db.read() as session:
        into = dict(
            session.execute(
                select(IdeaGroup.id, IdeaGroup.merged_into_id).where(IdeaGroup.id.in_((a, b)))
            ).all()
        )
        trail = session.scalars(select(AuditLog.actor).where(AuditLog.action == "merge_ideas"))
        assert list(trail) == ["dina"]
    assert into == {a: None, b: a}


@pytest.mark.parametrize("send_first", [True, False], ids=["send-first", "edit-first"])
def test_an_edit_racing_a_send_never_sends_words_nobody_approved(
    polled: tuple[Path, App], send_first: bool
) -> None:
    """Budi sends an approved follow-up while Dina edits its words: either the send has
    claimed it (the edit is refused, the approved words go) or the edit came first (the
    follow-up is open again and nothing is sent)."""
    config, app = polled
    fid, approved = _open_followup(app)
    followups.approve(app, fid, "budi")
    edit = _move(config, "dina", "edit", fid, None)
    send = _child(config, "send", "simak.usecases.send:send_one", fid, "budi")
    if send_first:
        results = race(app.db.url, (*send, ("storage.outbox", "claim", "after")), edit)
        winner, loser = "send", "dina"
    else:
        results = race(app.db.url, (*edit, _IN_CHANGE), send)
        winner, loser = "dina", "send"
    assert results[winner][0] == "ok", results
    outcome, message = results[loser]
    assert outcome in ("ConflictError", "UsageError") and "\n" not in message, results
    with app.db.read() as session:
        bodies = session.scalars(select(Delivery.body).where(Delivery.followup_id == fid)).all()
    status, words, _ = _followup(app, fid)
    if send_first:
        assert words == approved and bodies and all(approved in b for b in bodies), bodies
    else:
        assert (status, words, bodies) == ("open", "Halo, ini kata-kata dina.", [])


@pytest.mark.parametrize(
    "first", ["forget", "storing", "routing"], ids=["forget-first", "poll-storing", "poll-routing"]
)
def test_a_forget_racing_a_poll_of_the_persons_new_post_leaves_nothing_of_them(
    polled: tuple[Path, App], first: str
) -> None:
    """Dina forgets Q while a poll stores or routes Q's new post: everything Q had is gone,
    and the new post is either forgotten with it (stored first) or stored as a new
    person's (as anyone seen the first time), never a one-line "bug" in the poll."""
    config, app = polled
    _, (gone, _, first_post) = _two_talking(app)
    write_again(config, first_post, "while-forgotten")
    forget = _child(config, "forget", "simak.usecases.privacy:forget", gone, "dina")
    poll_child = _child(config, "poll", "simak.usecases.poll:poll")
    if first == "forget":
        results = race(app.db.url, (*forget, _FORGETTING), poll_child)
    else:
        results = race(app.db.url, (*poll_child, _POLL_PAUSES[first]), forget)
    assert results["forget"][0] == "ok" and results["poll"][0] == "ok", results
    assert not [s.error for s in results["poll"][1].sources if s.error], results
    assert _left_of(app, [gone]) == {"people": 0, "handles": 0, "mentions": 0, "followups": 0}
    with app.db.read() as session:
        author = session.execute(
            select(MentionRow.person_id).where(MentionRow.external_id == "while-forgotten")
        ).all()
    if first == "forget":
        assert len(author) == 1 and author[0][0] not in (None, gone), author
    else:
        assert author == [], author


_POLL_PAUSES: dict[str, Where] = {
    "storing": ("storage.mentions", "handles_for", "after"),  # its people locked
    "routing": _ROUTING,
}
_FORGETTING: Where = ("storage.erasure", "_people", "after")  # the person locked
