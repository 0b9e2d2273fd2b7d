"""`simak digest`: today's digest for the team, once per brand and day."""

from __future__ import annotations

from dataclasses import asdict

import typer

from simak.cli.common import handle_errors, print_json, print_line, state, stderr
from simak.cli.render import plain
from simak.usecases.digest import run_digest

FAILED = ("failed", "unknown")


@handle_errors
def digest(
    ctx: typer.Context,
    brand: str | None = typer.Option(None, "--brand", help="Only this brand."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Send today's digest (configured under `digest:`): counts against the last 7 days,
    urgent and overdue complaints, growing ideas, loyal customers to thank, deliveries that
    need a person, failing sources. Safe from cron: once per brand and day (exit 0 also
    when it had gone out already); exit 1 when a send failed."""
    app = state(ctx).app()
    results = run_digest(app, brand)
    if as_json:
        print_json([asdict(r) for r in results], app.redact)
    else:
        for r in results:
            line = f"{r.brand} {r.day}: {r.outcome.replace('_', ' ')} — {r.detail}"
            if r.outcome in FAILED:  # on stderr: what cron mails when stdout is discarded
                stderr().print(plain(line), soft_wrap=True)
            else:
                print_line(line)
    raise typer.Exit(1 if any(r.outcome in FAILED for r in results) else 0)
