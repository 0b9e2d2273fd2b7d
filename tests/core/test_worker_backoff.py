"""A source that fails on every poll (a dead feed, bad credentials, a file gone) backs off:
a worker's next try waits twice as long after each failure in a row, at most
MAX_SOURCE_BACKOFF; the streak lives in the database (a restarted worker, or one on
another machine, keeps the schedule), a success resets it, `simak sources` says since when
and the next try, and `simak poll --source` still polls it at once. A rate limit follows
the platform's reset time, not this schedule. Clocks are injected: nothing sleeps."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from simak.app import App
from simak.config import load_settings
from simak.usecases import worker
from simak.usecases.backoff import MAX_SOURCE_BACKOFF
from simak.usecases.poll import poll
from storage.sources import RunOutcome, record_run
from tests.core.conftest import Project

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
EVERY = timedelta(minutes=5)  # workers.poll_every's default
SECOND = timedelta(seconds=1)


def _app(project: Project, now: datetime) -> App:
    """A fresh App (as a restarted worker) whose clock reads ``now``."""
    env = dict(os.environ)
    return App(load_settings(project.config, env), project.config, env, clock=lambda: now)


def _cycle(project: Project, now: datetime) -> worker.CycleReport:
    app = _app(project, now)
    try:
        return worker.run_cycle(app, lambda: False, lambda message, level="info": None)
    finally:
        app.db.dispose()


def _due(project: Project, now: datetime) -> bool:
    app = _app(project, now)
    try:
        return "export" in worker.due_sources(app, now)
    finally:
        app.db.dispose()


def _by_name(project: Project) -> dict[str, Any]:
    return {h["name"]: h for h in project.json("sources")}


def test_a_source_failing_every_poll_backs_off_to_the_cap(project: Project) -> None:
    """Before: `export` (its file gone) was polled every 5 minutes for weeks, one failure
    line each time."""
    (project.root / "mentions.jsonl").unlink()
    now, waits = T0, []
    for _ in range(9):
        report = _cycle(project, now)
        assert report.sources_failed == 1 and "export" in " ".join(report.failures), report
        wait = EVERY
        while not _due(project, now + wait):
            wait += EVERY
        assert not _due(project, now + wait - SECOND)
        zone = _app(project, now).settings.zone  # the line says when, as `simak sources`
        assert report.failures[0].endswith(
            f"; next try at {(now + wait).astimezone(zone):%Y-%m-%d %H:%M %Z}"
        )
        waits.append(wait)
        now += wait
    minutes = [int(w.total_seconds() // 60) for w in waits]
    assert minutes == [5, 10, 20, 40, 80, 160, 320, 360, 360], minutes
    assert timedelta(hours=6) == MAX_SOURCE_BACKOFF


def test_a_success_resets_the_backoff(project: Project) -> None:
    (project.root / "mentions.jsonl").rename(project.root / "gone.jsonl")
    now = T0
    for _ in range(4):  # 4 failures in a row: the next try 40 minutes on
        _cycle(project, now)
        now += timedelta(hours=1)
    (project.root / "gone.jsonl").rename(project.root / "mentions.jsonl")
    report = _cycle(project, now)
    assert report.stored and not report.failures, report
    assert not _due(project, now + EVERY - SECOND) and _due(project, now + EVERY)


def test_the_backoff_survives_a_restart_and_holds_for_every_worker(project: Project) -> None:
    """The streak is the source's row: any App on the database (another process, another
    machine) reads the same next try."""
    with project.db().session() as session:
        for k in range(3):
            record_run(session, "export", "file", _failed(), T0 + k * EVERY)
    last = T0 + 2 * EVERY  # 3 failures: waits 20 minutes
    assert not _due(project, last + timedelta(minutes=20) - SECOND)
    assert _due(project, last + timedelta(minutes=20))


def test_a_manual_poll_of_a_failing_source_polls_it_at_once_and_resets_it(
    project: Project,
) -> None:
    (project.root / "mentions.jsonl").rename(project.root / "gone.jsonl")
    now = datetime.now(UTC) - timedelta(minutes=1)
    for k in range(5):
        with project.db().session() as session:
            record_run(session, "export", "file", _failed(), now - (5 - k) * timedelta(hours=1))
    assert not _due(project, now)
    failing = project.run("poll", "--source", "export")  # called at once: fails again
    assert failing.exit_code == 5 and "no readable file" in failing.stderr, failing.output
    (project.root / "gone.jsonl").rename(project.root / "mentions.jsonl")
    result = project.run("poll", "--source", "export")
    assert result.exit_code == 0, result.output
    export = _by_name(project)["export"]
    assert export["consecutive_failures"] == 0 and export["stored_last_run"] == 5
    assert export["failing_since"] is None and export["next_try_at"] is None


def test_sources_says_failing_since_when_and_the_next_try(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with project.db().session() as session:
        record_run(session, "export", "file", RunOutcome(5, 5, 0, 0, None), start)
        for k in range(1, 4):  # 3 failures: 08:10, 08:20, 08:30 → next try 08:50
            record_run(session, "export", "file", _failed(), start + k * 2 * EVERY)
    export = _by_name(project)["export"]
    first, last = start + 2 * EVERY, start + 6 * EVERY
    assert export["status"] == "failing" and export["consecutive_failures"] == 3
    assert export["failing_since"] == first.isoformat(), export
    assert export["next_try_at"] == (last + 4 * EVERY).isoformat(), export
    monkeypatch.setenv("COLUMNS", "200")
    table = project.run("sources").stdout
    flat = " ".join(table.replace("│", " ").split())
    since = first.astimezone(_zone(project)).strftime("%Y-%m-%d %H:%M")
    at = (last + 4 * EVERY).astimezone(_zone(project)).strftime("%Y-%m-%d %H:%M")
    assert f"failing since {since}" in flat and f"next try at {at}" in flat, table
    assert flat.count("export") == 1, table  # the row names it; the problem does not again


def test_a_rate_limit_follows_the_platforms_reset_not_the_backoff(project: Project) -> None:
    """Rate-limited runs are no failures: after three in a row the source is called again
    exactly at the time the platform gave, not 20 minutes after."""
    reset = T0 + timedelta(minutes=2)
    limited = RunOutcome(0, 0, 0, 1, None, rate_limited=True, retry_at=reset)
    with project.db().session() as session:
        for k in range(3):
            record_run(session, "export", "file", limited, T0 - timedelta(hours=1) + k * SECOND)
    assert not _due(project, reset - SECOND) and _due(project, reset)
    (source,) = poll(_app(project, reset), only="export").sources
    assert source.status == "ok" and _by_name(project)["export"]["consecutive_failures"] == 0


def _failed() -> RunOutcome:
    return RunOutcome(0, 0, 0, 0, "source 'export': no readable file at 'mentions.jsonl'")


def _zone(project: Project) -> Any:
    return load_settings(project.config, dict(os.environ)).zone


def test_cron_s_plain_poll_leaves_a_failing_source_alone_while_it_rests(
    project: Project,
) -> None:
    """Before: `simak poll` from cron (every 10 minutes) tried a dead source on every run,
    and cron mailed its failure line each time (144 mails a day). After two failures in a
    row a plain poll leaves it alone while it rests (the worker's schedule, from its last
    failure), says so on stdout only, and exits 0; `--source` still tries it at once."""
    (project.root / "mentions.jsonl").rename(project.root / "gone.jsonl")
    for _ in range(2):  # one failure is a blip: the second run tries again
        failed = project.run("poll")
        assert failed.exit_code == 1, failed.output  # the project's other source is fine
        assert "no readable file" in failed.stderr
    rested = project.run("poll")
    assert rested.exit_code == 0, rested.output
    assert rested.stderr.strip() == ""  # nothing for cron to mail
    assert "skipped: failing on every" in " ".join(rested.stdout.split())  # the table
    source = _polled(project)["export"]
    assert source["status"] == "resting" and source["retry_at"] is not None
    assert "resting until" in source["wait_line"]
    assert "(simak poll --source export tries it now)" in source["wait_line"]
    assert _by_name(project)["export"]["consecutive_failures"] == 2  # not tried: no count
    tried = project.run("poll", "--source", "export")
    assert tried.exit_code == 5 and "no readable file" in tried.stderr, tried.output
    (project.root / "gone.jsonl").rename(project.root / "mentions.jsonl")
    assert project.run("poll", "--source", "export").exit_code == 0  # a success resets it
    assert _polled(project)["export"]["status"] == "ok"


def _polled(project: Project) -> dict[str, Any]:
    return {s["name"]: s for s in project.json("poll", "--json")["sources"]}


def test_a_resting_source_s_wait_ends_and_a_clock_set_back_ends_it_too() -> None:
    from simak.usecases.backoff import resting_until
    from storage.sources import LastRun

    failed = LastRun(T0, failures=3, failed_at=T0)  # rests 20 minutes
    assert resting_until(failed, T0 + 19 * EVERY / 5, EVERY) == T0 + 4 * EVERY
    assert resting_until(failed, T0 + 4 * EVERY, EVERY) is None
    assert resting_until(LastRun(T0, 1, T0), T0, EVERY) is None  # a blip
    assert resting_until(failed, T0 - timedelta(days=1), EVERY) is None  # clock set back
