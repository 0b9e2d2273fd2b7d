"""`simak worker`, `simak run` and `simak workers status`: the background side.

With the builtin engine (the default; SQLite or PostgreSQL) a worker loops over the use
cases and any number of them share the work through the database. With
``workers.engine: procrastinate`` (PostgreSQL) `simak worker` runs procrastinate workers
on Simak's tasks."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import asdict
from datetime import tzinfo
from types import FrameType

import typer

from common.errors import EXIT_ALL_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_UNAVAILABLE, UsageError
from simak.app import App
from simak.cli.common import handle_errors, print_json, print_line, state, stdout
from simak.cli.logs import LineLog
from simak.cli.render import local, plain
from simak.usecases.engine import EngineStatus, engine_status, worker_queues
from simak.usecases.poll import check_sources
from simak.usecases.worker import CycleReport, run_worker
from simak.web.probe import serve_in_background

workers_app = typer.Typer(
    rich_markup_mode="markdown", help="The task engine's workers: status.", no_args_is_help=True
)


LIBRARY_LOGGERS = ("procrastinate", "psycopg")
"""Libraries whose log lines a procrastinate worker writes as its own (one line each, JSON
with --log-format json): psycopg's pool says so when the database goes away."""


@contextlib.contextmanager
def _stop_on_signals(log: LineLog) -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT: the worker ends its current step and exits 0,
    saying so at once (a slow platform can take a minute); a second signal stops it now
    (exit 130; the step's uncommitted work is rolled back, as after a kill). The handlers
    that were there before come back when the worker ends (the CLI may run in a process
    that outlives it: a test run, an embedding program)."""
    event = threading.Event()
    said: list[str] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if event.is_set():
            raise KeyboardInterrupt
        said.append(signal.Signals(signum).name)
        event.set()

    def tell() -> None:  # a thread: a handler writing to stderr could interrupt a write
        event.wait()
        if said:
            log(f"{said[0]}: stopping after the current step (send it again to stop now)")

    teller = threading.Thread(target=tell, name="simak-stop", daemon=True)
    teller.start()
    before = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield event
    finally:
        for sig, previous in before.items():
            signal.signal(sig, previous)
        event.set()  # ends the thread above (it says nothing when no signal came)
        teller.join()  # its line is out before the totals (an idle worker exits at once)


def _summary(report: CycleReport) -> str:
    return (
        f"polled {report.polled} source(s), stored {report.stored}"
        + (f" (skipped {report.erased} erased post(s))" if report.erased else "")
        + f", classified {report.classified}, routed {report.routed}, sent {report.sent}"
        + (f", handed to staff {report.handed}" if report.handed else "")
        + f", digests {report.digests}, alerts {report.alerts}, failures {len(report.failures)}"
    )


@handle_errors
def worker(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="One cycle, then exit (builtin engine)."),
    concurrency: int | None = typer.Option(
        None, "--concurrency", min=1, max=64, help="procrastinate: jobs run at once."
    ),
    queues: str | None = typer.Option(
        None, "--queues", help="procrastinate: only these queues (poll,classify,send,team,…)."
    ),
    metrics_port: int | None = typer.Option(
        None,
        "--metrics-port",
        min=1,
        max=65535,
        help="Serve /healthz and /metrics (Prometheus) on this port.",
    ),
    metrics_host: str = typer.Option(
        "127.0.0.1", "--metrics-host", help="Address for --metrics-port."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the totals as JSON at exit (builtin engine)."
    ),
) -> None:
    """Poll each source on its interval, classify and route, send approved follow-ups, send
    the digest from `digest.hour` and alert on complaint spikes — the same use cases as the
    commands. Run several (PostgreSQL: on several machines) and they share the work; SIGTERM
    ends the current step and exits 0; a killed worker's work is taken over. Each failure is
    one line on stderr; with --once exit 1 when something failed, 5 when every source
    polled failed. With
    `workers.engine: procrastinate` this runs a procrastinate worker instead."""
    cli = state(ctx)
    app = cli.app()
    engine = app.settings.workers.engine
    if engine == "procrastinate":
        _builtin_only(once=once, as_json=as_json)
    check_sources(app)
    log = _line_log(cli.log_format, app)
    if metrics_port is not None:
        _probe(app, log, metrics_host, metrics_port)
    if engine == "procrastinate":
        from simak.tasks.engine import run as run_engine  # needs the `postgres` extra

        app.jobs  # noqa: B018 - ConfigError now (not PostgreSQL) rather than in a job
        names = worker_queues(queues)
        for name in LIBRARY_LOGGERS:
            log.capture(name)
        log(f"procrastinate worker started (queues: {','.join(names) if names else 'all'})")
        run_engine(app, log, queues=names,
                   concurrency=concurrency or app.settings.workers.concurrency)  # fmt: skip
        log("procrastinate worker stopped")
        raise typer.Exit(EXIT_OK)
    if concurrency is not None or queues is not None:
        raise UsageError(
            "--concurrency and --queues need `workers: {engine: procrastinate}`; with the "
            "builtin engine, start more `simak worker` processes"
        )
    _builtin(app, log, once=once, as_json=as_json)


def _builtin_only(*, once: bool, as_json: bool) -> None:
    """Refuse the builtin loop's options on a procrastinate worker, before it starts."""
    if once:
        raise UsageError(
            "--once is for the builtin engine; procrastinate workers run until SIGTERM "
            "(use `simak poll --enqueue` to defer one round)"
        )
    if as_json:
        raise UsageError(
            "--json prints the builtin engine's totals; a procrastinate worker keeps none "
            "(use `simak workers status --json` for its jobs, --log-format json for its log)"
        )


def _line_log(fmt: str, app: App) -> LineLog:
    """The worker's log; the model's first-use build notice goes through it too (one JSON
    object per line with --log-format json, not a bare text line among them)."""
    log = LineLog(fmt, app.redact)
    app.progress = log
    return log


def _builtin(app: App, log: LineLog, *, once: bool, as_json: bool) -> None:
    with _stop_on_signals(log) as event:

        def sleep(seconds: float) -> None:
            event.wait(seconds)

        report = run_worker(app, once=once, stop=event.is_set, sleep=sleep, log=log)
    if as_json:
        print_json(asdict(report) | {"all_sources_failed": report.all_sources_failed}, app.redact)
    elif log.fmt == "json":  # every line JSON: the totals are the last log line
        log(_summary(report))
    else:
        print_line(_summary(report))
    raise typer.Exit(_once_code(report) if once else EXIT_OK)


def _once_code(report: CycleReport) -> int:
    """0; 4 when every step failed on an unusable database or model; 5 when every source
    polled failed; else 1 on a failure."""
    if report.failures and report.unavailable == len(report.failures):
        return EXIT_UNAVAILABLE
    if report.all_sources_failed:
        return EXIT_ALL_FAILED
    return EXIT_PARTIAL if report.failures else EXIT_OK


def _probe(app: App, log: LineLog, host: str, port: int) -> None:
    try:
        serve_in_background(app, host, port)
    except OSError as exc:
        raise UsageError(f"cannot serve /metrics on {host}:{port}: {exc.strerror}; "
                         "choose another --metrics-port") from None  # fmt: skip
    log(f"serving /healthz and /metrics on http://{host}:{port}")


@handle_errors
def run(
    ctx: typer.Context,
    metrics_port: int | None = typer.Option(
        None,
        "--metrics-port",
        min=1,
        max=65535,
        help="Serve /healthz and /metrics (Prometheus) on this port.",
    ),
    metrics_host: str = typer.Option(
        "127.0.0.1", "--metrics-host", help="Address for --metrics-port."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the totals as JSON at exit."),
) -> None:
    """The scheduler for one machine: polls each source on its interval
    (`workers.poll_every`, or `poll_every` on a source), classifies, sends approved
    follow-ups, the digest and spike alerts, until SIGTERM — keep `simak reminders` and
    `simak purge` (retention) in cron, it runs neither. Reads the config once at start:
    restart it after an edit. The builtin worker loop; safe beside cron jobs and other runs
    (leases and claims live in the database). With `workers.engine: procrastinate` it
    refuses (exit 2): run `simak worker` instead."""
    cli = state(ctx)
    app = cli.app()
    if app.settings.workers.engine == "procrastinate":
        raise UsageError(
            "`simak run` is the builtin engine's scheduler; with `workers.engine: "
            "procrastinate` start `simak worker` processes instead (or set `engine: builtin`)"
        )
    check_sources(app)
    log = _line_log(cli.log_format, app)
    if metrics_port is not None:
        _probe(app, log, metrics_host, metrics_port)
    _builtin(app, log, once=False, as_json=as_json)


@workers_app.command("status")
@handle_errors
def status(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Jobs by queue and state, and stalled jobs (their worker stopped sending heartbeats):
    procrastinate engine only."""
    app = state(ctx).app()
    result = engine_status(app)
    if as_json:
        print_json(_as_json(result), app.redact)
        return
    _print_status(result, app.settings.zone)


def _as_json(result: EngineStatus) -> dict[str, object]:
    queues: dict[str, dict[str, int]] = {}
    for c in result.counts:
        queues.setdefault(c.queue, {})[c.status] = c.jobs
    return {
        "workers_alive": result.workers,
        "jobs_by_state": result.by_state(),
        "queues": queues,
        "stalled": [asdict(s) for s in result.stalled],
    }


def _alive_line(result: EngineStatus) -> str:
    """How many workers are alive; with none, that waiting jobs wait for one."""
    if result.workers:
        return f"{result.workers} worker(s) running"
    waiting = result.by_state().get("todo", 0)
    if waiting:
        return f"no worker is running: {waiting} waiting job(s) need `simak worker`"
    return "no worker is running"


def _print_status(result: EngineStatus, zone: tzinfo) -> None:
    """The table, then each stalled job with its start to the minute in the business's
    time zone (as every other table; --json keeps the ISO instant)."""
    from rich.table import Table

    states = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")
    table = Table("queue", *states, title="procrastinate jobs")
    data = _as_json(result)["queues"]
    assert isinstance(data, dict)
    for queue, by in sorted(data.items()):
        table.add_row(plain(queue), *(str(by.get(s, 0)) for s in states))
    out = stdout()
    out.print(table)
    out.print(plain(_alive_line(result)))
    out.print(plain(f"{len(result.stalled)} stalled job(s)"))
    for job in result.stalled:
        started = local(job.started_at, zone) or "at an unknown time"
        out.print(plain(f"  job {job.id} {job.task} ({job.queue}) started {started}"))
