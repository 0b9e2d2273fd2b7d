"""Observability: `/healthz` and Prometheus `/metrics` on the console and on `simak worker
--metrics-port` (parsed by prometheus_client's own parser), and `--log-format json` (one
JSON object per stderr line, no traceback, no secret)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from simak.app import App
from simak.config import load_settings
from simak.web.server import build
from tests.core.conftest import Project
from tests.core.races import no_traceback
from tests.fakes.server import free_port


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def _app(project: Project) -> App:
    settings = load_settings(project.config, {})
    return App(settings=settings, config_path=project.config, env={})


def test_console_serves_health_and_metrics_without_sign_in(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    client = TestClient(build(_app(project), "s" * 32))
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["ok"] is True
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    samples = _samples(metrics.text)
    stats = project.json("stats")
    for status, n in stats["mentions_by_status"].items():
        assert samples[("simak_mentions", (("status", status),))] == n
    assert samples[("simak_classifications", (("label", "complaint"),))] >= 1
    assert samples[("simak_queue_depth", ())] >= 1
    assert samples[("simak_oldest_open_complaint_age_seconds", ())] > 0
    assert samples[("simak_source_consecutive_failures", (("source", "export"),))] == 0
    assert "Budi" not in metrics.text and "refund" not in metrics.text  # counts only
    assert client.get("/queue", follow_redirects=False).status_code == 303  # the rest: sign in


def test_metrics_count_polls_per_source_and_outcome(project: Project) -> None:
    """The issue's "polls": a counter per source and outcome, and the last success."""
    assert project.run("poll").exit_code == 0
    (project.root / "feed.xml").write_bytes(b"\x00 not a feed")
    assert project.run("poll").exit_code == 1
    text = TestClient(build(_app(project), "s" * 32)).get("/metrics").text
    assert "# TYPE simak_source_polls_total counter" in text
    samples = _samples(text)

    def polls(source: str, outcome: str) -> float:
        return samples[("simak_source_polls_total", (("outcome", outcome), ("source", source)))]

    assert (polls("export", "ok"), polls("export", "failed")) == (2, 0)
    assert (polls("blog", "ok"), polls("blog", "failed"), polls("blog", "rate_limited")) == (
        1,
        1,
        0,
    )
    last = ("simak_source_last_success_timestamp_seconds", (("source", "blog"),))
    assert samples[last] > 1.7e9


def test_metrics_leave_out_sources_the_config_no_longer_polls(project: Project) -> None:
    """A source renamed (or removed, or disabled) in the config: before, /metrics kept its
    last poll time forever, so a "last poll more than an hour ago" alert never stopped."""
    assert project.run("poll").exit_code == 0
    cfg = project.config.read_text("utf-8")
    assert "name: export" in cfg
    project.config.write_text(cfg.replace("name: export", "name: export-renamed"), "utf-8")
    assert project.run("poll").exit_code == 0
    samples = _samples(TestClient(build(_app(project), "s" * 32)).get("/metrics").text)
    sources = {
        dict(labels)["source"]
        for (name, labels) in samples
        if name == "simak_source_last_poll_timestamp_seconds"
    }
    assert sources == {"export-renamed", "blog"}, sources


def test_metrics_say_which_sources_fail_since_when_and_the_next_try(project: Project) -> None:
    """A source failing on every poll backs off: /metrics says it fails (1/0), since when,
    and when a worker tries it next, the same times as `simak sources`."""
    from datetime import UTC, datetime, timedelta

    from storage.sources import RunOutcome, record_run

    every = timedelta(minutes=5)  # workers.poll_every's default
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    failed = RunOutcome(0, 0, 0, 0, "source 'export': no readable file at 'mentions.jsonl'")
    with project.db().session() as session:
        record_run(session, "blog", "feed", RunOutcome(1, 1, 0, 0, None), start)
        record_run(session, "export", "file", RunOutcome(5, 5, 0, 0, None), start)
        for k in range(1, 4):  # 3 failures: +10, +20, +30 min → next try at +50 min
            record_run(session, "export", "file", failed, start + k * 2 * every)
    shown = {h["name"]: h for h in project.json("sources")}["export"]
    samples = _samples(TestClient(build(_app(project), "s" * 32)).get("/metrics").text)

    def gauge(name: str, source: str) -> float:
        return samples[(f"simak_source_{name}", (("source", source),))]

    assert (gauge("failing", "export"), gauge("failing", "blog")) == (1, 0)
    since, next_try = start + 2 * every, start + 10 * every
    assert gauge("failing_since_timestamp_seconds", "export") == since.timestamp()
    assert gauge("next_try_timestamp_seconds", "export") == next_try.timestamp()
    assert shown["failing_since"] == since.isoformat()
    assert shown["next_try_at"] == next_try.isoformat()
    assert gauge("failing_since_timestamp_seconds", "blog") == 0
    assert gauge("next_try_timestamp_seconds", "blog") == 0


