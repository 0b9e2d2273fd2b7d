"""`simak poll`: fetch -> store -> classify -> route, safe to run from cron."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from listeners.base import Listener
from responder.routing import Router
from simak.app import App
from simak.cli.common import (
    EXIT_OK,
    EXIT_PARTIAL,
    handle_errors,
    print_json,
    state,
    stderr,
    stdout,
    warn,
)
from simak.pipeline import ProcessReport, SourceReport, classify_pending, failed, poll_source
from simak.routing import BatchRouter
from simak.wiring import build_router
from storage.mentions import count_pending


def _listeners(app: App, only: str | None) -> list[Listener]:
    # Build every listener first: bad options are a config error (exit 2) before any work.
    configs = app.source_configs(only)
    index = {s.name: i for i, s in enumerate(app.settings.sources)}
    return [app.listener(index[s.name], s) for s in configs]


def _poll_all(app: App, listeners: list[Listener], as_json: bool) -> list[SourceReport]:
    reports = []
    for listener in listeners:
        if not as_json:
            stderr().print(f"[dim]polling {listener.name} ({listener.platform})…[/dim]")
        report = poll_source(app.db, listener, app.clock)
        for line in report.warnings:
            warn(f"{report.name}: {line}")
        if report.error:
            stderr().print(f"[red]failed:[/red] {report.name}: {report.error}", highlight=False)
        reports.append(report)
    return reports


def _classify(app: App, router: Router, as_json: bool) -> ProcessReport:
    with app.db.session() as session:
        total = count_pending(session)
    if total == 0:
        return ProcessReport()
    route = BatchRouter(app.settings, router)
    classifier = app.classifier
    batch = app.settings.classifier.batch_size
    columns = (TextColumn("classifying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr(), disable=as_json, transient=True) as bar:
        task = bar.add_task("classify", total=total)
        return classify_pending(
            app.db, classifier, route, app.clock, batch, progress=lambda n: bar.advance(task, n)
        )


def _table(reports: list[SourceReport], processed: ProcessReport) -> Table:
    table = Table(title="Poll summary", title_justify="left")
    for col in ("source", "platform", "fetched", "new", "status"):
        table.add_column(col, justify="right" if col in ("fetched", "new") else "left")
    for r in reports:
        status = "[green]ok[/green]" if r.ok else f"[red]failed[/red]: {r.error}"
        if r.deferred:
            status = "[yellow]deferred[/yellow] (rate limited)"
        if r.ok and r.not_modified:
            status = "[green]ok[/green] (not modified)"
        if r.ok and r.warnings:
            status += f" [yellow]({len(r.warnings)} warnings)[/yellow]"
        table.add_row(r.name, r.platform, str(r.fetched), str(r.stored), status)
    table.caption = (
        f"classified {processed.classified} · follow-ups {processed.routed} · "
        f"ideas {processed.ideas} · filtered by language {processed.filtered}"
    )
    return table


@handle_errors
def poll(
    ctx: typer.Context,
    source: str | None = typer.Option(None, "--source", "-s", help="Poll only this source."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Fetch new mentions from every source, classify them and queue follow-ups.

    Safe to re-run (cron): nothing is stored or queued twice. Exit code 1 when a
    source failed (the others were still processed).
    """
    app = state(ctx).app()
    listeners = _listeners(app, source)
    router = build_router(app)
    app.db  # noqa: B018 - create/upgrade the schema before any source runs
    reports = _poll_all(app, listeners, as_json)
    processed = _classify(app, router, as_json)
    if as_json:
        print_json(
            {"sources": [asdict(r) | {"ok": r.ok} for r in reports], "processed": asdict(processed)}
        )
    else:
        stdout().print(_table(reports, processed))
    raise typer.Exit(EXIT_PARTIAL if failed(reports) else EXIT_OK)
