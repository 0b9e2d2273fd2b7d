"""`simak send`: deliver every approved, due follow-up privately, exactly once."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from common.errors import EXIT_OK, EXIT_PARTIAL
from simak.cli.common import ACTOR, actor, handle_errors, print_json, state, stderr, stdout, warn
from simak.cli.render import one_line
from simak.usecases.send import Delivered, SendReport, send_due

_OUTCOMES = ("sent", "handed_to_staff", "retry", "unreachable", "failed", "unknown")


def _summary(report: SendReport) -> Table:
    table = Table(title="Send summary", title_justify="left")
    table.add_column("outcome")
    table.add_column("count", justify="right")
    labels = {"retry": "waiting (rate limit)", "unreachable": "moved to next channel"}
    for outcome in _OUTCOMES:
        table.add_row(labels.get(outcome, outcome.replace("_", " ")), str(report.count(outcome)))
    return table


@handle_errors
def send(
    ctx: typer.Context,
    limit: int | None = typer.Option(None, "--limit", min=1, help="Send at most N."),
    channel: list[str] | None = typer.Option(None, "--channel", help="Only these channels."),
    who: str | None = ACTOR,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Deliver every approved follow-up that may go now, each exactly once.

    Exit codes: 0 when everything went out (or was handed to staff, or waits for a
    rate limit), 1 when some failed or their outcome is unknown (listed).
    """
    app = state(ctx).app()

    def show(result: Delivered) -> None:
        if not as_json:
            stderr().print(
                f"#{result.followup_id} {result.outcome} via {result.channel}",
                style="dim",
                markup=False,
            )

    report = send_due(
        app, actor(who), limit=limit, channels=tuple(channel) if channel else None, on_result=show
    )
    if as_json:
        print_json(
            {
                "recovered": [asdict(r) for r in report.recovered],
                "results": [asdict(r) for r in report.results],
                "counts": {o: report.count(o) for o in _OUTCOMES},
            },
            app.redact,
        )
    else:
        stdout().print(_summary(report))
        for r in report.problems:
            warn(f"follow-up {r.followup_id} {r.outcome}: {one_line(r.detail, 160)}")
    raise typer.Exit(EXIT_PARTIAL if report.problems else EXIT_OK)
