"""`simak forget` and `simak purge`: erasure on request, retention on schedule."""

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
from simak.cli.render import one_line, plain
from simak.usecases import privacy


@handle_errors
def forget(
    ctx: typer.Context,
    person: str = typer.Argument(
        ..., metavar="PERSON_ID", help="The person's number (`simak people find` finds it)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be erased."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    who: str | None = ACTOR,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Erase a person from every table: posts, handles, drafts, deliveries, notes, idea
    membership (counts recomputed). The audit log keeps only the counts."""
    person_id = _person_id(person)
    app = state(ctx).app()
    planned = privacy.forget(app, person_id, actor(who), dry_run=True)
    if not dry_run and not yes:
        _confirm(person_id, planned.counts)
    result = planned if dry_run else privacy.forget(app, person_id, actor(who))
    if as_json:
        print_json({"dry_run": dry_run, "people": result.person_ids, "counts": result.counts})
        return
    table = Table(title=("Would erase" if dry_run else "Erased"), title_justify="left")
    table.add_column("what")
    table.add_column("rows", justify="right")
    for name, n in result.counts.items():
        table.add_row(name.replace("_", " "), str(n))
    stdout().print(table)


def _person_id(given: str) -> int:
    """The person's number; a handle, name or email given instead points to the search."""
    text = given.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    shown = one_line(text, 60)
    raise UsageError(
        f"PERSON_ID is a person's number, not {shown!r}; find it with "
        f"`simak people find {shown}`, then `simak forget NUMBER`"
    )


def _confirm(person_id: int, counts: dict[str, int]) -> None:
    """Ask on stderr (stdout stays JSON with --json); no answer (cron, a pipe) is a usage
    error that names --yes, a "no" erases nothing (exit 1, like `followup approve --all`)."""
    stderr().print(plain(_summary(counts)))
    try:
        erase = typer.confirm(f"Erase person {person_id} for good?", err=True)
    except typer.Abort:
        raise UsageError(
            f"simak forget {person_id} asks before erasing and got no answer; "
            "add --yes to erase without asking (--dry-run shows what would go)"
        ) from None
    if not erase:
        stderr().print(plain("nothing erased"))
        raise typer.Exit(1)


def _summary(counts: dict[str, int]) -> str:
    return "will erase: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items() if v)


@handle_errors
def purge(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would go; change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Apply `retention`: empty raw payloads after raw_days, delete posts after mention_days
    (follow-up outcomes and idea counts stay, without personal data; an unsent follow-up
    that keeps newer posts is drafted again from them). Safe from cron."""
    counts = privacy.purge(state(ctx).app(), dry_run=dry_run)
    if as_json:
        print_json({"dry_run": dry_run, **counts})
        return
    verb, close, redraft = (
        ("would purge", "would close", "would redraft")
        if dry_run
        else ("purged", "closed", "redrafted")
    )
    n_closed = counts["followups_closed"]
    closed = f", {close} {n_closed} follow-up(s) left with nothing to answer"
    redrafted = f", {redraft} {counts['followups_redrafted']} from their newer posts"
    print_line(
        f"{verb}: {counts['raw_payloads']} raw payloads, {counts['mentions']} posts"
        + (closed if counts["followups_closed"] else "")
        + (redrafted if counts["followups_redrafted"] else "")
    )
