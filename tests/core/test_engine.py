"""The procrastinate engine (``workers.engine: procrastinate``, PostgreSQL): `simak poll
--enqueue` defers one poll job per source, `simak worker` processes run them, and every
mention is classified once, every follow-up created once, every approved delivery sent
once — also when a worker is SIGKILLed mid-classification and another mid-delivery, and
restarted. ``SIMAK_ENGINE_TEST_N`` sets the size (the acceptance figure is 10,000)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text

from storage.db import _alembic_config, open_database
from tests.conftest import drop_pg_database, new_pg_database
from tests.core.races import no_traceback, run
from tests.core.test_workers import SOURCES, _counts, _project, _wait
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.fixtures import FAKE_ENV, WEBHOOK_SECRET
from tests.fakes.webhook import WebhookReceiver

N = int(os.environ.get("SIMAK_ENGINE_TEST_N", "2000"))


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database (procrastinate is PostgreSQL only)."""
    url = new_pg_database(request.getfixturevalue("pg_template"))
    try:
        yield url
    finally:
        drop_pg_database(url)


def _engine_project(root: Path, db_url: str, receiver: WebhookReceiver, n: int) -> Path:
    path = _project(root, db_url, receiver, n)
    config = yaml.safe_load(path.read_text("utf-8"))
    config["workers"] = {"engine": "procrastinate", "poll_every": "1h", "stalled_after": "15s"}
    path.write_text(yaml.safe_dump(config), "utf-8")
    return path


class Worker:
    """A `simak worker` process whose log goes to a file (a pipe could fill up)."""

    def __init__(self, config: Path, log: Path, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("SIMAK_DATABASE_URL",)}
        env.update(FAKE_ENV)
        self.log = log
        self._file = log.open("a", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "simak", "--config", str(config), "worker", *args],
            cwd="/", env=env, stdout=self._file, stderr=self._file, text=True,
        )  # fmt: skip

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)
        self._file.close()

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=120)
        self._file.close()
        return code


