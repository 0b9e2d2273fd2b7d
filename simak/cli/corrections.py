"""`simak corrections`: the staff label corrections `simak train` learns from, exportable
as labelled JSON Lines (`simak eval --input`, or training data for another model)."""

from __future__ import annotations

import json
import sys

import typer
from rich.table import Table
from rich.text import Text

from simak.cli.common import handle_errors, print_json, state, stdout
from simak.cli.render import one_line
from simak.usecases.correct import Correction, staff_corrections


def _row(c: Correction) -> dict[str, object]:
    return {
        "mention_id": c.mention_id,
        "text": c.text,
        "labels": list(c.labels),
        "lang": c.lang,
        "corrected_by": c.corrected_by,
    }


@handle_errors
def corrections(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON list."),
    jsonl: bool = typer.Option(
        False,
        "--jsonl",
        help="One JSON object a line (text, labels, lang…): the labelled format of "
        "`simak eval --input`.",
    ),
) -> None:
    """Every mention's current staff labels, oldest first: what `simak train` learns from
    (labels [] = other). `--jsonl > staff.jsonl` exports them."""
    app = state(ctx).app()
    found = staff_corrections(app)
    if as_json:
        print_json([_row(c) for c in found], app.redact)
        return
    if jsonl:
        for c in found:
            sys.stdout.write(app.redact(json.dumps(_row(c), ensure_ascii=False)) + "\n")
        return
    table = Table(title="Staff corrections", title_justify="left", expand=True)
    for col in ("mention", "labels", "lang", "by"):
        table.add_column(col, no_wrap=True)
    table.add_column("text", ratio=1, overflow="fold", min_width=24)
    for c in found:
        table.add_row(
            str(c.mention_id),
            ", ".join(c.labels) or "other",
            c.lang,
            c.corrected_by,
            Text(one_line(c.text, 200, prose=True)),
        )
    if not found:
        table.caption = "No corrections yet: `simak correct MENTION_ID --labels …` makes one."
    stdout().print(table)
