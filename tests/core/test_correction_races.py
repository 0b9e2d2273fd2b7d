"""Staff corrections of one mention racing each other, or a classifier storing its verdict,
in real processes on SQLite and PostgreSQL: the corrections run one after the other (each
reads what the previous one left), the last verdict is the current one, and the ideas
board follows the labels that won. Two merges of the same two people: one wins.

The first process pauses inside its transaction; the second starts and, on PostgreSQL,
the first goes on once the second waits on a lock (SQLite's one writer at a time makes
the second wait for the first's whole transaction whatever the timing)."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

from common.errors import EXIT_OK, SimakError
from common.records import LABELS, Classification
from simak.app import App
from simak.config import load_settings
from simak.usecases import reports
from storage.mentions import claim_pending
from storage.models import AuditLog, ClassificationRow, Idea, MentionRow, Person
from tests.conftest import BACKENDS, drop_pg_database, new_pg_database
from tests.core.races import demo_project, run

_WAIT_S = 30.0


def _spawn() -> multiprocessing.context.ForkServerContext:
    """Fresh processes forked from a server that imported Simak once (not per child)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["simak.usecases.correct", "simak.usecases.people", __name__])
    return ctx


def _app(config: Path) -> App:
    env = dict(os.environ)
    return App(load_settings(config, env), config, env)


def _pause_at(module: Any, name: str, when: str, inside: Event, go: Event) -> None:
    """Make ``module.name`` say it got there (``inside``) and wait for ``go``, ``when``
    "before" or "after" it runs."""
    original: Callable[..., Any] = getattr(module, name)

    def paused(*args: Any, **kwargs: Any) -> Any:
        if when == "after":
            result = original(*args, **kwargs)
        inside.set()
        assert go.wait(_WAIT_S), "the test never let the paused process go on"
        return result if when == "after" else original(*args, **kwargs)

    setattr(module, name, paused)


Pause = tuple[str, str, str, Event, Event]  # (module, function, when, paused, go on)
Gate = tuple[Event, Event]  # (may start, has started)


def _hold(pause: Pause | None, gate: Gate | None) -> None:
    """In a child: install ``pause``; wait at ``gate`` (imports done) until let in."""
    import importlib

    if pause is not None:
        module, name, when, inside, go = pause
        _pause_at(importlib.import_module(module), name, when, inside, go)
    if gate is not None:
        begin, started = gate
        assert begin.wait(_WAIT_S), "the test never let the second process start"
        started.set()


def _correct(
    config: Path,
    mention_id: int,
    labels: tuple[str, ...],
    actor: str,
    pause: Pause | None,
    gate: Gate | None,
    out: Any,
) -> None:
    """`simak correct` in a child process, paused after ``pause``'s function (inside the
    correction's transaction or after it), or started only when ``gate`` opens."""
    from simak.usecases.correct import correct

    app = _app(config)
    _hold(pause, gate)
    try:
        done = correct(app, mention_id, labels, actor)
        out.put((actor, "ok", done.outcome))
    except SimakError as exc:
        out.put((actor, type(exc).__name__, str(exc)))
    finally:
        app.db.dispose()


def _merge(
    config: Path, kept: int, gone: int, pause: Pause | None, gate: Gate | None, out: Any
) -> None:
    """`simak people merge GONE KEEP` in a child process (see :func:`_correct`)."""
    from simak.usecases.people import merge

    app = _app(config)
    _hold(pause, gate)
    try:
        out.put((f"{gone}->{kept}", "ok", merge(app, kept, gone, "dina").id))
    except SimakError as exc:
        out.put((f"{gone}->{kept}", type(exc).__name__, str(exc)))
    finally:
        app.db.dispose()


def _finish_claim(config: Path, mention_id: int, holder: str, gate: Gate, out: Any) -> None:
    """A classifier run storing its verdict on a mention it claimed (``finish_claims``)."""
    from storage.mentions import finish_claims

    app = _app(config)
    verdict = Classification(
        labels=("praise",),
        scores={lab: 1.0 if lab == "praise" else 0.0 for lab in LABELS},
        lang="id",
        model="keywords",
    )
    _hold(None, gate)
    try:
        with app.db.session() as session:
            won = finish_claims(session, holder, [(mention_id, verdict)], app.clock())
        out.put((holder, "ok", won))
    except SimakError as exc:
        out.put((holder, type(exc).__name__, str(exc)))
    finally:
        app.db.dispose()


