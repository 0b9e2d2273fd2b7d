"""A long-running `simak run` / `simak worker` whose model cannot be used stops at start
(exit 4, one line) instead of failing the classify step every cycle while posts pile up."""

from __future__ import annotations

import os

import pytest

from common.errors import EXIT_UNAVAILABLE, SimakError
from simak.app import App
from simak.config import load_settings
from simak.usecases.worker import run_worker
from tests.core.conftest import Project


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
