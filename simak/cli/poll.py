"""`simak poll`: fetch -> store -> classify -> route, safe to run from cron."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from common.errors import EXIT_ALL_FAILED, EXIT_BUSY, EXIT_INTERNAL, EXIT_OK, EXIT_PARTIAL
from simak.app import App
from simak.cli.common import handle_errors, print_json, print_line, state, stderr, stdout, warn
from simak.cli.logs import LineLog
from simak.cli.render import one_line
from simak.cli.rerouted import rerouted_json, rerouted_line
from simak.usecases.engine import enqueue_polls
from simak.usecases.poll import PollReport, SourceReport, source_says
from simak.usecases.poll import poll as run_poll
from simak.usecases.send import unusable_for_routing

#: The line under a poll in which every source polled failed (exit 5).
ALL_FAILED = "every source polled failed, nothing new came in; see the lines above"


def _status(r: SourceReport) -> Text:
    if r.busy:
        return Text("skipped: another run is polling it", style="yellow")
    if r.waiting or r.resting:  # its failures were said when they happened: stdout only
        return Text(f"skipped: {r.wait_line}", style="yellow")
    if r.error:
        return Text.assemble(("failed", "red"), f": {one_line(r.error, 120)}")
    text = Text("ok", style="green")
    if r.deferred:
        text = Text(f"deferred: {r.wait_line}", style="yellow")
    elif r.not_modified:
        text.append(" (not modified)")
    if r.warnings:
        n = len(r.warnings)
        text.append(f" ({n} warning{'' if n == 1 else 's'})", style="yellow")
    if r.erased:
        text.append(f" (skipped {erased_posts(r.erased)})")
    return text


def erased_posts(n: int) -> str:
    """'1 erased post' / '2 erased posts': posts a source delivered again after `simak
    forget` erased them (never named: they were erased)."""
    return f"{n} erased post{'' if n == 1 else 's'}"


def _table(report: PollReport) -> Table:
    table = Table(title="Poll summary", title_justify="left")
    for col in ("source", "platform", "fetched", "new", "status"):
        table.add_column(col, justify="right" if col in ("fetched", "new") else "left")
    for r in report.sources:
        table.add_row(
            one_line(r.name), one_line(r.platform), str(r.fetched), str(r.stored), _status(r)
        )
    return table


def _totals(report: PollReport) -> str:
    """What the poll did with the posts, on one line under the table (a caption wrapped
    to the table's width, mid-phrase, in cron mail)."""
    p = report.processed
    return (
        f"classified {p.classified} · posts to follow-ups {p.routed} · ideas {p.ideas} · "
        f"filtered by language {p.filtered}"
    )


#: Phases of a poll in the order they run, as the "took" line names them.
_PHASES = (
    ("sources", "sources"),
    ("model_load", "model load"),
    ("classify", "classifying"),
    ("route", "follow-ups and drafts"),
    ("ideas", "ideas board"),
)
#: A poll that took at least this long says where the time went (a large import).
TOOK_LINE_S = 10.0


def took_line(seconds: dict[str, float]) -> str | None:
    """'took 38.6 s: sources 1.2 s · classifying 14.1 s · …' for a long poll, else None."""
    total = sum(seconds.values())
    if total < TOOK_LINE_S:
        return None
    parts = [f"{name} {seconds[key]:.1f} s" for key, name in _PHASES if seconds.get(key)]
    return f"took {total:.1f} s: " + " · ".join(parts)


def _exit_code(report: PollReport) -> int:
    if report.internal_errors:
        return EXIT_INTERNAL
    if report.all_failed:
        return EXIT_ALL_FAILED
    if report.failed:
        return EXIT_PARTIAL
    left = len(report.busy) + len(report.waiting) + len(report.resting)
    if report.busy and left == len(report.sources):
        return EXIT_BUSY  # a source only waiting for its rate limit is no failure: 0
    return EXIT_OK


def _enqueue(app: App, source: str | None, as_json: bool) -> None:
    result = enqueue_polls(app, source)
    if as_json:
        print_json(asdict(result), app.redact)
        return
    for name in result.deferred:
        print_line(f"queued a poll of {name}")
    for name in result.waiting:
        print_line(f"{name}: a poll job already waits; not queued twice")


def _tell(log: LineLog | None, level: str, message: str) -> None:
    """One line on stderr: a JSON log line with --log-format json, else styled text
    ("failed" is a source's failure: level error, "failed: " in text)."""
    if log is not None:
        log(message, "error" if level == "failed" else level)
    elif level == "warning":
        warn(message)
    elif level == "error":
        stderr().print(Text.assemble(("error: ", "red"), one_line(message)))
    elif level == "failed":
        stderr().print(Text.assemble(("failed: ", "red"), one_line(message)))
    else:
        stderr().print(Text(one_line(message), style="yellow"))


def _told(r: SourceReport) -> list[tuple[str, str]]:
    """(level, line) for each thing a source's poll has to say on stderr."""
    lines = [("warning", f"{r.name}: {source_says(r.name, line)}") for line in r.warnings]
    if r.error:
        lines.append(("failed", f"{r.name}: {source_says(r.name, r.error)}"))
    if r.busy:
        busy = "skipped, another run is polling it (use --wait SECONDS to wait)"
        lines.append(("warning", f"{r.name}: {busy}"))
    if r.waiting:
        lines.append(("info", f"{r.name}: {r.wait_line}"))
    return lines


def _poll(app: App, source: str | None, wait: float, *, live: bool, log: LineLog | None
          ) -> PollReport:  # fmt: skip
    """Run the poll, saying on stderr what each source had to say as it finishes."""
    columns = (TextColumn("classifying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr(), disable=not live, transient=True) as bar:
        task = bar.add_task("classify", total=None)

        def before(listener: object) -> None:
            if live:
                name = one_line(getattr(listener, "name", "?"))
                stderr().print(Text(f"polling {name}…", style="dim"))

        def after(r: SourceReport) -> None:
            for level, line in _told(r):
                _tell(log, level, line)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return run_poll(app, only=source, wait_s=wait, before_source=before,
                        after_source=after, progress=progress)  # fmt: skip


@handle_errors
def poll(
    ctx: typer.Context,
    source: str | None = typer.Option(None, "--source", "-s", help="Poll only this source."),
    wait: float = typer.Option(
        0.0, "--wait", min=0, help="Seconds to wait for sources another run is polling."
    ),
    enqueue: bool = typer.Option(
        False,
        "--enqueue",
        help="procrastinate engine: defer one poll job per source for the workers instead.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Fetch new mentions from every source, classify them and queue follow-ups.

    Safe to re-run and to overlap (cron): each source is polled by one run at a time and
    nothing is stored or queued twice. A source the platform rate-limited is not called
    again before the time it gave (shown; not a failure). Exit codes: 0 ok, 1 a source
    failed (the others were processed), 3 internal error in a source, 5 every source
    polled failed (none succeeded), 75 every source was busy (or waiting for its rate
    limit, at least one busy). With
    --enqueue (`workers.engine: procrastinate`) the workers poll instead, each poll job
    followed by a classification job; a source whose job already waits is not queued twice.
    With `--log-format json` the lines on stderr are JSON log lines (stdout unchanged).
    """
    cli = state(ctx)
    app = cli.app()
    if enqueue:
        _enqueue(app, source, as_json)
        return
    log = LineLog("json", app.redact) if cli.log_format == "json" else None
    if log is not None:
        app.progress = log  # the model's first-use notice too
    # progress only for a person watching: under cron stderr is mailed, and a line per
    # source every run would bury the failures it is there for
    live = not as_json and log is None and stderr().is_terminal
    report = _poll(app, source, wait, live=live, log=log)
    if as_json:
        print_json(
            {
                "sources": [asdict(r) | {"ok": r.ok, "status": r.status} for r in report.sources],
                "processed": asdict(report.processed),
                "all_sources_failed": report.all_failed,
                "rerouted": rerouted_json(report.rerouted),
            },
            app.redact,
        )
    else:
        stdout().print(_table(report))
        print_line(_totals(report))
        moved = rerouted_line(report.rerouted)
        if moved is not None:
            print_line(moved)
        took = took_line(report.processed.seconds)
        if took is not None and live:  # a person watching, not cron mail
            stderr().print(Text(took, style="dim"))
    if report.processed.routed:
        for why in unusable_for_routing(app).values():
            meanwhile = "until then new follow-ups go to the next channel in their rule"
            _tell(log, "warning", f"{why}; {meanwhile} (they move back once it works)")
    if report.all_failed:
        _tell(log, "error", ALL_FAILED)
    raise typer.Exit(_exit_code(report))
