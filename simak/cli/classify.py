"""`simak classify`: JSONL (or CSV) in, one JSONL result per input line out, in order."""

from __future__ import annotations

from pathlib import Path

import typer

from common.errors import EXIT_OK, EXIT_PARTIAL
from simak.cli.common import handle_errors, state, warn
from simak.usecases.classify_file import classify_file


@handle_errors
def classify(
    ctx: typer.Context,
    input_path: Path = typer.Option(
        ...,
        "--input",
        "-i",
        help="JSONL with 'id' and 'text', or a .csv file with those columns "
        "('-': standard input, JSONL).",
    ),
    output_path: Path = typer.Option(
        Path("-"),
        "--output",
        "-o",
        help="Where to write results ('-', the default: standard output).",
    ),
) -> None:
    """Classify a JSONL or CSV file without touching the database.

    Each output line is {"id", "labels", "scores", "lang"} (and "severity" for a
    complaint); a malformed input line
    gives {"id", "error"} and the run goes on (exit code 1 at the end).
    """
    result = classify_file(state(ctx).app(), input_path, output_path)
    if result.errors:
        where = "the output" if str(output_path) == "-" else str(output_path)
        warn(f"{result.errors} input line(s) could not be classified; see 'error' in {where}")
    raise typer.Exit(EXIT_PARTIAL if result.errors else EXIT_OK)
