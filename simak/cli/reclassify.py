"""`simak reclassify`: run the configured model again over stored mentions (after
`simak train`, a new `version` or changed `thresholds`); the queue follows the changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from common.errors import EXIT_OK, EXIT_PARTIAL, UsageError
from simak.cli.common import handle_errors, print_json, print_line, state, stderr, stdout, warn
from simak.cli.render import counted, one_line, plain
from simak.usecases.reclassify import CHOICES, Reclassified
from simak.usecases.reclassify import reclassify as run_reclassify


def _labels(labels: tuple[str, ...]) -> str:
    return ", ".join(labels) or "other"


def _table(report: Reclassified, title: str) -> Table:
    """Each change; once applied, what became of it (its follow-up) instead of the text."""
    table = Table(title=title, title_justify="left", expand=True)
    table.add_column("mention", no_wrap=True, justify="right")
    table.add_column("labels", overflow="fold", min_width=12, max_width=24)
    table.add_column("lang", no_wrap=True)
    table.add_column("who", no_wrap=True, max_width=14)
    last = "status" if report.applied else "text"
    table.add_column(last, ratio=1, overflow="fold", min_width=20)
    for c in report.changes:
        status = c.outcome or c.status  # changed: what became of its follow-up
        table.add_row(
            str(c.mention_id),
            f"{_labels(c.before)} → {_labels(c.after)}"
            if set(c.before) != set(c.after)
            else _labels(c.after),
            f"{c.lang_before} → {c.lang}" if c.lang_before else c.lang,
            one_line(c.who, 30),
            Text(one_line(status, 160) if report.applied else one_line(c.text, 200, prose=True)),
        )
    return table


def _nothing(report: Reclassified) -> str:
    """Instead of an empty table: why there is nothing to change."""
    if not report.checked:
        return "No classified mention matches these options."
    return "The model gives every mention it checked the labels and language it has now."


def _summary(report: Reclassified) -> str:
    """'model X: checked 40 · changed 3 · unchanged 37 · left alone: 2 staff corrections…'"""
    s = report.skipped
    done = f"would change {len(report.changes)}" if report.changes else "nothing to change"
    if report.applied:
        done = f"changed {report.count('changed')}"
    alone = [
        counted(s.corrected, "staff correction"),
        f"{report.count('changed since read')} changed since read",
        counted(s.duplicate, "duplicate"),
        f"{s.unclassified} not classified yet",
        f"{s.filtered} filtered by language",
    ]
    parts = [f"checked {report.checked}", done, f"unchanged {report.unchanged}"]
    kept = [a for a in alone if not a.startswith("0 ")]
    if kept:
        parts.append("left alone: " + ", ".join(kept))
    return f"model {report.model}: " + " · ".join(parts)


def _json(report: Reclassified, dry_run: bool) -> dict[str, object]:
    return {
        "model": report.model,
        "dry_run": dry_run,
        "applied": report.applied,
        "checked": report.checked,
        "unchanged": report.unchanged,
        "changes": [asdict(c) for c in report.changes],
        "skipped": asdict(report.skipped)
        | {"changed_since_read": report.count("changed since read")},
        "seconds": report.seconds,
    }


def _asker(as_json: bool) -> Callable[[Reclassified], bool]:
    """Show what would change (with --json only a line, on stderr) and ask on stderr;
    no answer (cron, a pipe) is a usage error that names --yes."""

    def ask(report: Reclassified) -> bool:
        if as_json:
            stderr().print(plain(_summary(report)))
        else:
            stdout().print(_table(report, "Would change"))
            print_line(_summary(report))
        question = f"Apply {counted(len(report.changes), 'change')} as {report.model}?"
        try:
            return typer.confirm(question, err=True)
        except typer.Abort:
            raise UsageError(
                "simak reclassify asks before changing labels and got no answer; add --yes "
                "to apply without asking (--dry-run only shows what would change)"
            ) from None

    return ask


def _bar(live: bool) -> tuple[Progress, Callable[[str, int, int], None]]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    bar = Progress(*columns, console=stderr(), disable=not live, transient=True)
    task = bar.add_task("classifying", total=None)

    def progress(phase: str, done: int, total: int) -> None:
        bar.update(task, description=phase, completed=done, total=total)

    return bar, progress


@handle_errors
def reclassify(
    ctx: typer.Context,
    since: float | None = typer.Option(
        None, "--since", min=0, help="Only mentions posted in the last DAYS days."
    ),
    label: str | None = typer.Option(
        None,
        "--label",
        help=f"Only mentions labelled this now: {', '.join(CHOICES)} (other: no label).",
    ),
    brand: str | None = typer.Option(None, "--brand", help="Only this brand's mentions."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would change; change nothing."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Apply without asking."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Run the configured classifier again over stored mentions, e.g. after `simak train`.

    A mention whose labels change is re-routed as a staff correction would be (follow-ups
    created, re-drafted or dismissed; a sent one is never sent again), by "simak".
    Staff corrections are never overridden, nor a mention corrected while this runs.
    Asks before applying unless --yes. Exit codes: 0 done (or nothing to change), 1 you
    answered no, 2 bad option or no answer to the question, 4 model or database unusable.
    """
    app = state(ctx).app()
    live = not as_json and stderr().is_terminal
    bar, progress = _bar(live)
    with bar:
        report = run_reclassify(app, since_days=since, label=label, brand=brand,
                                dry_run=dry_run, confirm=None if yes else _stop(bar, as_json),
                                progress=progress)  # fmt: skip
    declined = not dry_run and bool(report.changes) and not report.applied
    if as_json:
        print_json(_json(report, dry_run), app.redact)
    elif not declined:
        title = "Changed" if report.applied else "Would change"
        stdout().print(_table(report, title) if report.changes else plain(_nothing(report)))
        print_line(_summary(report))
    if report.count("changed since read"):
        warn(
            f"{counted(report.count('changed since read'), 'mention')} changed since the "
            "model read them (a staff correction or another run): left alone"
        )
    if declined:
        stderr().print(plain("nothing changed"))
    raise typer.Exit(EXIT_PARTIAL if declined else EXIT_OK)


def _stop(bar: Progress, as_json: bool) -> Callable[[Reclassified], bool]:
    """The question, asked with the progress bar out of the way."""
    ask = _asker(as_json)

    def stopped(report: Reclassified) -> bool:
        bar.stop()
        go = ask(report)
        bar.start()
        return go

    return stopped
