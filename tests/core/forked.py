"""Helpers for tests that race two forked processes on one database (SQLite or
PostgreSQL): the first pauses inside its transaction at a fixed point, the second starts,
and (on PostgreSQL) the first goes on once the second waits on a lock the first holds.

Children come from a forkserver that imported Simak once. A child runs one use-case
function (:func:`act`) and reports ``(who, "ok", result)`` or ``(who, ErrorName, message)``.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import queue
import time
from collections.abc import Callable
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from common.errors import SimakError
from simak.app import App
from simak.config import load_settings

# How long a step may take before a test calls it stuck. Only a broken run waits this
# long; a busy machine (CI beside other jobs, load 8 on 2 cores) can need more than 30 s
# for a child to load the model and reach its lock.
WAIT_S = 90.0

Pause = tuple[str, str, str, Event, Event]  # (module, function, when, paused, go on)
Gate = tuple[Event, Event]  # (may start, has started)
Where = tuple[str, str, str]  # (module, function, "before" or "after" it runs)


def spawn(*preload: str) -> multiprocessing.context.ForkServerContext:
    """Fresh processes forked from a server that imported Simak once (not per child)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["simak.usecases.correct", "simak.usecases.people", *preload])
    return ctx


def app_of(config: Path) -> App:
    env = dict(os.environ)
    return App(load_settings(config, env), config, env)


def pause_at(module: Any, name: str, when: str, inside: Event, go: Event) -> None:
    """Make ``module.name`` say it got there (``inside``) and wait for ``go``, ``when``
    "before" or "after" it runs."""
    original: Callable[..., Any] = getattr(module, name)

    def paused(*args: Any, **kwargs: Any) -> Any:
        if when == "after":
            result = original(*args, **kwargs)
        inside.set()
        assert go.wait(WAIT_S), "the test never let the paused process go on"
        return result if when == "after" else original(*args, **kwargs)

    setattr(module, name, paused)


def hold(pause: Pause | None, gate: Gate | None) -> None:
    """In a child: install ``pause``; wait at ``gate`` (imports done) until let in."""
    if pause is not None:
        module, name, when, inside, go = pause
        pause_at(importlib.import_module(module), name, when, inside, go)
    if gate is not None:
        begin, started = gate
        assert begin.wait(WAIT_S), "the test never let the second process start"
        started.set()


def act(
    config: Path,
    who: str,
    call: str,
    args: tuple[Any, ...],
    pause: Pause | None,
    gate: Gate | None,
    out: Any,
) -> None:
    """In a child: ``call`` ("module:function", a use case taking the App first) with
    ``args``, paused at ``pause`` or started only when ``gate`` opens."""
    module, _, name = call.partition(":")
    function = getattr(importlib.import_module(module), name)
    app = app_of(config)
    hold(pause, gate)
    try:
        out.put((who, "ok", function(app, *args)))
    except SimakError as exc:
        out.put((who, type(exc).__name__, str(exc)))
    finally:
        app.db.dispose()


def act_in(
    env: dict[str, str],
    config: Path,
    who: str,
    call: str,
    args: tuple[Any, ...],
    pause: Pause | None,
    gate: Gate | None,
    out: Any,
) -> None:
    """:func:`act` with ``env`` added to the child's environment (the secrets a config's
    ``${VAR}`` references name, say)."""
    os.environ.update(env)
    act(config, who, call, args, pause, gate, out)


def merging(config: Path, kept: int, gone: int) -> tuple[Callable[..., None], tuple[Any, ...]]:
    """`simak people merge GONE KEEP` by dina in a child (for :func:`race`), known as
    "GONE->KEEP"."""
    return act, (config, f"{gone}->{kept}", "simak.usecases.people:merge", (kept, gone, "dina"))


def until_someone_waits(db_url: str, out: Any) -> None:
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
    deadline = time.monotonic() + WAIT_S
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


