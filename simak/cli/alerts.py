"""`simak alerts`: check today for spikes and tell the team; `--list` shows recent ones."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from simak.cli.common import handle_errors, print_json, state, stderr, stdout
from simak.cli.render import plain
from simak.usecases.alerts import recent_alerts, run_alerts

FAILED = ("failed", "unknown")


@handle_errors
def alerts(
    ctx: typer.Context,
    brand: str | None = typer.Option(None, "--brand", help="Only this brand (with --list too)."),
    list_: bool = typer.Option(False, "--list", help="List the alerts of the last 30 days."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check today's counts (complaints by default, `alerts.labels`) against the last four
    weeks and tell the team about a spike through the digest's channel: once per spike, and
    not within 24 hours of the last alert for that brand and label. Safe from cron every few
    minutes; exit 1 when a send failed."""
    app = state(ctx).app()
    if list_:
        rows = recent_alerts(app, brand=brand)
        if as_json:
            print_json([asdict(r) for r in rows], app.redact)
            return
        table = Table("day", "brand", "label", "count", "usual", "status", title="Spike alerts")
        for row in rows:
            table.add_row(
                row.day,
                plain(row.brand),
                row.label,
                str(row.observed),
                f"{row.expected:.1f}",
                row.status,
            )
        stdout().print(table if rows else "No spike alerts in the last 30 days.")
        return
    results = run_alerts(app, brand)
    if as_json:
        print_json([asdict(r) for r in results], app.redact)
    elif not results:
        stdout().print("No new spike today or yesterday.")
    for r in results if not as_json else ():
        line = plain(f"{r.brand} {r.label} {r.day}: {r.outcome.replace('_', ' ')} — {r.detail}")
        # a failed send on stderr: what cron mails when stdout is discarded
        (stderr() if r.outcome in FAILED else stdout()).print(line)
    raise typer.Exit(1 if any(r.outcome in FAILED for r in results) else 0)
