"""A long-running `simak run` / `simak worker` whose model cannot be used stops at start
(exit 4, one line) instead of failing the classify step every cycle while posts pile up;
while the database cannot be used it logs one line a cycle and waits longer each time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from common.errors import EXIT_UNAVAILABLE, SimakError
from simak.app import App
from simak.config import load_settings
from simak.usecases.worker import MAX_BACKOFF_S, CycleReport, _pause, run_worker
from tests.core.conftest import Project
from tests.core.races import demo_project


def _broken_model(project: Project) -> App:
    text = project.config.read_text("utf-8").replace(
        "backend: keywords", "backend: embedded\n  options: {path: no-such-model}"
    )
    project.config.write_text(text, "utf-8")
    env = dict(os.environ)
    return App(load_settings(project.config, env), project.config, env)


def test_a_loop_stops_at_start_when_the_model_cannot_be_used(project: Project) -> None:
    app = _broken_model(project)
    cycles: list[int] = []

    def stop() -> bool:
        cycles.append(1)
        return len(cycles) > 3

    lines: list[str] = []
    with pytest.raises(SimakError) as err:
        run_worker(app, once=False, stop=stop, sleep=lambda s: None,
                   log=lambda message, level="info": lines.append(message))  # fmt: skip
    assert err.value.exit_code == EXIT_UNAVAILABLE
    assert "no-such-model" in str(err.value) and "simak train" in str(err.value)
    assert not cycles and not lines  # not one cycle ran


def test_once_still_runs_its_cycle_and_reports_the_model(project: Project) -> None:
    """`worker --once` (cron) keeps its cycle: sources are polled, the failure is a line."""
    app = _broken_model(project)
    lines: list[str] = []
    report = run_worker(app, once=True, stop=lambda: False, sleep=lambda s: None,
                        log=lambda message, level="info": lines.append(message))  # fmt: skip
    assert report.stored > 0 and report.unavailable == 1
    assert [line for line in lines if line.startswith("classify: ")], lines


def test_a_database_outage_is_one_line_a_cycle_with_growing_pauses(tmp_path: Path) -> None:
    """Before: each cycle logged poll, classify, send and alerts failing on the same
    database, and the loop went round every idle_s (5 s): ~70,000 lines a day of outage."""
    config = demo_project(tmp_path / "proj", "sqlite:///simak.db")
    env = dict(os.environ) | {"SIMAK_DATABASE_URL": "postgresql+psycopg://simak@127.0.0.1:9/x"}
    app = App(load_settings(config, env), config, env)
    pauses: list[float] = []
    lines: list[str] = []
    report = run_worker(app, once=False, stop=lambda: len(pauses) >= 6, sleep=pauses.append,
                        log=lambda message, level="info": lines.append(message))  # fmt: skip
    assert len(lines) == 6 and all(line.startswith("poll: cannot use database") for line in lines)
    idle = app.settings.workers.idle_s
    assert pauses == [idle * 2, idle * 4, idle * 8, MAX_BACKOFF_S, MAX_BACKOFF_S, MAX_BACKOFF_S]
    assert report.unavailable == len(report.failures) == 6


def test_the_pause_is_back_to_idle_once_the_database_answers() -> None:
    assert _pause(CycleReport(), MAX_BACKOFF_S, 5.0) == 5.0
    assert _pause(CycleReport(stored=3), MAX_BACKOFF_S, 5.0) == 0.0
    one_bad_source = CycleReport(polled=1, sources_failed=1, failures=["source x: boom"])
    assert _pause(one_bad_source, 0.0, 5.0) == 5.0  # a source's failure is no outage