def race(
    db_url: str,
    first: tuple[Callable[..., None], tuple[Any, ...], Where],
    second: tuple[Callable[..., None], tuple[Any, ...]],
    *,
    second_at: Where | None = None,
    second_ends_first: bool = False,
    second_waits: bool = False,
) -> dict[str, tuple[str, Any]]:
    """Run ``first`` until its pause, then ``second``; let the first go on once the second
    waits for it. Both start (and import) at once; each target takes its args, then
    (pause, gate, out) like :func:`act`. Returns {who: (outcome, detail)}.

    ``second_at``: the second also stops there (a point before its claim, its reading
    done, no write transaction open) until the first is paused, so what it read was read
    while the first's claim was not committed: its own claim must refuse it, however fast
    either runs. ``second_ends_first``: the first goes on only once the second has ended
    (the first's claim is committed at its pause: the second must not wait for it).
    ``second_waits``: the second must not have finished while the first was paused (it
    commits after the first)."""
    ctx = spawn(first[0].__module__, second[0].__module__)
    out, inside, go, begin, started = (ctx.Queue(), *(ctx.Event() for _ in range(4)))
    arrived, on = ctx.Event(), ctx.Event()
    target, args, (module, name, when) = first
    pause: Pause = (module, name, when, inside, go)
    later: Pause | None = None if second_at is None else (*second_at, arrived, on)
    procs = [
        ctx.Process(target=target, args=(*args, pause, None, out)),
        ctx.Process(target=second[0], args=(*second[1], later, (begin, started), out)),
    ]
    for p in procs:
        p.start()
    assert inside.wait(WAIT_S), "the first process never reached its pause"
    begin.set()
    assert started.wait(WAIT_S)
    results = _second_goes(db_url, out, (arrived, on) if later else None, second_ends_first)
    waited = not results and out.empty()
    go.set()
    while len(results) < len(procs):
        who, outcome, detail = out.get(timeout=WAIT_S * 2)
        results[who] = (outcome, detail)
    for p in procs:
        p.join(WAIT_S)
    assert [p.exitcode for p in procs] == [0, 0], results
    assert waited or not second_waits, f"the second process did not wait: {results}"
    return results


def _second_goes(
    db_url: str, out: Any, stop: tuple[Event, Event] | None, ends_first: bool
) -> dict[str, tuple[str, Any]]:
    """Let the second process on past its own stop (if any), then wait until it waits for
    the first (or, with ``ends_first``, until it ended); its answer if it ended."""
    if stop is not None:
        arrived, on = stop
        assert arrived.wait(WAIT_S), "the second process never reached its stop"
        on.set()
    if not ends_first:
        until_someone_waits(db_url, out)
        return {}
    try:
        who, outcome, detail = out.get(timeout=WAIT_S)
    except queue.Empty:
        raise AssertionError("the second process waited for the paused first one") from None
    return {who: (outcome, detail)}


def start(target: Callable[..., None], *args: Any) -> tuple[Any, Any, Event]:
    """``target(*args, ready, out)`` in a fresh process: (the process, its ``out`` queue,
    ``ready``, which the target sets just before the step the test races)."""
    ctx = spawn(target.__module__)
    out, ready = ctx.Queue(), ctx.Event()
    process = ctx.Process(target=target, args=(*args, ready, out), daemon=True)
    process.start()
    return process, out, ready


def waits(db_url: str, out: Any, ready: Event) -> None:
    """Once the process from :func:`start` is ready, make sure it waits for the test's
    open transaction: on a lock (PostgreSQL), or for SQLite's one writer (it has not
    answered half a second later)."""
    assert ready.wait(WAIT_S), "the process never got ready"
    until_someone_waits(db_url, out)
    if not db_url.startswith("postgresql"):
        time.sleep(0.5)
    assert out.empty(), "the process did not wait for the test's transaction"


def result(process: Any, out: Any) -> Any:
    """What the process from :func:`start` put on ``out``, once it ended well."""
    answer = out.get(timeout=WAIT_S * 2)
    process.join(WAIT_S)
    assert process.exitcode == 0
    return answer
