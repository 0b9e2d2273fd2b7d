"""`simak forget` and `simak purge`: erasure on request, retention on schedule."""

from __future__ import annotations

import shlex

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
        ...,
        metavar="PERSON_ID|name:NAME",
        help="The person's number, or name:NAME for an author known only by a name "
        "(`simak people find` lists both).",
    ),
    source: str | None = typer.Option(
        None, "--source", help="With name:NAME, only that source's posts (default: every one)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be erased."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    who: str | None = ACTOR,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Erase a person from every table: posts, handles, drafts, deliveries, notes, idea
    membership (counts recomputed). The audit log keeps only the counts; each erased post
    is kept as a keyed hash only, so a source that delivers it again does not bring it (or
    its author) back. New posts by the same handle are stored as a new person's.

    `name:NAME` erases the posts of an author with no handle or address (a blog or news
    feed's `<author><name>`) and everything tied to them in the same way: posts whose
    author is NAME (case, width and spacing ignored; accents not), never posts that only
    mention the name."""
    target = _target(person, source)
    app = state(ctx).app()

    def erase(dry: bool) -> privacy.Erasure:
        if isinstance(target, int):
            return privacy.forget(app, target, actor(who), dry_run=dry)
        return privacy.forget_author(app, target, source, actor(who), dry_run=dry)

    planned = erase(True)
    if not dry_run and not yes:
        _confirm(target, source, planned)
    result = planned if dry_run else erase(False)
    if as_json:
        out = {"dry_run": dry_run, "people": result.person_ids, "counts": result.counts}
        out["tombstones"] = result.tombstones
        print_json(out if isinstance(target, int) else {**out, "sources": result.sources})
        return
    table = Table(title=("Would erase" if dry_run else "Erased"), title_justify="left")
    table.add_column("what")
    table.add_column("rows", justify="right")
    for name, n in result.counts.items():
        table.add_row(name.replace("_", " "), str(n))
    stdout().print(table)
    if result.sources:
        posts = ", ".join(f"{s} {n}" for s, n in sorted(result.sources.items()))
        stdout().print(plain(f"posts by source: {posts}"))
    if result.tombstones:
        stdout().print(plain(_tombstones(result.tombstones, dry_run)))


def _tombstones(n: int, dry_run: bool) -> str:
    """What is kept of the erased posts, and why."""
    verb = "would keep" if dry_run else "kept"
    return (
        f"{verb} {n} erased post id(s) as keyed hashes only (no name, text or id in clear), "
        "so a source that delivers them again does not bring them back; new posts are stored"
    )


def _target(given: str, source: str | None) -> int | str:
    """The person's number, or the NAME of ``name:NAME``; anything else points to the
    search."""
    text = given.strip()
    if text[:5].casefold() == "name:":
        name = text[5:].strip()
        if not name:
            raise UsageError("name: needs the author's name, e.g. simak forget 'name:Budi Santoso'")
        return name
    if source is not None:
        raise UsageError(
            "--source narrows a name:NAME erasure; a person's erasure covers every source "
            f"(drop --source, or give name:NAME instead of {one_line(text, 60)!r})"
        )
    if text.isascii() and text.isdigit():
        return int(text)
    shown = one_line(text, 60)
    raise UsageError(
        f"PERSON_ID is a person's number, not {shown!r}; find it with "
        f"`simak people find {shown}`, then `simak forget NUMBER`"
    )


def _confirm(target: int | str, source: str | None, planned: privacy.Erasure) -> None:
    """Ask on stderr (stdout stays JSON with --json); no answer (cron, a pipe) is a usage
    error that names --yes, a "no" erases nothing (exit 1, like `followup approve --all`)."""
    stderr().print(plain(_summary(planned)))
    if isinstance(target, int):
        question, command = f"Erase person {target} for good?", f"simak forget {target}"
    else:
        shown = one_line(target, 60)
        question = f"Erase every post by the name-only author {shown!r} for good?"
        command = f"simak forget {shlex.quote('name:' + shown)}"
        command += f" --source {shlex.quote(source)}" if source is not None else ""
    try:
        erase = typer.confirm(question, err=True)
    except typer.Abort:
        raise UsageError(
            f"{command} asks before erasing and got no answer; "
            "add --yes to erase without asking (--dry-run shows what would go)"
        ) from None
    if not erase:
        stderr().print(plain("nothing erased"))
        raise typer.Exit(1)


def _summary(planned: privacy.Erasure) -> str:
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in planned.counts.items() if v)
    sources = ", ".join(f"{s}: {n} post(s)" for s, n in sorted(planned.sources.items()))
    return "will erase: " + counts + (f" ({sources})" if sources else "")


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
