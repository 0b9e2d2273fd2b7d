"""`simak reminders` and `simak vouchers`: loyal customers remembered, small gifts."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import typer
from rich.table import Table

from simak.cli.common import ago, handle_errors, print_json, print_line, state, stdout, unreadable
from simak.cli.render import one_line
from simak.usecases import reminders as uc


@handle_errors
def reminders(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="List who would get one; draft none."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Draft a personal check-in for each regular nobody contacted lately (approve as usual).

    At most one per person per `responder.reminders.quiet_days`; never to "do not contact"
    people; with a gift code when `responder.reminders.gift_pool` still has one.
    """
    app = state(ctx).app()
    people = uc.candidates(app)
    report = uc.draft_reminders(app, dry_run=dry_run)
    if as_json:
        print_json(
            {
                "candidates": [asdict(p) for p in people],
                "drafted": [asdict(d) for d in report.drafted],
                "skipped": [{"person_id": p, "why": w} for p, w in report.skipped],
            },
            app.redact,
        )
        return
    now = app.clock()
    table = Table(title="Loyal customers to thank", title_justify="left")
    for col in ("person", "name", "kind posts", "last contacted", "result"):
        table.add_column(col)
    done = {
        d.person_id: f"drafted follow-up #{d.followup_id} via {d.channel}" for d in report.drafted
    }
    why = dict(report.skipped)
    for p in people:
        table.add_row(
            str(p.person_id),
            one_line(p.name),
            str(p.positive),
            ago(p.last_contacted_at, now),
            done.get(p.person_id) or why.get(p.person_id, ""),
        )
    if not people:
        table.caption = "No regular waits for a thank-you right now."
    stdout().print(table)


vouchers_app = typer.Typer(
    rich_markup_mode="markdown", help="Gift voucher pools for reminders.", no_args_is_help=True
)


@vouchers_app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    pool: str = typer.Option(..., "--pool", help="Pool name (responder.reminders.gift_pool)."),
    codes_file: Path | None = typer.Argument(
        None, metavar="FILE", help="One code per line (default: stdin)."
    ),
) -> None:
    """Add gift codes to a pool; each is given to one person once, never reused."""
    try:
        text = codes_file.read_text("utf-8") if codes_file else sys.stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise unreadable(str(codes_file or "standard input"), exc) from None
    added, known, left = uc.add_vouchers(state(ctx).app(), pool, text.splitlines())
    skipped = f"; {known} already known, skipped (a code is given once, from one pool)"
    print_line(f"{added} new code(s) in pool {pool!r}{skipped if known else ''}; {left} unused")
