"""`simak queue` and `simak ideas`: what staff and owners look at."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.panel import Panel
from rich.table import Table

from responder.queue import order_queue
from simak.cli.common import ago, handle_errors, print_json, state, stdout
from storage.followups import ACTIVE_STATUSES, STATUSES, QueueItem, queue_items
from storage.ideas import idea_board

_STATUS_HELP = (
    f"Statuses to show, repeatable ({', '.join(STATUSES)}); default: {', '.join(ACTIVE_STATUSES)}."
)
_LABEL_STYLE = {"complaint": "bold red", "idea": "cyan", "praise": "green"}


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _queue_table(items: list[QueueItem], now_label: str) -> Table:
    table = Table(title=f"Follow-up queue · {now_label}", title_justify="left", expand=True)
    for col in ("#", "label", "prio", "due"):
        table.add_column(col, no_wrap=True)
    table.add_column("who", max_width=14, overflow="ellipsis", no_wrap=True)
    # The person's words get whatever width is left.
    table.add_column("what they said", ratio=1, overflow="fold", min_width=24)
    return table


@handle_errors
def queue(
    ctx: typer.Context,
    status: list[str] | None = typer.Option(None, "--status", help=_STATUS_HELP),
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="How many rows."),
    drafts: bool = typer.Option(False, "--drafts", help="Show each draft under its row."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Today's follow-ups: complaints first, then by urgency, customer value and due time."""
    app = state(ctx).app()
    with app.db.session() as session:
        items = order_queue(queue_items(session, tuple(status or ACTIVE_STATUSES), limit))
    if as_json:
        print_json([asdict(i) for i in items])
        return
    now = app.clock()
    table = _queue_table(items, now.strftime("%Y-%m-%d %H:%M UTC"))
    for item in items:
        style = _LABEL_STYLE.get(item.label, "")
        table.add_row(
            str(item.id),
            f"[{style}]{item.label}[/{style}]",
            str(item.priority),
            ago(item.due_at, now),
            item.author,
            _short(item.text, 140),
        )
    if not items:
        table.caption = "Nothing waiting. Run `simak poll` to fetch new mentions."
    stdout().print(table)
    if drafts:
        for item in items:
            title = (
                f"#{item.id} · {item.subject} · {item.lang} · via {item.channel} "
                f"to {item.author} on {item.platform}"
            )
            stdout().print(Panel(item.draft, title=title, title_align="left", expand=False))


@handle_errors
def ideas(
    ctx: typer.Context,
    limit: int = typer.Option(30, "--limit", "-n", min=1, help="How many groups."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The ideas board: similar ideas grouped, how many people asked, and who."""
    app = state(ctx).app()
    with app.db.session() as session:
        board = idea_board(session)[:limit]
    if as_json:
        print_json([asdict(row) for row in board])
        return
    table = Table(title="Ideas board", title_justify="left")
    for col in ("idea", "people", "mentions", "status", "last asked", "who"):
        table.add_column(col, overflow="fold" if col == "idea" else "ellipsis")
    now = app.clock()
    for row in board:
        who = ", ".join(sorted({m.author for m in row.members}))
        table.add_row(
            _short(row.title, 60),
            str(row.people),
            str(row.count),
            row.status,
            ago(row.last_seen, now),
            _short(who, 40),
        )
    if not board:
        table.caption = "No ideas captured yet."
    stdout().print(table)
