"""Overlapping workers take shared locks in one global order, and a failed batch gives its
claims back (the scale-out run of issue 13: two procrastinate workers deadlocked on
people's email locks while polling and on follow-up rows while routing, and a deadlocked
classification batch left its mentions claimed, unclassified, for CLAIM_TTL).

Each ordering test holds the lock that comes first in the global order from another
connection while the run under test works in another process (forked from a server that
imported Simak, see tests/core/forked.py): it must wait for that lock before taking any
later one, so the later one is still free (before the fix it was taken first and held
while the run waited)."""

from __future__ import annotations

import importlib
import time
import zlib
from datetime import UTC, datetime
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from common.records import Author, Mention
from simak.app import App
from simak.usecases import followups, reports
from simak.usecases.classify import classify_pending
from simak.usecases.route import BatchRouter
from simak.wiring import build_router
from storage.contactable import contact_lock
from storage.db import Database
from storage.dialect import advisory_lock
from storage.handles import handles_for
from storage.mentions import save_mentions
from storage.models import ConversationPost, FollowUp, Handle, MentionRow, Person
from tests.core.forked import app_of, result, start

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _wait_for_a_waiter(app: App, timeout: float = 20.0) -> None:
    """Until some session of this database waits on a lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.db.read() as s:
            waiting = s.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()"
                )
            )
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("nobody waited on the held lock")


_AUTHORS = [
    Author(platform="x", handle=h, display_name=h, email=f"{h}@example.com")
    for h in ("zed_lock", "amy_lock")  # not sorted: the page's order
]


def _poll_page(url: str, ready: Event, out: Any) -> None:
    """In a child: the handles (and people) of a page by two new authors."""
    db = Database(url)
    ready.set()
    with db.session() as s:
        out.put(len(handles_for(s, _AUTHORS, NOW)))
    db.dispose()


def _classify(config: Path, ready: Event, out: Any) -> None:
    """In a child: classify and route what is pending."""
    app = app_of(config)
    ready.set()
    out.put(classify_pending(app, build_router(app)).routed)
    app.db.dispose()


def _pg_only(app: App) -> None:
    if app.db.url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time: no lock order to get wrong")


def test_new_people_are_locked_by_email_in_sorted_order(polled: tuple[Path, App]) -> None:
    _, app = polled
    _pg_only(app)
    with app.db.session() as holder:
        advisory_lock(holder, "simak-email:amy_lock@example.com")  # first in sorted order
        process, out, _ = start(_poll_page, app.db.url)
        _wait_for_a_waiter(app)
        key = zlib.crc32(b"simak-email:zed_lock@example.com") & 0x7FFFFFFF
        with app.db.session() as probe:
            assert probe.scalar(select(text(f"pg_try_advisory_xact_lock({key})")))
    assert result(process, out) == 2


def _new_post(session: Session, handle: Handle, ext: str) -> None:
    author = Author(
        platform=handle.platform, handle=handle.handle, user_id=handle.user_id, email=handle.email
    )
    text_ = f"Kopi Senja kasirnya jutek banget hari ini, kecewa ({ext})"
    save_mentions(
        session,
        [Mention(handle.platform, ext, "demo-export", "kopi-senja", text_, author, NOW)],
        NOW,
    )


def _two_open_conversations(app: App) -> tuple[FollowUp, FollowUp, Handle, Handle]:
    with app.db.read() as s:
        rows = s.execute(
            select(FollowUp, Handle)
            .join(Handle, Handle.person_id == FollowUp.person_id)
            .where(FollowUp.status == "open", FollowUp.kind == "conversation")
            .order_by(FollowUp.id)
        ).all()
        s.expunge_all()
    seen: dict[int, tuple[FollowUp, Handle]] = {}
    for f, h in rows:
        seen.setdefault(h.person_id, (f, h))
    (f1, h1), (f2, h2) = sorted(seen.values(), key=lambda p: p[0].id)[:2]
    return f1, f2, h1, h2


def test_routing_locks_open_conversations_in_id_order(polled: tuple[Path, App]) -> None:
    config, app = polled
    _pg_only(app)
    f1, f2, h1, h2 = _two_open_conversations(app)
    with app.db.session() as s:  # the later conversation's post comes first in the batch
        _new_post(s, h2, "lock-order-1")
        _new_post(s, h1, "lock-order-2")
    with app.db.session() as holder:
        holder.execute(select(FollowUp.id).where(FollowUp.id == f1.id).with_for_update()).all()
        process, out, _ = start(_classify, config)
        _wait_for_a_waiter(app)
        with app.db.session() as probe:  # f2 is not locked while f1 is awaited
            probe.execute(
                select(FollowUp.id).where(FollowUp.id == f2.id).with_for_update(nowait=True)
            ).all()
    assert result(process, out) == 2
    with app.db.read() as s:
        joined = s.scalars(
            select(ConversationPost.followup_id)
            .join(MentionRow, MentionRow.id == ConversationPost.mention_id)
            .where(MentionRow.external_id.like("lock-order-%"))
        ).all()
    assert sorted(joined) == [f1.id, f2.id]


def _use_case(config: Path, call: str, args: tuple[Any, ...], ready: Event, out: Any) -> None:
    """In a child: the use case ``call`` ("module:function", taking the App first)."""
    module, _, name = call.partition(":")
    function = getattr(importlib.import_module(module), name)
    app = app_of(config)
    ready.set()
    out.put(type(function(app, *args)).__name__)
    app.db.dispose()


@pytest.mark.parametrize("step", ["approve", "send", "mark", "merge"])
def test_the_contact_lock_comes_before_any_row_lock(polled: tuple[Path, App], step: str) -> None:
    """Approvals and send claims (shared) and "do not contact" marks and merges
    (exclusive) take the contact lock (storage.contactable) first: waiting for it, they
    hold no follow-up or person row that whoever holds it may need next."""
    config, app = polled
    _pg_only(app)
    fid, person = next((i.id, i.person_id) for i in reports.queue(app) if i.person_id)
    with app.db.read() as s:
        other = s.scalar(
            select(Person.id).where(Person.id != person, Person.merged_into_id.is_(None)).limit(1)
        )
    if step == "send":
        followups.approve(app, fid, "dina")
    calls = {  # (use case, its arguments, what it returns)
        "approve": ("simak.usecases.followups:approve", (fid, "budi"), "Changed"),
        "send": ("simak.usecases.send:send_one", (fid, "budi"), "Delivered"),
        "mark": ("simak.usecases.people:do_not_contact", (person, "dina", "x"), "NoneType"),
        "merge": ("simak.usecases.people:merge", (person, other, "dina"), "MergeRecord"),
    }
    call, args, returns = calls[step]
    with app.db.session() as holder:
        contact_lock(holder, exclusive=step in ("approve", "send"))
        process, out, _ = start(_use_case, config, call, args)
        _wait_for_a_waiter(app)
        with app.db.session() as probe:  # none of the rows it will change is locked yet
            probe.execute(
                select(FollowUp.id).where(FollowUp.id == fid).with_for_update(nowait=True)
            ).all()
            probe.execute(
                select(Person.id).where(Person.id.in_((person, other))).with_for_update(nowait=True)
            ).all()
    assert result(process, out) == returns


def test_a_failed_batch_gives_its_claims_back(
    polled: tuple[Path, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, app = polled
    with app.db.session() as s:
        s.execute(update(MentionRow).where(MentionRow.id.in_([1, 2, 3])).values(status="new"))

    def deadlock(*_: object, **__: object) -> None:
        raise RuntimeError("deadlock detected")

    monkeypatch.setattr(BatchRouter, "__call__", deadlock)
    with pytest.raises(RuntimeError):
        classify_pending(app, build_router(app))
    with app.db.read() as s:
        claims = s.execute(
            select(MentionRow.status, MentionRow.claimed_by).where(MentionRow.id.in_([1, 2, 3]))
        ).all()
    assert claims == [("new", None)] * 3  # the next run takes them now, not in 10 minutes
