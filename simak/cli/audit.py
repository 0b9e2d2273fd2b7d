"""`simak audit`: who changed what, and when (the audit log, newest first)."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from simak.cli.common import ago, handle_errors, print_json, state, stdout
from simak.cli.render import local, one_line, plain
from simak.usecases import reports


@handle_errors
def audit(
    ctx: typer.Context,
    entity: str | None = typer.Option(
        None, "--entity", help="Only this kind of thing: followup, idea_group, person, user…"
    ),
    entity_id: str | None = typer.Option(None, "--id", help="Only this id (with --entity)."),
    actor: str | None = typer.Option(None, "--actor", help="Only changes by this actor."),
    action: str | None = typer.Option(None, "--action", help="Only this action."),
    since: float | None = typer.Option(
        None, "--since", min=0, help="Only the last DAYS days (fractions allowed)."
    ),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many entries."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Who changed what, newest first: follow-ups' status changes (approved, sent,
    snoozed, dismissed… with who did it), label corrections, idea merges, splits, renames
    and status changes, people merged or marked do-not-contact, erasures (counts only, no
    personal data), console sign-ins and sign-outs."""
    app = state(ctx).app()
    rows = reports.audit_log(
        app,
        since_days=since,
        entity=entity,
        entity_id=entity_id,
        actor=actor,
        action=action,
        limit=limit,
    )
    if as_json:
        print_json([asdict(r) for r in rows], app.redact)
        return
    if not rows:
        stdout().print("No audit entries match." if _filtered(ctx) else "The audit log is empty.")
        return
    now = app.clock()
    table = Table("when", "who", "what", "on", "detail", title="Audit log")
    for r in rows:
        on = f"{r.entity} {r.entity_id}" if r.entity_id else r.entity
        table.add_row(
            f"{local(r.at, app.settings.zone)} ({ago(r.at, now)})",
            plain(r.actor),
            r.action.replace("_", " "),
            plain(on),
            one_line(r.detail, 120),
        )
    stdout().print(table)


def _filtered(ctx: typer.Context) -> bool:
    return any(
        ctx.params.get(name) is not None for name in ("entity", "entity_id", "actor", "action")
    ) or (ctx.params.get("since") is not None)
