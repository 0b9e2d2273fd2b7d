"""Stopping `simak run` while a slow platform holds its poll: the first SIGINT/SIGTERM is
acknowledged at once (the step can take a minute) and a second one stops it now."""

from __future__ import annotations

import json
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.core.conftest import Project
from tests.core.races import demo_project, no_traceback, simak

SLOW = """  - name: slow
    type: feeds
    options: {{urls: ["http://127.0.0.1:{port}/feed.xml"], allow_private_hosts: true}}
classifier:"""


@pytest.fixture
def slow_feed() -> Iterator[tuple[int, threading.Event]]:
    """A feed server that answers nothing until the test ends (at most 20 s); the event is
    set when a request arrived."""
    asked, release = threading.Event(), threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.set()
            release.wait(20)
            self.send_response(503)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], asked
    release.set()
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_a_second_signal_stops_a_slow_poll_at_once(
    tmp_path: Path, slow_feed: tuple[int, threading.Event], sig: signal.Signals
) -> None:
    """Exit 130 for either signal (the README's table says so): the worker's handler
    stops it at once on the second one, SIGTERM as Ctrl-C."""
    port, asked = slow_feed
    config = demo_project(tmp_path / "p", "sqlite:///simak.db")
    config.write_text(
        config.read_text("utf-8").replace("classifier:", SLOW.format(port=port), 1), "utf-8"
    )
    proc = simak(config, "run")
    try:
        assert asked.wait(15), "the run never reached the slow feed"
        proc.send_signal(sig)
        time.sleep(0.5)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=8)  # before: only when the feed answered
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130 and no_traceback(out, err), err
    said = [line for line in err.splitlines() if "stopping after the current step" in line]
    assert len(said) == 1 and sig.name in said[0], err
    with sqlite3.connect(tmp_path / "p" / "simak.db") as db:  # the poll's lease went back
        assert db.execute("SELECT name FROM leases").fetchall() == []
    db.close()


def test_the_worker_gives_the_signal_handlers_back_when_it_ends(project: Project) -> None:
    """The worker's SIGTERM/SIGINT handlers stayed installed after it returned: in a
    process that outlives it (a test run, a program embedding the CLI) the first Ctrl-C
    was swallowed, and a later SIGTERM raised KeyboardInterrupt from the worker's handler."""
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)

    result = project.run("worker", "--once")

    assert result.exit_code in (0, 1, 5), result.output
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_an_idle_worker_says_it_stops_before_it_ends(capsys: pytest.CaptureFixture[str]) -> None:
    """Before: the "SIGTERM: stopping after the current step" line came from a daemon
    thread that nobody waited for, so a worker idle between cycles, which ends at once,
    often exited first and the line the README promises never came. The main thread is
    kept from yielding (a long switch interval), as when it simply runs to its end."""
    from simak.cli.logs import LineLog
    from simak.cli.worker import _stop_on_signals

    interval = sys.getswitchinterval()
    sys.setswitchinterval(60)
    try:
        with _stop_on_signals(LineLog("json", str)) as stopping:
            handler = signal.getsignal(signal.SIGTERM)
            assert callable(handler)
            handler(signal.SIGTERM, None)
            assert stopping.is_set()
        said = capsys.readouterr().err.splitlines()
    finally:
        sys.setswitchinterval(interval)
    assert [json.loads(line)["msg"] for line in said] == [
        "SIGTERM: stopping after the current step (send it again to stop now)"
    ]