def _until_someone_waits(db_url: str, out: Any) -> None:
    """Return once the second process waits on a lock the first holds (PostgreSQL), or
    finished without waiting (a bug the test then shows). On SQLite its ``BEGIN
    IMMEDIATE`` waits for the first's commit whatever the timing."""
    if not db_url.startswith("postgresql"):
        return
    engine = create_engine(db_url)
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + _WAIT_S
    try:
        with engine.connect() as conn:
            while time.monotonic() < deadline:
                if conn.execute(waiting).scalar_one() or not out.empty():
                    return
                conn.rollback()
                time.sleep(0.02)
    finally:
        engine.dispose()
    raise AssertionError("the second process never waited on the first one's lock")


def _race(
    db_url: str,
    first: tuple[Callable[..., None], tuple[Any, ...], tuple[str, str, str]],
    second: tuple[Callable[..., None], tuple[Any, ...]],
) -> dict[str, tuple[str, Any]]:
    """Run ``first`` until its pause, then ``second``; let the first go on once the second
    waits for it. Both start (and import) at once. Returns {who: (outcome, detail)}."""
    ctx = _spawn()
    out, inside, go, begin, started = (ctx.Queue(), *(ctx.Event() for _ in range(4)))
    target, args, (module, name, when) = first
    pause: Pause = (module, name, when, inside, go)
    procs = [
        ctx.Process(target=target, args=(*args, pause, None, out)),
        ctx.Process(target=second[0], args=(*second[1], (begin, started), out)),
    ]
    for p in procs:
        p.start()
    assert inside.wait(_WAIT_S), "the first process never reached its pause"
    begin.set()
    assert started.wait(_WAIT_S)
    _until_someone_waits(db_url, out)
    go.set()
    results = {}
    for _ in procs:
        who, outcome, detail = out.get(timeout=_WAIT_S * 2)
        results[who] = (outcome, detail)
    for p in procs:
        p.join(_WAIT_S)
    assert [p.exitcode for p in procs] == [0, 0], results
    return results


