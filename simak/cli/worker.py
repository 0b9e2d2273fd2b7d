"""`simak worker`: poll, classify, route, send, digest and spike alerts in a loop; any
number of them share the work through the database."""

from __future__ import annotations

import signal
import threading
from dataclasses import asdict
from datetime import UTC, datetime
from types import FrameType

import typer

from common.errors import EXIT_OK, EXIT_PARTIAL
from simak.cli.common import handle_errors, print_json, state, stdout, warn
from simak.cli.render import plain
from simak.usecases.worker import CycleReport, run_worker


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: the worker ends its current step and exits."""
    event = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        event.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return event


def _log(line: str) -> None:
    warn(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {line}")


def _summary(report: CycleReport) -> str:
    return (
        f"polled {report.polled} source(s), stored {report.stored}, classified "
        f"{report.classified}, routed {report.routed}, sent {report.sent}, digests "
        f"{report.digests}, alerts {report.alerts}, failures {len(report.failures)}"
    )


@handle_errors
def worker(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="One cycle, then exit (cron, tests)."),
    as_json: bool = typer.Option(False, "--json", help="Print the totals as JSON."),
) -> None:
    """Poll each source on its interval, classify and route, send approved follow-ups, send
    the digest from `digest.hour` and alert on complaint spikes — the same use cases as the
    commands. Run several (PostgreSQL: on several machines) and they share the work; SIGTERM
    ends the current step and exits 0; a killed worker's work is taken over. Each failure is
    one line on stderr; exit 1 with --once when something failed."""
    app = state(ctx).app()
    event = _stop_on_signals()

    def sleep(seconds: float) -> None:
        event.wait(seconds)

    report = run_worker(app, once=once, stop=event.is_set, sleep=sleep, log=_log)
    if as_json:
        print_json(asdict(report), app.redact)
    else:
        stdout().print(plain(_summary(report)))
    raise typer.Exit(EXIT_PARTIAL if once and report.failures else EXIT_OK)
