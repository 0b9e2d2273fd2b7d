"""`simak followup ...` and `simak correct`: what staff do with the queue."""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import typer
from rich.panel import Panel

from common.errors import ConfigError
from responder.base import PrivateMessage, Recipient, SendReceipt
from simak.app import App
from simak.cli.common import handle_errors, print_json, state, stdout
from simak.routing import BatchRouter
from simak.wiring import build_channels, build_router
from storage.audit import record
from storage.corrections import correct_labels
from storage.followups import edit_draft, get_item, snooze, transition

followup_app = typer.Typer(
    help="Act on one follow-up: approve, send, snooze, edit…", no_args_is_help=True
)

ACTOR = typer.Option(None, "--as", help="Who is acting (default: $USER).")


def _actor(value: str | None) -> str:
    return value or os.environ.get("USER") or "staff"


def _move(
    ctx: typer.Context, followup_id: int, to: str, actor: str | None, note: str | None = None
) -> None:
    app = state(ctx).app()
    with app.db.session() as session:
        transition(session, followup_id, to, _actor(actor), app.clock(), note)
    stdout().print(f"follow-up {followup_id}: {to}")


@followup_app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    followup_id: int = typer.Argument(..., metavar="ID"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The mention, the person, and the draft of one follow-up."""
    app = state(ctx).app()
    with app.db.session() as session:
        item = get_item(session, followup_id)
    if as_json:
        print_json(asdict(item))
        return
    stdout().print(
        Panel(
            item.text,
            title=f"{item.author} on {item.platform} · "
            f"{', '.join(item.labels) or 'other'} · {item.url or ''}",
            title_align="left",
        )
    )
    stdout().print(
        Panel(
            item.draft,
            title=f"draft ({item.lang}) · {item.subject} · {item.status} · via {item.channel}",
            title_align="left",
        )
    )


@followup_app.command("approve")
@handle_errors
def approve(
    ctx: typer.Context,
    followup_id: int = typer.Argument(..., metavar="ID"),
    actor: str | None = ACTOR,
) -> None:
    """Approve the draft; nothing is sent before this."""
    _move(ctx, followup_id, "approved", actor)


@followup_app.command("done")
@handle_errors
def done(
    ctx: typer.Context,
    followup_id: int = typer.Argument(..., metavar="ID"),
    actor: str | None = ACTOR,
) -> None:
    """Mark as handled (e.g. you replied privately yourself)."""
    _move(ctx, followup_id, "done", actor)


@followup_app.command("dismiss")
@handle_errors
def dismiss(
    ctx: typer.Context,
    followup_id: int = typer.Argument(..., metavar="ID"),
    actor: str | None = ACTOR,
    reason: str | None = typer.Option(None, "--reason", help="Why."),
) -> None:
    """Drop a follow-up that needs no answer."""
    _move(ctx, followup_id, "dismissed", actor, reason)


@followup_app.command("reopen")
@handle_errors
def reopen(
    ctx: typer.Context,
    followup_id: int = typer.Argument(..., metavar="ID"),
    actor: str | None = ACTOR,
) -> None:
    """Put a snoozed, approved, done or dismissed follow-up back in the queue."""
    _move(ctx, followup_id, "open", actor)


@followup_app.command("snooze")
@handle_errors
def snooze_cmd(
    ctx: typer.Context,
    followup_id: int = typer.Argument(..., metavar="ID"),
    hours: float = typer.Option(24.0, "--hours", min=0.1, help="For how long."),
    actor: str | None = ACTOR,
) -> None:
    """Hide a follow-up for a while; it comes back due afterwards."""
    app = state(ctx).app()
    now = app.clock()
    with app.db.session() as session:
        snooze(session, followup_id, now + timedelta(hours=hours), _actor(actor), now)
    stdout().print(f"follow-up {followup_id}: snoozed for {hours:g} h")


@followup_app.command("edit")
@handle_errors
def edit(
    ctx: typer.Context,
    followup_id: int = typer.Argument(..., metavar="ID"),
    draft_file: Path = typer.Option(..., "--draft-file", help="File with the new text."),
    subject: str | None = typer.Option(None, "--subject", help="New subject line."),
    actor: str | None = ACTOR,
) -> None:
    """Replace the draft with your own words."""
    try:
        text = draft_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--draft-file {draft_file}: cannot read it ({exc.strerror})") from exc
    app = state(ctx).app()
    with app.db.session() as session:
        edit_draft(session, followup_id, subject, text, _actor(actor), app.clock())
    stdout().print(f"follow-up {followup_id}: draft updated")


@followup_app.command("send")
@handle_errors
def send(
    ctx: typer.Context,
    followup_id: int = typer.Argument(..., metavar="ID"),
    actor: str | None = ACTOR,
) -> None:
    """Send an approved follow-up through its private channel (once, ever)."""
    app = state(ctx).app()
    with app.db.session() as session:
        item = get_item(session, followup_id)
    if item.status != "approved":
        raise ConfigError(
            f"follow-up {followup_id} is {item.status}; approve it first "
            f"(simak followup approve {followup_id})"
        )
    receipt = _deliver(
        app,
        item.channel,
        PrivateMessage(
            idempotency_key=f"simak-fu-{item.mention_id}",
            recipient=Recipient(name=item.author, platform=item.platform),
            subject=item.subject,
            body=item.draft,
        ),
    )
    with app.db.session() as session:
        transition(session, followup_id, "sent", _actor(actor), app.clock(), receipt.detail)
        record(
            session,
            actor=_actor(actor),
            action="send",
            entity="followup",
            entity_id=followup_id,
            now=app.clock(),
            detail=receipt.detail,
        )
    stdout().print(f"follow-up {followup_id}: {receipt.detail or 'sent'}")


def _deliver(app: App, channel_name: str, message: PrivateMessage) -> SendReceipt:
    # A channel that is no longer configured falls back to a task for staff.
    channels = {c.name: c for c in build_channels(app)}
    return (channels.get(channel_name) or channels["manual"]).send(message)


@handle_errors
def correct(
    ctx: typer.Context,
    mention_id: int = typer.Argument(..., metavar="MENTION_ID"),
    labels: str = typer.Option(
        ..., "--labels", help="Comma-separated, e.g. complaint,idea; 'other' for none."
    ),
    actor: str | None = ACTOR,
) -> None:
    """Correct a mention's labels; the queue follows, and `simak train` learns from it."""
    wanted = tuple(x.strip() for x in labels.split(",") if x.strip() and x.strip() != "other")
    app = state(ctx).app()
    router = BatchRouter(app.settings, build_router(app))
    with app.db.session() as session:
        now = app.clock()
        result = correct_labels(session, mention_id, wanted, _actor(actor), now)
        outcome = router.reroute(session, mention_id, result, _actor(actor), now)
    stdout().print(f"mention {mention_id}: {', '.join(result.labels) or 'other'} ({outcome})")
