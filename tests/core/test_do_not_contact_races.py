""" "Do not contact" against approvals, send claims and merges running at the same moment in
another process, on SQLite and PostgreSQL (see tests/core/forked.py): once a mark (or a
merge that makes someone one human with a marked person) commits, no approval and no send
claim for anyone of that human commits; one that committed first is never sent (the send
claim refuses it). The first process pauses inside its transaction; the second must wait
for its commit (on PostgreSQL, READ COMMITTED would otherwise let an approval's
compare-and-set miss a mark committed while it ran)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from common.records import Author, Mention
from simak.app import App
from simak.usecases import followups, reports
from simak.usecases.classify import classify_pending
from simak.usecases.send import send_one
from simak.wiring import build_router
from storage.mentions import save_mentions
from storage.models import FollowUp, FollowUpEvent, Handle, Person
from tests.core.forked import Where, act, merging, race

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
Child = tuple[Callable[..., None], tuple[Any, ...]]

_IN_MARK: Where = ("storage.care", "record", "after")  # the mark is written, not committed
_IN_APPROVAL: Where = ("storage.followups", "_event", "after")  # after the compare-and-set
_IN_CLAIM: Where = ("storage.outbox", "_start", "after")  # claimed, not committed
_IN_MERGE: Where = ("storage.people", "record", "after")
_IN_AUTO_APPROVAL: Where = ("simak.usecases.route", "move_followup", "after")


def _child(config: Path, who: str, call: str, *args: Any) -> Child:
    return act, (config, who, call, args)


def _mark(config: Path, person_id: int) -> Child:
    call = "simak.usecases.people:do_not_contact"
    return _child(config, "mark", call, person_id, "dina", "phoned")


def _approve(config: Path, fid: int) -> Child:
    return _child(config, "approve", "simak.usecases.followups:approve", fid, "budi")


def _send(config: Path, fid: int) -> Child:
    return _child(config, "send", "simak.usecases.send:send_one", fid, "budi")


def _open_with_twin(app: App) -> tuple[int, int, int]:
    """An open follow-up to a person on record, that person, and a twin merged into them."""
    fid, person_id = next(
        (i.id, i.person_id)
        for i in reports.queue(app)
        if i.status == "open" and i.person_id is not None and i.draft
    )
    assert person_id is not None
    with app.db.session() as session:
        twin = Person(display_name="twin", created_at=NOW, merged_into_id=person_id)
        session.add(twin)
        session.flush()
        return fid, person_id, twin.id


def _marked_stranger(app: App) -> int:
    """Someone marked "do not contact" who is not (yet) one human with anyone."""
    with app.db.session() as session:
        person = Person(display_name="Sari", created_at=NOW, do_not_contact_at=NOW)
        person.do_not_contact_by, person.do_not_contact_reason = "dina", "phoned"
        session.add(person)
        session.flush()
        return person.id


def _status(app: App, fid: int) -> str:
    with app.db.read() as session:
        status = session.scalar(select(FollowUp.status).where(FollowUp.id == fid))
    assert status is not None
    return status


def _never_sent(app: App, fid: int) -> None:
    """A send now fails the approved follow-up without claiming it (no channel called)."""
    done = send_one(app, fid, "dina")
    assert (done.status, done.outcome) == ("failed", "failed"), done
    assert done.detail.startswith("do not contact: phoned"), done
    assert [d.status for d in followups.show(app, fid).deliveries] == ["failed"]
    with app.db.read() as session:
        moves = session.scalars(
            select(FollowUpEvent.to_status).where(FollowUpEvent.followup_id == fid)
        ).all()
    assert "sending" not in moves


def _refused(result: tuple[str, Any], fid: int) -> None:
    outcome, message = result
    assert outcome == "ConflictError", result
    assert message.startswith(f"follow-up {fid} cannot be approved: do not contact: phoned")
    assert "\n" not in message


@pytest.mark.parametrize("whom", ["person", "twin"])
@pytest.mark.parametrize("mark_first", [True, False], ids=["mark-first", "approve-first"])
def test_a_mark_and_an_approval_at_once_never_leave_an_approval_after_the_mark(
    polled: tuple[Path, App], mark_first: bool, whom: str
) -> None:
    """Dina marks the recipient (or someone merged with them) while Budi approves: a mark
    in flight makes the approval wait and refuses it; an approval in flight commits first
    (the mark waits for it), and that follow-up then fails at the send, never sent."""
    config, app = polled
    fid, person_id, twin = _open_with_twin(app)
    mark = _mark(config, person_id if whom == "person" else twin)
    if mark_first:
        results = race(app.db.url, (*mark, _IN_MARK), _approve(config, fid))
        assert results["mark"][0] == "ok", results
        _refused(results["approve"], fid)
        assert _status(app, fid) == "open"
        return
    results = race(app.db.url, (*_approve(config, fid), _IN_APPROVAL), mark, second_waits=True)
    assert {r[0] for r in results.values()} == {"ok"}, results
    assert _status(app, fid) == "approved"
    _never_sent(app, fid)


@pytest.mark.parametrize("mark_first", [True, False], ids=["mark-first", "claim-first"])
def test_a_mark_and_a_send_claim_at_once_never_leave_a_claim_after_the_mark(
    polled: tuple[Path, App], mark_first: bool
) -> None:
    """An approved follow-up is being claimed for sending while Dina marks someone merged
    with its recipient: a mark in flight makes the claim wait, then the send fails it
    without calling any channel; a claim in flight commits first (the send was under way
    before the mark: the mark waits for it)."""
    config, app = polled
    fid, _, twin = _open_with_twin(app)
    followups.approve(app, fid, "dina")
    mark, send = _mark(config, twin), _send(config, fid)
    if mark_first:
        results = race(app.db.url, (*mark, _IN_MARK), send)
        assert results["mark"][0] == "ok", results
        outcome, done = results["send"]
        assert outcome == "ok" and (done.status, done.outcome) == ("failed", "failed"), results
        assert done.detail.startswith("do not contact: phoned"), done
        return
    results = race(app.db.url, (*send, _IN_CLAIM), mark, second_waits=True)
    assert {r[0] for r in results.values()} == {"ok"}, results
    assert results["send"][1].outcome != "failed", results  # claimed before the mark


@pytest.mark.parametrize("merge_first", [True, False], ids=["merge-first", "approve-first"])
def test_merging_a_marked_person_into_a_conversation_being_approved(
    polled: tuple[Path, App], merge_first: bool
) -> None:
    """Dina merges Sari (marked "do not contact") into the recipient while Budi approves
    their conversation: a merge in flight refuses the approval; an approval in flight
    commits first, and the follow-up then fails at the send, never sent."""
    config, app = polled
    fid, person_id, _ = _open_with_twin(app)
    sari = _marked_stranger(app)
    merge = merging(config, person_id, sari)
    who = f"{sari}->{person_id}"
    if merge_first:
        results = race(app.db.url, (*merge, _IN_MERGE), _approve(config, fid))
        assert results[who][0] == "ok", results
        _refused(results["approve"], fid)
        assert _status(app, fid) == "open"
        return
    results = race(app.db.url, (*_approve(config, fid), _IN_APPROVAL), merge, second_waits=True)
    assert {r[0] for r in results.values()} == {"ok"}, results
    assert _status(app, fid) == "approved"
    _never_sent(app, fid)


def classify(app: App) -> int:
    """In a child: classify and route the pending posts (what a poll does next)."""
    return classify_pending(app, build_router(app)).routed


def _complaint_again(config: Path, app: App) -> tuple[int, int]:
    """The author of an open complaint posts again (not yet classified), and the config
    auto-approves complaints: (the conversation, its person)."""
    text = config.read_text("utf-8").replace(
        "responder:\n", "responder:\n  rules: {complaint: {auto_approve: true}}\n", 1
    )
    config.write_text(text, "utf-8")
    with app.db.session() as session:
        fid, person_id = session.execute(
            select(FollowUp.id, FollowUp.person_id)
            .where(FollowUp.status == "open", FollowUp.label == "complaint")
            .where(FollowUp.person_id.is_not(None), FollowUp.draft_by.is_(None))
            .order_by(FollowUp.id)
            .limit(1)
        ).one()
        handle = session.scalars(select(Handle).where(Handle.person_id == person_id)).first()
        assert handle is not None and person_id is not None
        author = Author(platform=handle.platform, handle=handle.handle, user_id=handle.user_id)
        words = "Kopi Senja kasirnya jutek banget hari ini, kecewa, tolong"
        post = Mention(
            handle.platform, "dnc-again", "demo-export", "kopi-senja", words, author, NOW
        )
        assert save_mentions(session, [post], NOW)
    return fid, person_id


@pytest.mark.parametrize("mark_first", [True, False], ids=["mark-first", "route-first"])
def test_a_mark_and_an_auto_approval_at_once_never_leave_an_approval_after_the_mark(
    polled: tuple[Path, App], mark_first: bool
) -> None:
    """A new post joins a conversation that a rule auto-approves while Dina marks its
    person: a mark in flight leaves the conversation open for staff (routing, holding
    row locks already, does not wait for the mark); an auto-approval in flight commits
    first (the mark waits for it) and is never sent."""
    config, app = polled
    fid, person_id = _complaint_again(config, app)
    route = _child(config, "route", f"{__name__}:classify")
    if mark_first:
        results = race(app.db.url, (*_mark(config, person_id), _IN_MARK), route)
        assert results == {"mark": ("ok", None), "route": ("ok", 1)}, results
        assert _status(app, fid) == "open"
        return
    results = race(
        app.db.url, (*route, _IN_AUTO_APPROVAL), _mark(config, person_id), second_waits=True
    )
    assert results == {"route": ("ok", 1), "mark": ("ok", None)}, results
    assert _status(app, fid) == "approved"
    _never_sent(app, fid)
