"""When `simak worker` / `simak run` polls a source: on its interval, not twice when another
run polled it during the cycle, and still after the machine's clock was set back."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

import simak.usecases.worker as worker
from listeners.base import Listener
from simak.app import App
from simak.cli import app as cli
from simak.config import load_settings
from simak.usecases.poll import SourceReport, poll, poll_source
from storage.sources import RunOutcome, record_run
from tests.core.conftest import Project

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
OK = RunOutcome(1, 1, 0, 0, None)


def _app(project: Project, now: datetime = NOW) -> App:
    env = dict(os.environ)
    return App(load_settings(project.config, env), project.config, env, clock=lambda: now)


def test_a_last_run_stamped_by_a_clock_set_back_does_not_stop_polling(project: Project) -> None:
    """The clock was a month ahead when `export` last ran, then corrected: without this the
    worker skipped the source, silently, for a month."""
    app = _app(project)
    with app.db.session() as session:
        record_run(session, "export", "file", OK, NOW + timedelta(days=30))
        record_run(session, "blog", "rss", OK, NOW + timedelta(seconds=10))  # mere skew
    due = worker.due_sources(app, NOW)
    assert "export" in due
    assert "blog" not in due  # ahead by less than an interval: waits as usual


def test_a_rate_limit_stored_before_the_clock_was_set_back_is_over(project: Project) -> None:
    app = _app(project)
    later = RunOutcome(0, 0, 0, 1, None, rate_limited=True, retry_at=NOW + timedelta(days=30))
    soon = RunOutcome(0, 0, 0, 1, None, rate_limited=True, retry_at=NOW + timedelta(hours=2))
    with app.db.session() as session:
        record_run(session, "export", "file", later, NOW - timedelta(hours=1))
        record_run(session, "blog", "rss", soon, NOW - timedelta(hours=1))
    due = worker.due_sources(app, NOW)
    assert "export" in due and "blog" not in due
    (source,) = poll(app, only="export").sources
    assert source.status == "ok" and source.stored == len(project.json("mentions")), source


def test_a_source_another_run_polled_during_the_cycle_is_not_polled_again(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The due list was read once at the cycle's start: a `simak poll` from cron that
    polled `blog` while this worker polled `export` made the worker call it again."""
    app = _app(project)
    polled: list[str] = []

    def spy(app: App, listener: Listener, wait_s: float = 0.0) -> SourceReport:
        polled.append(listener.name)
        if listener.name == "export":  # meanwhile, another run polls the blog
            with app.db.session() as session:
                record_run(session, "blog", "rss", OK, NOW)
        return poll_source(app, listener, wait_s)

    monkeypatch.setattr(worker, "poll_source", spy)
    report = worker.run_cycle(app, lambda: False, lambda message, level="info": None)
    assert polled == ["export"], polled
    assert report.polled == 1 and not report.failures


def test_run_help_says_what_still_needs_cron_and_when_the_config_is_read() -> None:
    """`simak run` was "the scheduler for one machine, without cron", but no worker runs
    reminders or purge (retention): an operator who dropped cron never purged."""
    result = CliRunner().invoke(cli, ["run", "--help"], env={"COLUMNS": "200"})
    flat = " ".join(result.output.replace("│", " ").split())
    assert "without cron" not in flat
    assert "keep simak reminders and simak purge (retention) in cron" in flat, flat
    assert "restart it after an edit" in flat


def test_a_source_warning_is_a_warning_line_of_the_worker(project: Project) -> None:
    """`simak poll` shows a line it could not read (or a platform's rate limit) as a
    warning; the worker dropped it: an operator reading its log never learned of it."""
    with (project.root / "mentions.jsonl").open("a", encoding="utf-8") as f:
        f.write("{not json\n")
    app = _app(project, datetime.now(UTC))
    said: list[tuple[str, str]] = []
    report = worker.run_cycle(app, lambda: False, lambda m, level="info": said.append((level, m)))
    warnings = [msg for level, msg in said if level == "warning"]
    assert len(warnings) == 1 and warnings[0].startswith("source 'export': "), said
    assert "mentions.jsonl:7" in warnings[0] and report.warnings == warnings
    assert not report.failures
