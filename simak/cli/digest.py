"""`simak digest`: today's digest for the team, once per brand and day."""

from __future__ import annotations

from dataclasses import asdict

import typer

from common.errors import UsageError
from simak.cli.common import handle_errors, print_json, print_line, state, stderr, stdout
from simak.cli.render import plain
from simak.usecases.digest import DigestPreview, preview_digest, run_digest

FAILED = ("failed", "unknown")


@handle_errors
def digest(
    ctx: typer.Context,
    brand: str | None = typer.Option(None, "--brand", help="Only this brand."),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Print today's digest instead of sending it (no channel or digest: block needed).",
    ),
    lang: str | None = typer.Option(
        None, "--lang", help="With --dry-run: en or id (default: digest.lang, else en)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Send today's digest (configured under `digest:`): counts against the last 7 days,
    urgent and overdue complaints, growing ideas, loyal customers to thank, deliveries that
    need a person, failing sources. Safe from cron: once per brand and day (exit 0 also
    when it had gone out already); exit 1 when a send failed."""
    app = state(ctx).app()
    if lang is not None and lang not in ("en", "id"):
        raise UsageError(f"--lang {lang!r}: write en or id")
    if dry_run:
        _preview(preview_digest(app, brand, lang), as_json)
        return
    if lang is not None:
        raise UsageError("--lang goes with --dry-run; a sent digest is in digest.lang")
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


def _preview(previews: list[DigestPreview], as_json: bool) -> None:
    """Each brand's digest as it would be sent today, and whether a run would send it."""
    if as_json:
        print_json([asdict(p) for p in previews])
        return
    for p in previews:
        if p.sent_already:
            note = "today's digest went out already; this is what it says now"
        elif p.quiet:
            note = "nothing new today: a run would send nothing (unless send_when_quiet)"
        else:
            note = "not sent (--dry-run)"
        print_line(f"{p.brand} {p.day}: {note}", "dim")
        stdout().print(plain(f"Subject: {p.subject}\n\n{p.body}"))
