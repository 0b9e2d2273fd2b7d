"""The CLI boundary: exit codes from one table, one line per error, isolation of sources,
paths relative to the config file, busy sources."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from common.errors import EXIT_BUSY, EXIT_OK, EXIT_UNAVAILABLE
from common.records import Author, Mention
from listeners.base import PollPage
from simak.app import App
from simak.config import load_settings
from simak.runs import new_holder
from simak.usecases.poll import poll_source
from storage import leases
from storage.db import open_database
from tests.core.conftest import Project
from tests.core.races import demo_project, no_traceback, run


def test_relative_database_lives_beside_the_config(tmp_path: Path) -> None:
    config = demo_project(tmp_path / "proj", "sqlite:///data/simak.db")
    code, _, err = run(config, "poll")  # started from "/", like cron
    assert code == EXIT_OK, err
    assert (tmp_path / "proj" / "data" / "simak.db").is_file()
    assert not Path("/data/simak.db").exists()


def test_read_only_database_is_one_line_exit_4(tmp_path: Path) -> None:
    config = demo_project(tmp_path / "proj", "sqlite:///simak.db")
    assert run(config, "poll")[0] == EXIT_OK
    db = tmp_path / "proj" / "simak.db"
    ro = {"SIMAK_DATABASE_URL": f"sqlite:///file:{db}?mode=ro&uri=true"}
    code, _, err = run(config, "followup", "approve", "1", extra_env=ro)
    assert code == EXIT_UNAVAILABLE, err
    assert len(err.strip().splitlines()) == 1 and no_traceback(err)
    assert "readonly" in err and "writable" in err


def test_unreachable_server_hides_the_password(tmp_path: Path) -> None:
    config = demo_project(tmp_path / "proj", "sqlite:///simak.db")
    bad = {"SIMAK_DATABASE_URL": "postgresql+psycopg://simak:s3cr3t-pw@127.0.0.1:9/simak"}
    code, out, err = run(config, "stats", extra_env=bad)
    assert code == EXIT_UNAVAILABLE, err
    assert "s3cr3t-pw" not in err + out and "***" in err
    assert len(err.strip().splitlines()) == 1
    # `worker --once` from cron: every step failed on the database, so exit 4, not 1
    code, out, err = run(config, "worker", "--once", extra_env=bad)
    assert code == EXIT_UNAVAILABLE, err
    assert "s3cr3t-pw" not in err + out and no_traceback(err)


def _hold(project: Project, names: list[str], holder: str) -> None:
    app = App(load_settings(project.config, dict(os.environ)), project.config, dict(os.environ))
    with app.db.session() as session:
        for name in names:
            assert leases.acquire(session, name, holder, app.clock(), timedelta(minutes=5))


def test_every_source_busy_exits_75_and_wait_waits(project: Project) -> None:
    live = f"{new_holder().split(':')[0]}:{os.getpid()}:other"  # this process: alive
    names = ["poll:export", "poll:blog"]
    _hold(project, names, live)
    busy = project.run("poll")
    assert busy.exit_code == EXIT_BUSY, busy.output
    assert "export: skipped, another run is polling it" in busy.stderr

    def release() -> None:
        time.sleep(1.0)
        with open_database(project.db_url).session() as session:
            for name in names:
                leases.release(session, name, live)

    threading.Thread(target=release).start()
    waited = project.run("poll", "--wait", "20")
    assert waited.exit_code == EXIT_OK, waited.output
    assert project.json("stats")["mentions"] > 0


class _Broken:
    """A listener with a bug: it yields one good page, then raises something unexpected."""

    name = "broken"
    platform = "x"

    def poll(self, cursor: str | None) -> Iterator[PollPage]:
        author = Author(platform="x", handle="ok")
        good = Mention("x", "b1", "broken", "kopi-senja", "Kopi Senja ok", author, _now())
        yield PollPage([good], cursor="1")
        raise ZeroDivisionError("division by zero in the parser")


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(2026, 11, 22, tzinfo=UTC)


def test_a_bug_in_one_source_is_that_source_internal_error(project: Project) -> None:
    app = App(load_settings(project.config, dict(os.environ)), project.config, dict(os.environ))
    report = poll_source(app, _Broken())
    assert report.error == "internal error: ZeroDivisionError: division by zero in the parser"
    assert report.stored == 1  # the page before the bug is kept
    health = {s["name"]: s for s in project.json("sources")}
    assert "broken" not in health  # not configured, but its health row exists:
    with app.db.read() as session:
        from storage.sources import source_health

        (row,) = [h for h in source_health(session) if h.name == "broken"]
    assert row.consecutive_failures == 1 and row.last_error == report.error


def test_usage_errors_are_one_line_exit_2() -> None:
    """An unknown option, a malformed or missing argument, an unknown command: one line
    naming the problem and the help to read (README: "every error is one line"), exit 2,
    not click's framed box of usage; a group given alone still shows its help."""
    from typer.testing import CliRunner

    from simak.cli import app

    cases = {
        ("queue", "--bogus"): "error: No such option: --bogus; see `simak queue --help`",
        ("followup", "show", "abc"): "error: Invalid value for 'ID': 'abc' is not a valid int",
        ("followup", "show"): "error: Missing argument 'ID'; see `simak followup show --help`",
        ("ideas", "bogus"): "error: No such command 'bogus'; see `simak ideas --help`",
        ("--log-format", "xml", "queue"): "error: Invalid value for '--log-format': 'xml'",
    }
    runner = CliRunner()
    for args, expected in cases.items():
        result = runner.invoke(app, list(args))
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith(expected), (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "╭" not in result.stderr
    as_json = runner.invoke(app, ["--log-format", "json", "queue", "--bogus"])
    assert as_json.exit_code == 2 and '"level": "error"' in as_json.stderr
    assert "(exit 2)" in as_json.stderr
    alone = runner.invoke(app, ["followup"])
    assert "Usage: simak followup" in alone.output and "error" not in alone.output


def test_version_names_simak_and_its_default_model() -> None:
    from typer.testing import CliRunner

    from classifier.embedded.classifier import DEFAULT_VERSION
    from simak.cli import app

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("simak ") and f"embedded/{DEFAULT_VERSION}" in result.stdout
