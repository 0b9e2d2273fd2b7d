"""`simak brands rename`: what a brand brought in, moved to its new name."""

from __future__ import annotations

import typer
from rich.table import Table

from common.errors import UsageError
from simak.cli.common import (
    ACTOR,
    actor,
    handle_errors,
    print_json,
    print_line,
    state,
    stderr,
    stdout,
)
from simak.cli.render import plain
from simak.usecases import brands as uc
from simak.usecases.brands import BrandRename

brands_app = typer.Typer(
    rich_markup_mode="markdown",
    help=(
        "Brands. A brand's `name` is stored with everything it brings in: to show another "
        "name in drafts and reports change `display_name`. To change `name` itself, rename "
        "it in the config, then run `simak brands rename OLD NEW`."
    ),
    no_args_is_help=True,
)


@brands_app.command("rename")
@handle_errors
def rename(
    ctx: typer.Context,
    old: str = typer.Argument(..., metavar="OLD", help="The name the rows are stored under."),
    new: str = typer.Argument(..., metavar="NEW", help="The brand's name in the config now."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would move; change nothing."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    who: str | None = ACTOR,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Move every stored row of brand OLD (posts, follow-ups, ideas and their groups,
    digests, alerts) to NEW, all at once. Rename the brand in the config first: NEW must be
    configured, OLD no longer. A person with an open conversation under both names keeps
    the older one (the newer one's posts join it); a day whose digest or alert NEW already
    has keeps NEW's. Recorded in `simak audit`. Stop running workers first, and restart
    them with the new config."""
    app = state(ctx).app()
    planned = uc.rename(app, old, new, actor(who), dry_run=True)
    if not dry_run and not yes:
        _confirm(planned)
    result = planned if dry_run else uc.rename(app, old, new, actor(who))
    if as_json:
        print_json(
            {
                "old": result.old,
                "new": result.new,
                "dry_run": result.dry_run,
                "counts": result.counts,
                "conversations_joined": [{"from": g, "into": k} for g, k in result.folded],
                "digests_dropped": result.dropped_digests,
                "alerts_dropped": result.dropped_alerts,
            }
        )
        return
    print_line(f"{'would move' if dry_run else 'moved'} from {old!r} to {new!r}:")
    table = Table()
    table.add_column("what")
    table.add_column("rows", justify="right")
    for name, n in result.counts.items():
        table.add_row(name.replace("_", " "), str(n))
    stdout().print(table)
    for line in _collisions(result):
        print_line(line)


def _collisions(result: BrandRename) -> list[str]:
    would = "would " if result.dry_run else ""
    lines = [
        f"conversation {gone} {would}{'join' if would else 'joined'} {kept} (same person)"
        for gone, kept in result.folded
    ]
    if result.dropped_digests:
        days = ", ".join(result.dropped_digests)
        lines.append(f"digests of {days}: {result.new}'s {would}{'stay' if would else 'stayed'}")
    if result.dropped_alerts:
        days = ", ".join(result.dropped_alerts)
        lines.append(f"alerts {days}: {result.new}'s {would}{'stay' if would else 'stayed'}")
    return lines


def _confirm(planned: BrandRename) -> None:
    """Ask on stderr; no answer (cron, a pipe) is a usage error naming --yes."""
    moved = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in planned.counts.items() if v)
    stderr().print(plain(f"will move from {planned.old!r} to {planned.new!r}: {moved}"))
    for line in _collisions(planned):
        stderr().print(plain(line))
    try:
        go = typer.confirm(f"Rename brand {planned.old!r} to {planned.new!r}?", err=True)
    except typer.Abort:
        raise UsageError(
            "simak brands rename asks before moving rows and got no answer; add --yes to "
            "rename without asking (--dry-run shows what would move)"
        ) from None
    if not go:
        stderr().print(plain("nothing renamed"))
        raise typer.Exit(1)
