"""`simak mentions`: what was heard, newest first — `--label other` shows what the model
left untagged, `--unsure` what it was not sure of."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table
from rich.text import Text

from simak.cli.common import ago, handle_errors, print_json, state, stdout
from simak.cli.render import one_line
from simak.usecases.mentions import CHOICES, MentionView
from simak.usecases.mentions import mentions as list_mentions


def _row(view: MentionView) -> tuple[str, ...]:
    m = view.mention
    labels = ", ".join(m.labels) or "other"
    if view.check_me:
        labels += " (check me: " + ", ".join(f"{x} {m.scores[x]:.2f}" for x in view.check_me) + ")"
    return str(m.id), labels, m.lang or "?", m.platform, one_line(m.author, 30)


WIDE = 110  # below this many columns (80 in a pipe) the table folds lang and platform


def _table(wide: bool) -> Table:
    """Narrow, the seven columns left the text three characters at 80 columns (a pipe)."""
    table = Table(title="Mentions", title_justify="left", expand=True)
    columns = ("#", "labels", "lang", "platform", "who", "when") if wide else ("#", "labels")
    for col in columns:
        table.add_column(col, no_wrap=col != "labels", max_width=None if wide else 16)
    if not wide:
        table.add_column("who", max_width=10, overflow="ellipsis", no_wrap=True)
        table.add_column("when", no_wrap=True)
    table.add_column("what they said", ratio=1, overflow="fold", min_width=24)
    return table


@handle_errors
def mentions(
    ctx: typer.Context,
    label: str | None = typer.Option(None, "--label", "-l", help=f"Only {'/'.join(CHOICES)}."),
    status: str | None = typer.Option(None, "--status", help="Only this mention status."),
    brand: str | None = typer.Option(None, "--brand", help="Only this brand."),
    unsure: bool = typer.Option(
        False, "--unsure", help="Only those the model was unsure of (classifier.check_me)."
    ),
    limit: int = typer.Option(50, "--limit", "-n", min=1, max=10000, help="How many rows."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Mentions newest first with their labels and scores. `--label other` lists what the
    model left untagged (nobody sees those in the queue): spot-check them and fix a wrong
    one with `simak correct MENTION_ID --labels …` (corrections feed `simak train`)."""
    app = state(ctx).app()
    views = list_mentions(
        app, label=label, status=status, brand=brand, unsure_only=unsure, limit=limit
    )
    if as_json:
        print_json([asdict(v.mention) | {"check_me": v.check_me} for v in views], app.redact)
        return
    now = app.clock()
    wide = stdout().width >= WIDE
    table = _table(wide)
    for view in views:
        when = ago(view.mention.created_at, now)
        text = Text(one_line(view.mention.text, 200, prose=True))
        number, labels, lang, platform, who = _row(view)
        if wide:
            table.add_row(number, labels, lang, platform, who, when, text)
        else:  # fold lang into labels and the platform under when: room left for the text
            table.add_row(number, f"{labels}\n{lang}", who, f"{when}\n{platform}", text)
    if not views:
        table.caption = "No mentions match."
    stdout().print(table)