def _jobs(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT task_name, count(*) FROM procrastinate_jobs GROUP BY 1"))
        out = {name: int(n) for name, n in rows}
    engine.dispose()
    return out


def _recovered(config: Path, timeout: float = 240) -> dict[str, Any]:
    """`simak workers status --json` once no job is stalled (the recovery task runs every
    minute and waits for a silent worker's heartbeat to age)."""
    deadline = time.monotonic() + timeout
    while True:
        code, out, err = run(config, "workers", "status", "--json")
        assert code == 0, err
        status: dict[str, Any] = json.loads(out)
        if not status["stalled"] or time.monotonic() > deadline:
            assert status["stalled"] == [], status
            return status
        time.sleep(5)


@pytest.mark.timeout(2400)
def test_procrastinate_workers_process_every_mention_once_across_kills(
    pg_url: str, tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    config = _engine_project(tmp_path / "p", pg_url, webhook_receiver, N)
    code, out, err = run(config, "poll", "--enqueue", "--json")
    assert code == 0 and len(json.loads(out)["deferred"]) == SOURCES, err
    code, out, err = run(config, "poll", "--enqueue", "--json")  # already waiting: not twice
    assert code == 0 and len(json.loads(out)["waiting"]) == SOURCES, err
    started = time.monotonic()
    logs = tmp_path / "logs"
    logs.mkdir()
    workers = [Worker(config, logs / f"w{i}.log", "--concurrency", "2") for i in range(2)]
    for victim, reached in (
        (0, lambda c: c["classified"] >= N // 3),
        (1, lambda c: c["sent"] >= N // 20),
    ):
        _wait(pg_url, reached, timeout=1500)
        workers[victim].kill()
        workers[victim] = Worker(config, logs / f"w{victim}-again.log", "--concurrency", "2")
    counts = _wait(
        pg_url, lambda c: c["new"] == 0 and c["sent"] == N // 2 and c["mentions"] == N, 1500
    )
    elapsed = time.monotonic() - started
    status = _recovered(config)  # the killed workers' jobs: taken over by the recovery task
    codes = [w.stop() for w in workers]
    text_logs = "".join(p.read_text("utf-8") for p in sorted(logs.iterdir()))
    assert codes == [0, 0] and no_traceback(text_logs), text_logs[-3000:]
    print(f"\n{N} mentions by 2 procrastinate workers, two SIGKILLs: {elapsed:.1f} s")
    assert counts["mentions"] == N and counts["new"] == 0
    assert counts["classifications"] == counts["classified"] == N  # each exactly once
    assert counts["followups"] == counts["linked"] == counts["linked_mentions"] == N
    assert counts["complaints"] == N // 2 == counts["sent"] and counts["pending_send"] == 0
    per = webhook_receiver.per_recipient()
    assert len(per) == N // 2 and set(per.values()) == {1}  # each person answered once
    assert len(webhook_receiver.deliveries) == N // 2
    jobs = _jobs(pg_url)
    assert jobs["simak.poll"] >= SOURCES and jobs["simak.classify"] >= 1
    assert 1 <= jobs["simak.deliver"] < N // 2  # one job per sending account, not per message
    assert sum(status["jobs_by_state"].values()) == sum(jobs.values())
    assert status["jobs_by_state"]["succeeded"] >= SOURCES + 1
    assert status["jobs_by_state"].get("failed", 0) <= 4  # at most the killed workers' jobs


def test_engine_needs_postgresql(tmp_path: Path, webhook_receiver: WebhookReceiver) -> None:
    config = _engine_project(tmp_path / "p", f"sqlite:///{tmp_path / 's.db'}", webhook_receiver, 8)
    for args in (("poll", "--enqueue"), ("workers", "status"), ("worker",)):
        code, out, err = run(config, *args)
        assert code == 2 and no_traceback(out, err), (args, err)
        assert "PostgreSQL" in err and len(err.strip().splitlines()) == 1


def test_builtin_only_commands_and_options_refuse_the_procrastinate_engine(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """`simak run` would silently run the builtin loop beside procrastinate workers, and a
    procrastinate worker has no totals for --json: each is one usage line, exit 2."""
    config = _engine_project(tmp_path / "p", f"sqlite:///{tmp_path / 's.db'}", webhook_receiver, 8)
    for args, says in (
        (("run",), "start `simak worker` processes instead"),
        (("run", "--json"), "start `simak worker` processes instead"),
        (("worker", "--json"), "use `simak workers status --json`"),
        (("worker", "--once"), "--once is for the builtin engine"),
    ):
        code, out, err = run(config, *args)
        assert code == 2 and no_traceback(out, err) and out == "", (args, err)
        assert len(err.strip().splitlines()) == 1 and says in err, (args, err)


def test_workers_status_shows_a_stalled_jobs_start_in_the_business_zone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """To the minute with the zone's name, as every other table; --json keeps ISO."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from simak.cli.worker import _as_json, _print_status
    from simak.usecases.engine import EngineStatus
    from storage.engine_jobs import StalledJob

    started = datetime(2026, 12, 5, 1, 30, 12, 345678, tzinfo=UTC)
    result = EngineStatus([], [StalledJob(7, "deliver", "send", started)])
    _print_status(result, ZoneInfo("Asia/Jakarta"))
    out = capsys.readouterr().out
    assert "  job 7 deliver (send) started 2026-12-05 08:30 WIB" in out, out
    assert "no worker is running" in out, out
    assert "345678" not in out and ":12" not in out
    assert _as_json(result)["stalled"] == [
        {"id": 7, "task": "deliver", "queue": "send", "started_at": started}
    ]  # print_json writes it as ISO


def test_builtin_engine_refuses_engine_options(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    config = _project(tmp_path / "p", f"sqlite:///{tmp_path / 's.db'}", webhook_receiver, 8)
    code, out, err = run(config, "worker", "--concurrency", "2")
    assert code == 2 and "procrastinate" in err and no_traceback(out, err)
    code, out, err = run(config, "poll", "--enqueue")
    assert code == 2 and "procrastinate" in err and no_traceback(out, err)


def test_a_typo_in_worker_queues_is_refused_not_a_worker_that_waits_forever(
    tmp_path: Path, pg_url: str, webhook_receiver: WebhookReceiver
) -> None:
    config = _engine_project(tmp_path / "p", pg_url, webhook_receiver, 8)
    code, out, err = run(config, "worker", "--queues", "send,sned", timeout=60)
    assert code == 2 and no_traceback(out, err), err
    assert err.strip().splitlines() == [
        "error: --queues: no queue named 'sned'; use some of poll, classify, send, team, "
        "maintenance"
    ]


def test_the_connection_pool_losing_the_database_logs_json_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """psycopg's pool reports a lost database in two text lines (a tab-indented hint); a
    worker with --log-format json writes it as one JSON object like its own lines."""
    import logging

    from simak.cli.logs import LineLog
    from simak.cli.worker import LIBRARY_LOGGERS

    log = LineLog("json", str)
    for name in LIBRARY_LOGGERS:
        log.capture(name)
    logging.getLogger("psycopg.pool").warning(
        "error connecting in 'pool-1': connection failed\n\tIs the server running?"
    )
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    entry = json.loads(lines[0])
    assert entry["level"] == "warning" and entry["logger"] == "psycopg.pool"
    assert entry["msg"] == "error connecting in 'pool-1': connection failed Is the server running?"


def test_a_worker_that_loses_its_database_exits_4_in_one_line(
    tmp_path: Path,
    pg_url: str,
    webhook_receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """procrastinate stops its worker when the database goes away (its listener fails):
    that is exit 4, the database could not be used, not an internal error (3)."""
    from procrastinate.exceptions import ConnectorException
    from typer.testing import CliRunner

    from simak.cli import app

    def lost(*args: object, **kwargs: object) -> None:
        raise ConnectorException("\n    Database error.\n    ")

    monkeypatch.setattr("procrastinate.App.run_worker", lost)
    for key, value in FAKE_ENV.items():
        monkeypatch.setenv(key, value)
    config = _engine_project(tmp_path / "p", pg_url, webhook_receiver, 8)
    result = CliRunner().invoke(app, ["--config", str(config), "worker"])
    assert result.exit_code == 4, result.output
    assert result.stderr.strip().splitlines()[-1] == (
        "error: the worker lost its database (Database error.); check that PostgreSQL is "
        "running and storage.url is right, then start it again"
    )


def test_migration_applies_and_removes_the_engine_schema(pg_url: str) -> None:
    from alembic import command

    db = open_database(pg_url)
    tables_sql = "SELECT tablename FROM pg_tables WHERE tablename LIKE 'procrastinate%'"
    with db.engine.connect() as conn:
        tables = set(conn.execute(text(tables_sql)).scalars())
    assert {"procrastinate_jobs", "procrastinate_workers", "procrastinate_events"} <= tables
    with db.engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010_console")
        functions = "SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%'"
        assert conn.execute(text(functions)).scalar_one() == 0
        assert not conn.execute(text(tables_sql)).scalars().all()
        command.upgrade(cfg, "head")
    db.engine.dispose()


def test_vendored_schema_is_the_pinned_procrastinate_schema() -> None:
    from procrastinate.schema import SchemaManager

    root = Path(__file__).resolve().parents[2]
    vendored = (root / "storage/migrations/sql/procrastinate-3.10.0.sql").read_text("utf-8")
    assert SchemaManager.get_schema() == vendored


def test_a_worker_on_an_empty_database_creates_the_schema_and_works(
    request: pytest.FixtureRequest, tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    request.getfixturevalue("pg_template")  # the server is up
    url = new_pg_database("template0")  # no schema at all: the worker comes first
    try:
        config = _engine_project(tmp_path / "p", url, webhook_receiver, 40)
        worker = Worker(config, tmp_path / "w.log")
        counts = _wait_for_schema(url, worker)
        code, out, err = run(config, "poll", "--enqueue", "--json")
        assert code == 0 and len(json.loads(out)["deferred"]) == SOURCES, err
        counts = _wait(url, lambda c: c["mentions"] == 40 and c["sent"] == 20, 300)
        code, out, err = run(config, "workers", "status", "--json")
        assert code == 0 and json.loads(out)["workers_alive"] == 1, err
        assert worker.stop() == 0, worker.log.read_text("utf-8")
        assert counts["classified"] == 40 and counts["sent"] == 20
        # Before: status had no word on workers, so a poll --enqueue to an empty pool
        # looked like jobs that were merely slow.
        code, out, err = run(config, "poll", "--enqueue", "--json")
        assert code == 0, err
        code, out, err = run(config, "workers", "status")
        assert code == 0 and "no worker is running: " in out, out
        assert "waiting job(s) need `simak worker`" in out, out
        assert no_traceback(worker.log.read_text("utf-8"))
    finally:
        drop_pg_database(url)


def _wait_for_schema(url: str, worker: Worker, timeout: float = 120) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert worker.proc.poll() is None, worker.log.read_text("utf-8")
        try:
            if _jobs(url) is not None:
                return _counts(url)
        except Exception:  # the schema is not there yet
            time.sleep(0.5)
    raise AssertionError("the worker did not create the schema")


class _SlowReceiver(WebhookReceiver):
    """A receiver that takes 0.1 s per message (a helpdesk under load)."""

    def _hook(self, path: str) -> Any:
        time.sleep(0.1)
        return super()._hook(path)


@pytest.mark.timeout(600)
def test_sigterm_ends_a_worker_between_deliveries_and_a_restart_sends_the_rest_once(
    pg_url: str, tmp_path: Path
) -> None:
    """SIGTERM ends the current step, not the whole backlog: a delivery job stops after
    the message in hand (it used to send every approved follow-up of the account first —
    minutes with a slow receiver, past systemd's stop timeout and into a SIGKILL)."""
    with _SlowReceiver(WEBHOOK_SECRET) as receiver:
        config = _engine_project(tmp_path / "p", pg_url, receiver, 400)  # 200 to send
        assert run(config, "poll", "--enqueue")[0] == 0
        worker = Worker(config, tmp_path / "w.log")
        _wait(pg_url, lambda c: c["sent"] >= 10, 300)
        asked = time.monotonic()
        assert worker.stop() == 0, worker.log.read_text("utf-8")
        took = time.monotonic() - asked
        stopped = _counts(pg_url)
        assert took < 8 and stopped["sent"] < 150, (took, stopped)  # the rest: ~20 s
        assert stopped["pending_send"] == 200 - stopped["sent"]  # nothing lost or unknown
        again = Worker(config, tmp_path / "w2.log")
        counts = _wait(pg_url, lambda c: c["sent"] == 200, 300)
        assert again.stop() == 0
        assert counts["pending_send"] == 0 and len(receiver.deliveries) == 200
        assert receiver.duplicates == 0 and set(receiver.per_recipient().values()) == {1}
        logs = worker.log.read_text("utf-8") + again.log.read_text("utf-8")
        assert no_traceback(logs), logs[-3000:]


def test_the_sweep_finds_a_delivery_waiting_for_its_read_back(
    pg_url: str, tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    """A send with no answer waits in flight for its read-back; with nothing else approved
    on its channel, the sweep still defers a delivery job, which reads it back."""
    from simak.app import App
    from simak.config import load_settings
    from simak.usecases.engine import sweep

    config = _engine_project(tmp_path / "p", pg_url, webhook_receiver, 4)
    settings = yaml.safe_load(config.read_text("utf-8"))
    settings["responder"]["channels"]["webhook"].update(timeout_s=0.5, read_back_settle_s=4)
    config.write_text(yaml.safe_dump(settings), "utf-8")
    assert run(config, "poll", extra_env=FAKE_ENV)[0] == 0
    webhook_receiver.hang_next()
    code, out, err = run(config, "send", "--json", extra_env=FAKE_ENV)
    assert code == 0 and json.loads(out)["counts"]["checking"] == 1, out + err
    attempted_by = time.monotonic()
    code, out, err = run(config, "queue", "--status", "approved", "--json")
    for row in json.loads(out):  # the one held back: nothing else approved is left
        assert run(config, "followup", "dismiss", str(row["id"]))[0] == 0
    time.sleep(max(0.0, attempted_by + 4.5 - time.monotonic()))  # due for its read-back
    engine = create_engine(pg_url)
    with engine.begin() as conn:  # the jobs the poll deferred ran (no approved one is left)
        conn.execute(text("UPDATE procrastinate_jobs SET status = 'succeeded'"))
    engine.dispose()

    app = App(settings=load_settings(config, FAKE_ENV), config_path=config, env=FAKE_ENV)
    swept = sweep(app)

    assert swept.channels == ["webhook"]
    assert _jobs(pg_url).get("simak.deliver", 0) >= 1
