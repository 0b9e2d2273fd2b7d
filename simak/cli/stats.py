"""`simak stats` and `simak sources`: totals and per-source health."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from simak.cli.common import ago, handle_errors, print_json, state, stdout
from storage.sources import SourceHealth, source_health
from storage.stats import collect_stats


@handle_errors
def stats(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Counts of mentions, labels, languages, follow-ups, ideas and people."""
    app = state(ctx).app()
    with app.db.session() as session:
        s = collect_stats(session)
    if as_json:
        print_json(asdict(s))
        return
    table = Table(title="Simak stats", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("count")
    table.add_row("mentions", str(s.mentions))
    table.add_row("people", str(s.people))
    table.add_row("labels", ", ".join(f"{k} {v}" for k, v in s.labels.items()))
    table.add_row("languages", ", ".join(f"{k} {v}" for k, v in sorted(s.languages.items())))
    table.add_row(
        "follow-ups", ", ".join(f"{k} {v}" for k, v in s.followups.items() if v) or "none"
    )
    table.add_row("ideas", f"{s.ideas} in {s.idea_groups} groups")
    stdout().print(table)


def _problem(h: SourceHealth) -> str:
    if h.consecutive_failures:
        return f"[red]{h.last_error}[/red]"
    if h.warnings_last_run:
        return f"[yellow]{h.warnings_last_run} warning(s), last: {h.last_warning}[/yellow]"
    return ""


@handle_errors
def sources(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Each source's health: last success, last error, failure streak, items last run."""
    app = state(ctx).app()
    with app.db.session() as session:
        health = {h.name: h for h in source_health(session)}
    configured = [(s.name, s.type, s.enabled) for s in app.settings.sources]
    if as_json:
        print_json(
            [
                {"name": n, "type": t, "enabled": e, **(asdict(health[n]) if n in health else {})}
                for n, t, e in configured
            ]
        )
        return
    now = app.clock()
    table = Table(title="Sources", title_justify="left")
    for col in ("source", "type", "last success", "fetched", "new", "reads", "failures", "problem"):
        table.add_column(col, overflow="fold" if col == "problem" else "ellipsis")
    for name, kind, enabled in configured:
        h = health.get(name)
        if h is None:
            table.add_row(name, kind, "never run" if enabled else "disabled", "", "", "", "", "")
            continue
        failures = f"[red]{h.consecutive_failures}[/red]" if h.consecutive_failures else "0"
        table.add_row(
            name,
            kind,
            ago(h.last_success_at, now),
            str(h.fetched_last_run),
            str(h.stored_last_run),
            str(h.reads_last_run),
            failures,
            _problem(h),
        )
    stdout().print(table)
