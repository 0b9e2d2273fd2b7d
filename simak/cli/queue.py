"""`simak queue` and `simak ideas`: what staff and owners look at."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import typer
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from common.errors import ConfigError
from simak.cli.common import ago, handle_errors, print_json, state, stdout
from simak.cli.render import local, one_line, plain
from simak.usecases import reports
from simak.usecases.reports import FOLLOWUP_STATUSES, QueueItem

_STATUS_HELP = (
    f"Statuses to show, repeatable ({', '.join(FOLLOWUP_STATUSES)}); default: what needs a "
    "person (snoozed ones only once due again)."
)
_LABEL_STYLE = {"complaint": "bold red", "idea": "cyan", "praise": "green"}
_SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold yellow"}


WIDE = 110  # below this many columns the table folds label/severity and status/due


def _queue_table(title: str, wide: bool) -> Table:
    table = Table(title=title, title_justify="left", expand=True)
    columns = ("#", "label", "severity", "prio", "status", "due") if wide else ("#", "label", "due")
    for col in columns:
        table.add_column(col, no_wrap=True)
    table.add_column("who", max_width=14 if wide else 10, overflow="ellipsis", no_wrap=True)
    table.add_column("what they said", ratio=1, overflow="fold", min_width=24)
    return table


def _cells(item: QueueItem, now: datetime, wide: bool) -> list[str | Text]:
    label = Text(
        item.label + ("?" if item.check_me else ""), style=_LABEL_STYLE.get(item.label, "")
    )
    severity = Text(item.severity, style=_SEVERITY_STYLE.get(item.severity, ""))
    due = ago(item.due_at, now)
    if wide:
        return [str(item.id), label, severity, str(item.priority), item.status, due]
    if item.severity != "normal":
        label = Text.assemble(label, "\n", severity)
    return [str(item.id), label, Text(f"{due}\n{item.status}")]


def _check_me(item: QueueItem) -> str | None:
    """ "check me: idea 0.55" — the labels the model is unsure of, with their scores."""
    if not item.check_me:
        return None
    return "check me: " + ", ".join(f"{lab} {item.scores[lab]:.2f}" for lab in item.check_me)


@handle_errors
def queue(
    ctx: typer.Context,
    status: list[str] | None = typer.Option(None, "--status", help=_STATUS_HELP),
    show_all: bool = typer.Option(
        False, "--all", help="Every follow-up, whatever its status, no row limit."
    ),
    limit: int | None = typer.Option(
        None, "--limit", "-n", min=1, help="How many rows (default 50; with --all: every row)."
    ),
    drafts: bool = typer.Option(False, "--drafts", help="Show each draft under its row."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Today's follow-ups: critical complaints first (harm, money lost, leaked data, legal or
    public threats), then by severity, urgency, customer value and due time."""
    unknown = sorted(set(status or ()) - set(FOLLOWUP_STATUSES))
    if unknown:
        raise ConfigError(
            f"--status {', '.join(unknown)}: unknown; use {', '.join(FOLLOWUP_STATUSES)}"
        )
    app = state(ctx).app()
    items = reports.queue(
        app,
        statuses=tuple(status) if status else None,
        everything=show_all,
        limit=limit if limit is not None else (None if show_all else 50),
    )
    if as_json:
        print_json([asdict(i) for i in items], app.redact)
        return
    now = app.clock()
    out = stdout()
    wide = out.width >= WIDE
    table = _queue_table(f"Follow-up queue · {local(now, app.settings.zone)}", wide)
    for item in items:
        said = one_line(item.text, 160 if wide else 120, prose=True)
        if len(item.posts) > 1:
            said += f" (+{len(item.posts) - 1} more post{'s' if len(item.posts) > 2 else ''})"
        reach = item.do_not_contact or item.channel_note or item.status_note
        notes = [item.severity_reason, _check_me(item), reach]
        note = "; ".join(n for n in notes if n)
        table.add_row(
            *_cells(item, now, wide),
            one_line(item.author, 40),
            Text(said + (f"  [{one_line(note, 80)}]" if note else "")),
        )
    if not items:
        table.caption = "Nothing waiting. Run `simak poll` to fetch new mentions."
    out.print(table)
    if drafts:
        for item in items:
            title = one_line(
                f"#{item.id} · {item.subject} · {item.lang} · via {item.channel} "
                f"to {item.author} on {item.platform}"
            )
            stdout().print(Panel(plain(item.draft), title=title, title_align="left", expand=False))