@pytest.fixture(scope="module")
def _golden(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The demo polled once per backend and module (a poll takes seconds): its URL."""
    made: dict[str, str] = {}
    yield made
    if "postgresql" in made:
        drop_pg_database(made["postgresql"])


@pytest.fixture(params=BACKENDS)
def polled(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    _golden: dict[str, str],
) -> Iterator[tuple[Path, App]]:
    """A copy of the polled demo: (its config, an App on it)."""
    monkeypatch.delenv("SIMAK_DATABASE_URL", raising=False)
    backend = request.param
    if backend not in _golden:
        root = tmp_path.parent / f"golden-{backend}"
        url = (
            f"sqlite:///{root / 'simak.db'}"
            if backend == "sqlite"
            else new_pg_database(request.getfixturevalue("pg_template"))
        )
        code, _, err = run(demo_project(root, url), "poll")
        assert code == EXIT_OK, err
        _golden[backend] = url
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'simak.db'}"
        source = sqlite3.connect(_golden[backend].removeprefix("sqlite:///"))
        with source, sqlite3.connect(url.removeprefix("sqlite:///")) as copy:
            source.backup(copy)
        source.close()
    else:
        url = new_pg_database(str(make_url(_golden[backend]).database))
    config = demo_project(tmp_path / "demo", url)
    app = _app(config)
    yield config, app
    app.db.dispose()
    if backend == "postgresql":
        drop_pg_database(url)


def _current(app: App, mention_id: int) -> list[tuple[list[str], str, str | None]]:
    with app.db.read() as session:
        c = ClassificationRow
        rows = session.execute(
            select(c.labels, c.model, c.corrected_by).where(
                c.mention_id == mention_id, c.is_current
            )
        ).all()
    return [(list(r.labels), r.model, r.corrected_by) for r in rows]


_SAVING = ("storage.corrections", "save_classification", "after")  # in the transaction


def test_two_staff_correcting_one_mention_at_once_apply_one_after_the_other(
    polled: tuple[Path, App],
) -> None:
    config, app = polled
    item = next(i for i in reports.queue(app) if i.label == "complaint")
    mid = item.mention_id
    assert mid is not None
    [(before, _, _)] = _current(app, mid)
    results = _race(
        app.db.url,
        (_correct, (config, mid, ("praise",), "dina"), _SAVING),
        (_correct, (config, mid, ("complaint", "idea"), "budi", None)),
    )
    assert {who: r[0] for who, r in results.items()} == {"dina": "ok", "budi": "ok"}, results
    assert _current(app, mid) == [(["complaint", "idea"], "staff", "budi")]
    with app.db.read() as session:
        trail = session.scalars(
            select(AuditLog.detail)
            .where(AuditLog.action == "correct_labels", AuditLog.entity_id == str(mid))
            .order_by(AuditLog.id)
        ).all()
        on_board = session.scalar(select(Idea.id).where(Idea.mention_id == mid))
    # each correction read the labels the one before it left
    assert trail == [f"{','.join(before)} -> praise", "praise -> complaint,idea"]
    assert on_board is not None
    followup = next(i for i in reports.queue(app, everything=True) if i.id == item.id)
    assert followup.label == "complaint"


def test_a_correction_away_from_idea_does_not_undo_a_later_one_back_to_idea(
    polled: tuple[Path, App],
) -> None:
    """Dina's correction (not an idea) has committed and is about to take the post off the
    board when Budi's (an idea after all) runs and commits: the post stays on the board."""
    config, app = polled
    with app.db.read() as session:
        mid = session.scalar(select(Idea.mention_id).where(Idea.group_id.is_not(None)).limit(1))
    assert mid is not None
    ctx = _spawn()
    out, inside, go, started = ctx.Queue(), ctx.Event(), ctx.Event(), ctx.Event()
    pause = ("simak.usecases.correct", "drop_from_board", "before", inside, go)
    procs = [
        ctx.Process(target=_correct, args=(config, mid, ("complaint",), "dina", pause, None, out)),
        ctx.Process(
            target=_correct, args=(config, mid, ("idea",), "budi", None, (inside, started), out)
        ),
    ]
    for p in procs:
        p.start()
    assert out.get(timeout=_WAIT_S * 2)[:2] == ("budi", "ok")  # while Dina waits
    go.set()
    assert out.get(timeout=_WAIT_S * 2)[:2] == ("dina", "ok")
    for p in procs:
        p.join(_WAIT_S)
    assert [p.exitcode for p in procs] == [0, 0]
    assert _current(app, mid) == [(["idea"], "staff", "budi")]
    with app.db.read() as session:
        group = session.scalar(select(Idea.group_id).where(Idea.mention_id == mid))
    assert group is not None  # still on the board, in a group


def test_a_correction_racing_the_classifier_keeps_the_staff_verdict(
    polled: tuple[Path, App],
) -> None:
    """A classifier run claimed a mention and stores its verdict while a correction of
    that mention is half-way: no deadlock, no refused write, and staff's verdict stands."""
    config, app = polled
    mid = next(i for i in reports.queue(app) if i.label == "complaint").mention_id
    assert mid is not None
    with app.db.session() as session:
        session.execute(update(MentionRow).where(MentionRow.id == mid).values(status="new"))
        claimed = claim_pending(session, "worker-1", app.clock(), timedelta(minutes=5), 10)
    assert [m.id for m in claimed] == [mid]
    results = _race(
        app.db.url,
        (_correct, (config, mid, ("idea",), "dina"), _SAVING),
        (_finish_claim, (config, mid, "worker-1")),
    )
    assert results["dina"][0] == "ok", results
    assert results["worker-1"] == ("ok", []), results  # its claim was no longer live
    assert _current(app, mid) == [(["idea"], "staff", "dina")]
    with app.db.read() as session:
        assert session.scalar(select(MentionRow.status).where(MentionRow.id == mid)) != "new"


def test_two_people_merged_into_each_other_at_once_make_one_merge_not_a_loop(
    polled: tuple[Path, App],
) -> None:
    """Dina merges A into B while Budi merges B into A: one merge wins, the other is
    refused (a merged person cannot be merged), and nobody ends up merged into themself."""
    config, app = polled
    with app.db.read() as session:
        a, b = session.scalars(
            select(Person.id).where(Person.merged_into_id.is_(None)).order_by(Person.id).limit(2)
        ).all()
    results = _race(
        app.db.url,
        (_merge, (config, b, a), ("storage.people", "_move_handles", "after")),
        (_merge, (config, a, b, None)),
    )
    assert sorted(r[0] for r in results.values()) == ["ConflictError", "ok"], results
    assert results[f"{a}->{b}"][0] == "ok", results  # the first one
    with app.db.read() as session:
        into = dict(
            session.execute(
                select(Person.id, Person.merged_into_id).where(Person.id.in_((a, b)))
            ).all()
        )
    assert into == {a: b, b: None}
