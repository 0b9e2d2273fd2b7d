"""`simak eval`: precision, recall and F1 per label and language on labelled data."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from simak.cli.common import handle_errors, print_json, say, state, stdout
from simak.usecases.evaluate import (
    EvalReport,
    LabelReport,
    load_examples,
    model_id,
    run_evaluation,
)

_NONE = "-"  # a score whose denominator is zero: undefined, not 0.000


def _scores(r: LabelReport) -> tuple[str, str, str]:
    if not r.evaluated:
        return ("not annotated", "", "")
    precision = f"{r.precision:.3f}" if r.predicted else _NONE
    if not r.support:
        return (precision, _NONE, _NONE)
    return (precision, f"{r.recall:.3f}", f"{r.f1:.3f}")


def _table(report: EvalReport) -> Table:
    texts = "text" if report.n == 1 else "texts"
    title = f"Evaluation of {report.model} on {report.n} {texts}"
    table = Table(title=title, title_justify="left")
    for col in ("lang", "n", "macro-F1", "label", "P", "R", "F1", "support", "noise"):
        table.add_column(col, justify="left" if col in ("lang", "label") else "right")
    for lang, group in report.groups.items():
        noise = "" if group.noise is None else f"{group.noise:.3f}"
        scored = any(r.support for r in group.labels.values())
        macro = f"{group.macro_f1:.3f}" if scored else _NONE
        for i, (label, r) in enumerate(group.labels.items()):
            head = (lang, str(group.n), macro) if i == 0 else ("", "", "")
            table.add_row(*head, label, *_scores(r), str(r.support), noise if i == 0 else "")
    table.caption = (
        f"{_NONE}: undefined (nothing predicted, or no gold example of that label); "
        "macro-F1 averages the labels with support"
    )
    table.caption_justify = "left"
    return table


@handle_errors
def eval_(
    ctx: typer.Context,
    input_path: Path | None = typer.Option(
        None, "--input", "-i", help="JSONL lines with 'text' and 'labels'."
    ),
    dev_splits: Path | None = typer.Option(
        None, "--dev-splits", help="The shared datasets folder: use its dev splits."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Per-label precision / recall / F1 and macro-F1 per language for the active model."""
    examples = load_examples(input_path, dev_splits)
    app = state(ctx).app()
    say(f"evaluating {model_id(app)} on {len(examples)} texts…")
    report = run_evaluation(app, examples)
    if as_json:
        print_json(report.to_dict())
    else:
        stdout().print(_table(report))
