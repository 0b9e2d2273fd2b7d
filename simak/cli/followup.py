"""`simak followup ...` and `simak correct`: what staff do with the queue."""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import tzinfo
from pathlib import Path

import typer
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from common.errors import ConfigError, UsageError
from common.records import LABELS
from simak.cli.common import (
    ACTOR,
    actor,
    handle_errors,
    print_json,
    print_line,
    state,
    stdout,
    unreadable,
)
from simak.cli.render import local, one_line, plain
from simak.usecases import correct as correcting
from simak.usecases import followups as uc
from simak.usecases.followups import Changed, FollowUpView
from simak.usecases.send import send_one

followup_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Act on one follow-up: show, approve, edit, send, snooze, retry…",
    no_args_is_help=True,
)

ID = typer.Argument(..., metavar="ID", help="The follow-up's id (see `simak queue`).")
IF_VERSION = typer.Option(
    None, "--if-version", help="Refuse if the follow-up changed since you saw this version."
)


_SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold yellow"}


def _done(change: Changed) -> None:
    print_line(change.message)


def _title(*parts: str | None) -> Text:
    return Text(" · ".join(one_line(p) for p in parts if p))


def _labels(labels: tuple[str, ...], mention_id: int | None) -> str:
    """ "complaint (mention 52)": the id `simak correct` takes, next to what it corrects."""
    named = ", ".join(labels) or "other"
    return named if mention_id is None else f"{named} (mention {mention_id})"


def _render(view: FollowUpView, zone: tzinfo) -> None:
    item = view.item
    for post in item.posts or ():
        said = _title(
            f"{item.author} on {post.platform}", local(post.created_at, zone),
            _labels(post.labels, post.mention_id), post.url,
        )  # fmt: skip
        stdout().print(Panel(plain(post.text, prose=True), title=said, title_align="left"))
    if not item.posts and item.mention_id is None and not item.text:  # answers no post
        print_line(one_line(f"{item.author} on {item.platform} · {item.kind}"), "bold")
    elif not item.posts:
        said = _title(
            f"{item.author} on {item.platform}", _labels(item.labels, item.mention_id), item.url
        )
        stdout().print(Panel(plain(item.text, prose=True), title=said, title_align="left"))
    head = _title(
        f"#{item.id} v{item.version}", item.status, f"via {item.channel}", item.lang, item.subject
    )
    stdout().print(Panel(plain(item.draft), title=head, title_align="left"))
    style = _SEVERITY_STYLE.get(item.severity, "")
    why = item.severity_reason or item.severity
    stdout().print(Text.assemble(("severity: ", "bold"), (one_line(why), style)))
    for note in (item.channel_note, item.status_note):
        if note:
            stdout().print(Text.assemble(("note: ", "yellow"), one_line(note)))
    if item.suggested_draft:
        stdout().print(Panel(plain(item.suggested_draft), title="new suggestion (not applied)"))
    if view.deliveries:
        table = Table(title="Deliveries", title_justify="left")
        for col in ("attempt", "channel", "status", "provider id", "detail"):
            table.add_column(col)
        for d in view.deliveries:
            table.add_row(
                str(d.attempt), d.channel, d.status, one_line(d.external_id), one_line(d.detail, 80)
            )
        stdout().print(table)


