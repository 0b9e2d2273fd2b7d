"""What a worker writes: each source's failure and warning names the source once, in one
format (`source 'blog': …`), on either engine; under `--log-format json` every line it
writes is a JSON object, its totals at exit included."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from simak.app import App
from simak.config import load_settings
from simak.tasks.jobs import Jobs
from simak.usecases import worker
from tests.core.conftest import Project


def _app(project: Project) -> App:
    env = dict(os.environ)
    return App(load_settings(project.config, env), project.config, env,
               clock=lambda: datetime.now(UTC))  # fmt: skip


def _broken(project: Project) -> None:
    """`export` fails (its file is gone), `blog` warns (a line of its feed is bad)."""
    (project.root / "mentions.jsonl").unlink()
    feed = (project.root / "feed.xml").read_text("utf-8")
    (project.root / "feed.xml").write_text(feed.replace("AC mati.", "AC mati & panas."), "utf-8")


def test_a_worker_line_about_a_source_names_it_once(project: Project) -> None:
    """Before: "source export: source 'export': no readable file at …"."""
    _broken(project)
    said: list[tuple[str, str]] = []
    worker.run_cycle(_app(project), lambda: False, lambda m, level="info": said.append((level, m)))
    lines = [m for _, m in said if "export" in m or "blog" in m]
    assert lines and all(m.startswith(("source 'export': ", "source 'blog': ")) for m in lines)
    assert all(m.count("export") + m.count("blog") == 1 for m in lines), lines


def test_a_poll_job_says_its_source_once_and_its_warnings_too(project: Project) -> None:
    """The procrastinate poll job wrote the same doubled line and dropped the warnings."""
    _broken(project)
    said: list[tuple[str, str]] = []
    jobs = Jobs(_app(project), lambda m, level="info": said.append((level, m)))
    jobs.poll("export")
    jobs.poll("blog")
    (failed,) = [m for level, m in said if level == "error"]
    assert failed.startswith("source 'export': no readable file") and failed.count("export") == 1
    warned = [m for level, m in said if level == "warning"]
    assert warned and all(m.startswith("source 'blog': ") for m in warned), said


def test_with_json_logs_every_line_of_the_worker_is_json(project: Project) -> None:
    """Before: the totals at exit were a plain text line on stdout among the JSON lines."""
    _broken(project)
    result = project.run("--log-format", "json", "worker", "--once")
    assert result.exit_code == 1, result.output
    lines = [json.loads(line) for line in (result.stdout + result.stderr).splitlines()]
    assert lines[-1]["msg"].startswith("polled 2 source(s), stored "), lines
    assert {line["level"] for line in lines} == {"info", "warning", "error"}, lines