def test_health_fails_when_the_database_is_gone(project: Project, tmp_path: Path) -> None:
    app = _app(project)
    client = TestClient(build(app, "s" * 32))
    assert client.get("/healthz").status_code == 200
    app.db.engine.dispose()
    if project.db_url.startswith("sqlite"):
        Path(project.db_url.removeprefix("sqlite:///")).unlink()
        Path(project.db_url.removeprefix("sqlite:///")).mkdir()  # not a database any more
    else:
        from tests.conftest import drop_pg_database

        drop_pg_database(project.db_url)
    broken = client.get("/healthz")
    assert broken.status_code == 503 and broken.json()["ok"] is False
    assert "\n" not in broken.json()["detail"] and "Traceback" not in broken.text
    metrics = client.get("/metrics")  # was a 400 text page: a scrape is not a bad request
    assert metrics.status_code == 503 and metrics.text.startswith("metrics unavailable: ")
    assert metrics.text.count("\n") == 1 and "Traceback" not in metrics.text


def test_worker_serves_metrics_and_logs_json(project: Project) -> None:
    port = free_port()
    (project.root / "feed.xml").unlink()  # one source fails
    cmd = [sys.executable, "-m", "simak", "--config", str(project.config), "--log-format",
           "json", "worker", "--metrics-port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        body = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
                mentions = {k[1]: v for k, v in _samples(body).items() if k[0] == "simak_mentions"}
                if sum(mentions.values()) >= 5 and mentions[(("status", "new"),)] == 0:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        samples = _samples(body)
        assert sum(v for (name, _), v in samples.items() if name == "simak_mentions") >= 5
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.status_code == 200 and health.json()["ok"] is True
        assert httpx.get(f"http://127.0.0.1:{port}/nope", timeout=5).status_code == 404
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and no_traceback(out, err), err
    lines = [json.loads(line) for line in err.splitlines()]  # every line is one JSON object
    assert {"ts", "level", "logger", "msg"} <= set(lines[0])
    assert any("blog" in line["msg"] for line in lines)  # the failing source, in one line


def test_metrics_keep_timestamps_to_the_second() -> None:
    from datetime import UTC, datetime

    from simak.usecases.observe import render
    from storage.metrics import Snapshot, SourceGauge

    polled = datetime(2026, 12, 5, 4, 55, 43, 250000, tzinfo=UTC)
    source = SourceGauge("export", "file", polled, 0, 66)
    snap = Snapshot({"new": 0}, {}, {}, {}, None, [source])
    samples = _samples(render(snap, polled))
    key = ("simak_source_last_poll_timestamp_seconds", (("source", "export"),))
    assert samples[key] == polled.timestamp()  # not 1.79645e+09, a day's precision
    assert samples[("simak_source_stored_last_poll", (("source", "export"),))] == 66


def test_the_worker_probe_answers_with_a_query_string_too(project: Project) -> None:
    """Before: `/metrics?x=1` (a scrape config's `params:`) was a 404 on the worker's
    probe server, while the console answered it."""
    from simak.web.probe import serve_in_background

    server = serve_in_background(_app(project), "127.0.0.1", free_port())
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        metrics = httpx.get(f"{base}/metrics?module=simak", timeout=5)
        assert metrics.status_code == 200 and "simak_queue_depth" in metrics.text
        assert httpx.get(f"{base}/healthz?probe=1", timeout=5).status_code == 200
        assert httpx.get(f"{base}/nope?x=1", timeout=5).status_code == 404
    finally:
        server.shutdown()


def test_json_logs_carry_the_model_build_notice(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the first classification's "building the embedded classifier model…" notice
    was a bare text line among `--log-format json` lines, which a log shipper rejects."""
    from simak.usecases.worker import CycleReport

    def cycle(app: App, **_: object) -> CycleReport:
        app.progress("building the embedded classifier model v1 in /cache (first use only)")
        return CycleReport()

    monkeypatch.setattr(sys.modules["simak.cli.worker"], "run_worker", cycle)
    result = project.run("--log-format", "json", "worker", "--once")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [line["msg"] for line in lines][:-1] == [
        "building the embedded classifier model v1 in /cache (first use only)"
    ]
    assert lines[-1]["msg"].startswith("polled 0 source(s)")  # the totals, a JSON line too


def test_a_fatal_error_is_a_json_log_line_too(project: Project) -> None:
    """Before: a bad config or an unreachable database stopped `--log-format json` runs
    with a plain "error: …" line, which a log shipper rejects."""
    body = project.config.read_text("utf-8").replace(
        "storage:", "workers: {poll_every: 5x}\nstorage:"
    )
    project.config.write_text(body, "utf-8")

    result = project.run("--log-format", "json", "worker", "--once")

    assert result.exit_code == 2, result.output
    (line,) = [json.loads(text) for text in result.stderr.splitlines()]
    assert line["level"] == "error" and "poll_every" in line["msg"]
    assert line["msg"].endswith("(exit 2)")


def test_without_json_logs_a_fatal_error_stays_one_plain_line(project: Project) -> None:
    body = project.config.read_text("utf-8").replace(
        "storage:", "workers: {poll_every: 5x}\nstorage:"
    )
    project.config.write_text(body, "utf-8")

    result = project.run("worker", "--once")

    assert result.exit_code == 2 and result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", [("worker", "--once"), ("run",)])
def test_a_typo_in_a_sources_options_stops_a_worker_at_start(
    project: Project, command: tuple[str, ...]
) -> None:
    """Source options are read when the source is built. Before: `worker --once` logged
    the typo as a failed source and exited 1 (a long-running worker or `run` failed that
    source on every cycle); `simak poll` already stopped with exit 2."""
    body = project.config.read_text("utf-8").replace("{path: mentions.jsonl}", "{pth: x}")
    project.config.write_text(body, "utf-8")

    result = project.run(*command)

    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "sources[0].options" in line and "pth" in line
    assert result.stdout == ""


def test_a_failing_command_hides_the_configs_secrets_in_its_error_line(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the CLI's last line of defence looked for a typer.Context, but Typer hands
    commands its click Context, so only URL passwords were hidden, not ${ENV} values."""
    from common.errors import SourceError

    secret = "hunter2-very-secret-token"
    monkeypatch.setenv("SIMAK_TEST_TOKEN", secret)
    body = project.config.read_text("utf-8").replace(
        "signer: Dina", 'signer: "${SIMAK_TEST_TOKEN}"'
    )
    project.config.write_text(body, "utf-8")

    def broken(app: App, **_: object) -> None:
        raise SourceError(f"the API said: bad token {secret}")

    monkeypatch.setattr(sys.modules["simak.cli.worker"], "run_worker", broken)
    result = project.run("worker", "--once")

    assert result.exit_code == 1, result.output
    assert secret not in result.output and "bad token ***" in result.stderr


def test_poll_with_json_logs_writes_its_stderr_as_json_and_its_table_as_before(
    project: Project,
) -> None:
    """Before: `--log-format json poll` wrote its warnings and failures as text lines."""
    (project.root / "feed.xml").unlink()  # one source fails
    with (project.root / "mentions.jsonl").open("a", encoding="utf-8") as f:
        f.write("not json\n")  # one warning

    result = project.run("--log-format", "json", "poll")

    assert result.exit_code == 1 and no_traceback(result.output)
    lines = [json.loads(line) for line in result.stderr.splitlines()]  # each one object
    assert [line["level"] for line in lines] == ["warning", "error"], lines
    assert "not valid JSON" in lines[0]["msg"] and lines[1]["msg"].startswith("blog: ")
    assert "Poll summary" in result.stdout and "classified " in result.stdout  # unchanged
    text = project.run("poll").stderr  # without the option: text, as before
    assert text.startswith("failed: blog: ") and "{" not in text


def test_serve_with_json_logs_writes_uvicorns_lines_as_json(project: Project) -> None:
    """Before: `--log-format json serve` wrote uvicorn's startup and access lines as text."""
    port = free_port()
    cmd = [sys.executable, "-m", "simak", "--config", str(project.config), "--log-format",
           "json", "serve", "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    # uvicorn shuts down cleanly, then re-raises the SIGTERM it caught (systemd: success)
    assert proc.returncode in (0, -signal.SIGTERM) and no_traceback(out, err), err
    lines = [json.loads(line) for line in err.splitlines()]  # every line is one JSON object
    assert lines[0]["level"] == "warning" and "SIMAK_WEB_SECRET" in lines[0]["msg"]
    loggers = {line["logger"] for line in lines}
    assert {"uvicorn.error", "uvicorn.access"} <= loggers, lines
    assert any('"GET /healthz HTTP/1.1" 200' in line["msg"] for line in lines)