@followup_app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    followup_id: int = ID,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The mention, the person, the draft, and every delivery attempt of one follow-up."""
    app = state(ctx).app()
    view = uc.show(app, followup_id)
    if as_json:
        data = asdict(view.item) | {"deliveries": [asdict(d) for d in view.deliveries]}
        print_json(data, app.redact)
        return
    _render(view, app.settings.zone)


def _check_bulk_options(
    followup_ids: list[int], every: bool, label: str | None, version: int | None, which: str
) -> None:
    """Refuse options that would otherwise be ignored without a word (a guard the person
    thinks they have, or a typo that matches nothing); ``which``: what --all takes."""
    if every and followup_ids:
        raise ConfigError("give follow-up IDs or --all, not both")
    if not every and not followup_ids:
        raise ConfigError(f"say which: give follow-up IDs, or --all for every {which} one")
    if label is not None and not every:
        raise ConfigError("--label works only with --all; give the IDs or use --all --label")
    if label is not None and label not in LABELS:
        raise ConfigError(f"--label {label}: unknown; use {', '.join(LABELS)}")
    if version is not None and (every or len(followup_ids) > 1):
        raise ConfigError(
            "--if-version works with one ID only; give that one alone or drop --if-version"
        )


def _report_bulk(result: uc.BulkResult, asked: int, verb: str) -> None:
    """ "approved 3 of 4 follow-up(s)", each refusal and why; exit 1 when one was refused."""
    print_line(f"{verb} {len(result.done)} of {asked} follow-up(s)")
    for followup_id, why in result.refused:
        stdout().print(Text.assemble((f"not {verb} #{followup_id}: ", "yellow"), one_line(why)))
    if result.refused:
        raise typer.Exit(1)


@followup_app.command("approve")
@handle_errors
def approve(
    ctx: typer.Context,
    followup_ids: list[int] | None = typer.Argument(None, metavar="ID...", help="Follow-ups."),
    every: bool = typer.Option(False, "--all", help="Every open follow-up (with --label: of it)."),
    label: str | None = typer.Option(None, "--label", help="With --all: only this label."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    who: str | None = ACTOR,
    version: int | None = IF_VERSION,
) -> None:
    """Approve drafts as they are now; nothing is sent before this.

    One ID (optionally --if-version), several IDs, or --all [--label L] (asks first unless
    --yes). Each is approved on its own; the report lists any refused and why (exit 1).
    """
    followup_ids = list(dict.fromkeys(followup_ids or ()))  # an id typed twice counts once
    _check_bulk_options(followup_ids, every, label, version, "open")
    app = state(ctx).app()
    if len(followup_ids) == 1:
        _done(uc.approve(app, followup_ids[0], actor(who), version))
        return
    ids = followup_ids or uc.matching(app, label=label)
    if not ids:
        print_line(f"no open {label or ''} follow-ups to approve".replace("  ", " "))
        return
    if every and not yes and not _confirm_all(len(ids)):
        raise typer.Exit(1)
    _report_bulk(uc.approve_many(app, ids, actor(who)), len(ids), "approved")


def _confirm_all(count: int) -> bool:
    """Ask before approving every open one; no answer (cron, a pipe) is a usage error that
    names --yes, as for `simak forget`, not click's "Aborted!" and exit 1 (partly done)."""
    try:
        return typer.confirm(f"Approve {count} open follow-up(s)?", err=True)
    except typer.Abort:
        raise UsageError(
            "simak followup approve --all asks before approving and got no answer; "
            "add --yes to approve without asking"
        ) from None


@followup_app.command("done")
@handle_errors
def done(
    ctx: typer.Context,
    followup_id: int = ID,
    who: str | None = ACTOR,
    version: int | None = IF_VERSION,
) -> None:
    """Mark as handled (e.g. you replied privately yourself)."""
    _done(uc.done(state(ctx).app(), followup_id, actor(who), version))


@followup_app.command("dismiss")
@handle_errors
def dismiss(
    ctx: typer.Context,
    followup_id: int = ID,
    who: str | None = ACTOR,
    reason: str | None = typer.Option(None, "--reason", help="Why."),
    version: int | None = IF_VERSION,
) -> None:
    """Drop a follow-up that needs no answer."""
    _done(uc.dismiss(state(ctx).app(), followup_id, actor(who), reason, version))


@followup_app.command("reopen")
@handle_errors
def reopen(
    ctx: typer.Context,
    followup_id: int = ID,
    who: str | None = ACTOR,
    version: int | None = IF_VERSION,
) -> None:
    """Put a follow-up back in the queue (it needs approving again)."""
    _done(uc.reopen(state(ctx).app(), followup_id, actor(who), version))


