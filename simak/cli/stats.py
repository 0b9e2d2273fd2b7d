"""`simak stats` and `simak sources`: totals and per-source health."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, tzinfo

import typer
from rich.table import Table
from rich.text import Text

from common.errors import EXIT_USAGE
from simak.cli.common import ago, handle_errors, print_json, state, stderr, stdout
from simak.cli.render import local, one_line
from simak.usecases import reports
from simak.usecases.poll import wait_line
from simak.usecases.reports import SourceLine

WIDE = 110  # below this many columns, `simak sources` puts each problem under the table


@handle_errors
def stats(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Counts of mentions, labels, languages, follow-ups, ideas and people."""
    app = state(ctx).app()
    s = reports.stats(app)
    if as_json:
        print_json(asdict(s), app.redact)
        return
    table = Table(title="Simak stats", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("count")
    table.add_row("mentions", str(s.mentions))
    table.add_row("people", str(s.people))
    table.add_row("labels", ", ".join(f"{k} {v}" for k, v in s.labels.items()))
    table.add_row(
        "languages", one_line(", ".join(f"{k} {v}" for k, v in sorted(s.languages.items())))
    )
    table.add_row(
        "follow-ups", ", ".join(f"{k} {v}" for k, v in s.followups.items() if v) or "none"
    )
    table.add_row("ideas", f"{s.ideas} in {s.idea_groups} groups")
    stdout().print(table)


def _problem(line: SourceLine, now: datetime, zone: tzinfo) -> Text:
    h = line.health
    if h is None:
        return Text("")
    if h.status == "rate_limited":
        return Text(wait_line(h.retry_at, now, zone), style="yellow")
    if h.consecutive_failures:
        said = (h.last_error or "").removeprefix(f"source {h.name!r}: ")  # the row names it
        error = one_line(said, 400)  # its end says what to do
        return Text(f"{_failing(line, zone)}: {error}", style="red")
    if h.warnings_last_run:
        return Text(
            f"{h.warnings_last_run} warning(s), last: {one_line(h.last_warning, 160)}",
            style="yellow",
        )
    return Text("")


def _failing(line: SourceLine, zone: tzinfo) -> str:
    """'failing since 2026-12-06 08:00 WIB, next try at 2026-12-06 09:20 WIB'."""
    h = line.health
    assert h is not None
    since = local(h.failing_since or h.last_error_at, zone) or "an unknown time"
    text = f"failing since {since}"
    if line.next_try_at is not None:
        text += f", next try at {local(line.next_try_at, zone)}"
    return text


@handle_errors
def sources(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Each source's health: last success, last error, failure streak (failing since when,
    and when a worker tries it next: a failing source backs off), items last run, and a
    rate limit the platform set (status rate_limited, retry_at: not called before)."""
    app = state(ctx).app()
    lines = reports.sources(app)
    if as_json:
        print_json(
            [
                {"name": s.name, "type": s.type, "enabled": s.enabled}
                | (asdict(s.health) if s.health else {})
                | ({"next_try_at": s.next_try_at} if s.health else {})
                | ({"config_error": s.config_error} if s.config_error else {})
                for s in lines
            ],
            app.redact,
        )
        _refuse_bad_options(lines)
        return
    now = app.clock()
    out = stdout()
    wide = out.width >= WIDE
    table = _sources_table(lines, wide)
    below: list[Text] = []
    for line in lines:
        h = line.health
        if h is None:
            status = "disabled" if not line.enabled else "never run"
            status = "config error (below)" if line.config_error else status
            table.add_row(line.name, line.type, status, "", "", "", "", *([""] if wide else []))
            continue
        failures = Text(str(h.consecutive_failures), style="red" if h.consecutive_failures else "")
        problem = _problem(line, now, app.settings.zone)
        cells: list[str | Text] = [line.name, line.type, ago(h.last_success_at, now),
                                   str(h.fetched_last_run), str(h.stored_last_run),
                                   str(h.reads_last_run), failures]  # fmt: skip
        table.add_row(*cells, *([problem] if wide else []))
        if not wide and problem.plain:
            below.append(Text.assemble(f"{line.name}: ", problem))
    out.print(table)
    for text in below:
        out.print(text)
    _refuse_bad_options(lines)


def _refuse_bad_options(lines: list[SourceLine]) -> None:
    """Exit 2 with each source whose options `simak poll` would refuse, one line each (the
    table is printed first: the other sources' health is still worth reading)."""
    bad = [line.config_error for line in lines if line.config_error]
    if bad:
        for message in bad:
            stderr().print(Text.assemble(("error: ", "red"), one_line(message)))
        raise typer.Exit(EXIT_USAGE)


def _sources_table(lines: list[SourceLine], wide: bool) -> Table:
    """On 80 columns eight columns cut the names to "demo-exp…" and folded a problem into
    a column 9 characters wide; there the problems go under the table, one line each."""
    table = Table(title="Sources", title_justify="left")
    named = min(max((len(line.name) for line in lines), default=6), 16)
    table.add_column("source", min_width=named, overflow="fold")
    for col in ("type", "last success", "fetched", "new", "reads", "failures"):
        table.add_column(col, overflow="ellipsis")
    if wide:
        table.add_column("problem", overflow="fold")
    return table