@followup_app.command("retry")
@handle_errors
def retry(
    ctx: typer.Context,
    followup_ids: list[int] | None = typer.Argument(None, metavar="ID...", help="Follow-ups."),
    every: bool = typer.Option(
        False, "--all", help="Every failed follow-up (with --label: of it)."
    ),
    label: str | None = typer.Option(None, "--label", help="With --all: only this label."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    who: str | None = ACTOR,
    version: int | None = IF_VERSION,
) -> None:
    """Give failed deliveries a new attempt (same idempotency key) at the next send.

    One ID (optionally --if-version), several IDs, or --all [--label L] for every failed one
    (asks first unless --yes), e.g. after fixing a channel's password. Only a failed
    delivery is retried; the report lists any refused and why (exit 1).
    """
    followup_ids = list(dict.fromkeys(followup_ids or ()))
    _check_bulk_options(followup_ids, every, label, version, "failed")
    app = state(ctx).app()
    if len(followup_ids) == 1:
        _done(uc.retry(app, followup_ids[0], actor(who), version))
        return
    ids = followup_ids or uc.failed(app, label)
    if not ids:
        print_line(f"no failed {label or ''} follow-ups to retry".replace("  ", " "))
        return
    if every and not yes and not typer.confirm(f"Retry {len(ids)} failed follow-up(s)?"):
        raise typer.Exit(1)
    _report_bulk(uc.retry_many(app, ids, actor(who)), len(ids), "retried")


@followup_app.command("resolve-unknown")
@handle_errors
def resolve_unknown(
    ctx: typer.Context,
    followup_id: int = ID,
    delivered: bool | None = typer.Option(
        None, "--delivered/--not-delivered", help="What you found out (required)."
    ),
    external_id: str | None = typer.Option(None, "--provider-id", help="Proof, if you have it."),
    who: str | None = ACTOR,
) -> None:
    """Settle an unknown outcome: it arrived, or it did not (then it is sent again)."""
    if delivered is None:
        raise ConfigError("say what you found: --delivered or --not-delivered")
    _done(uc.resolve_unknown(state(ctx).app(), followup_id, delivered, actor(who), external_id))


@followup_app.command("snooze")
@handle_errors
def snooze(
    ctx: typer.Context,
    followup_id: int = ID,
    hours: float | None = typer.Option(
        None, "--hours", min=0.01, max=24 * 366, help="For how long (default: until tomorrow)."
    ),
    until: str | None = typer.Option(
        None,
        "--until",
        help="When it comes back: tomorrow, monday (or senin), next-week, 4h, 3d, a date "
        "(2026-12-10: 09:00) or date and time, in the business's time zone.",
    ),
    who: str | None = ACTOR,
    version: int | None = IF_VERSION,
) -> None:
    """Hide a follow-up for a while; it comes back to the queue afterwards (by default
    tomorrow at 09:00, the business's time)."""
    if hours is not None and until is not None:
        raise UsageError("say --hours or --until, not both")
    app, who_ = state(ctx).app(), actor(who)
    if hours is not None:
        _done(uc.snooze_for(app, followup_id, hours, who_, version))
    else:
        _done(uc.snooze_until(app, followup_id, until or "tomorrow", who_, version))


def _read_draft(draft_file: Path) -> str:
    """The new draft from a file, or from stdin for ``-``."""
    try:
        if str(draft_file) == "-":
            return sys.stdin.read()
        return draft_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise unreadable(f"--draft-file {draft_file}", exc) from None


@followup_app.command("edit")
@handle_errors
def edit(
    ctx: typer.Context,
    followup_id: int = ID,
    draft_file: Path = typer.Option(
        ..., "--draft-file", help="File with the new text (- for stdin)."
    ),
    subject: str | None = typer.Option(None, "--subject", help="New subject line."),
    who: str | None = ACTOR,
    version: int | None = IF_VERSION,
) -> None:
    """Replace the draft with your own words (an approved one must be approved again).

    `--draft-file -` reads the new text from stdin."""
    if subject is not None and not subject.strip():
        raise ConfigError("--subject is empty; give the new subject or leave --subject out")
    text = _read_draft(draft_file)
    _done(uc.edit(state(ctx).app(), followup_id, text, subject, actor(who), version))


@followup_app.command("send")
@handle_errors
def send(
    ctx: typer.Context,
    followup_id: int = ID,
    who: str | None = ACTOR,
    version: int | None = IF_VERSION,
) -> None:
    """Send one approved follow-up through its private channel now (once, ever)."""
    result = send_one(state(ctx).app(), followup_id, actor(who), version)
    line = f"follow-up {followup_id}: {result.status} via {result.channel}"
    print_line(f"{line} — {result.detail}" if result.detail else line)
    if result.outcome in ("failed", "unknown"):
        raise typer.Exit(1)


@handle_errors
def correct(
    ctx: typer.Context,
    mention_id: int = typer.Argument(..., metavar="MENTION_ID"),
    labels: str = typer.Option(
        ..., "--labels", help="Comma-separated, e.g. complaint,idea; 'other' for none."
    ),
    who: str | None = ACTOR,
) -> None:
    """Correct a mention's labels; the queue follows, and `simak train` learns from it."""
    wanted = correcting.parse_labels(labels)
    result = correcting.correct(state(ctx).app(), mention_id, wanted, actor(who))
    stdout().print(
        plain(
            f"mention {mention_id}: {', '.join(result.result.labels) or 'other'} ({result.outcome})"
        )
    )
