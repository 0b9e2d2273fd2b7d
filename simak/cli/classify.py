"""`simak classify`: JSONL in, one JSONL result per input line out, in order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import typer

from classifier.base import Classification, Classifier
from common.errors import ConfigError
from simak.cli.common import EXIT_OK, EXIT_PARTIAL, handle_errors, state, warn

_CHUNK = 256


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    id: Any
    text: str | None
    error: str | None


def _parse(number: int, raw: str) -> _Line:
    if not raw.strip():
        return _Line(number, None, None, f"line {number}: empty line")
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return _Line(number, None, None, f"line {number}: not valid JSON ({exc.msg})")
    if not isinstance(obj, dict):
        return _Line(number, None, None, f"line {number}: expected a JSON object")
    text = obj.get("text")
    if not isinstance(text, str):
        return _Line(number, obj.get("id"), None, f"line {number}: missing string field 'text'")
    return _Line(number, obj.get("id"), text, None)


def _lines(stream: TextIO) -> Iterator[_Line]:
    for number, raw in enumerate(stream, start=1):
        # Blank lines count too: the output has exactly one line per input line.
        yield _parse(number, raw)


def _result(line: _Line, result: Classification | None) -> dict[str, Any]:
    if result is None:
        return {"id": line.id, "error": line.error}
    return {
        "id": line.id,
        "labels": list(result.labels),
        "scores": {k: round(float(v), 4) for k, v in result.scores.items()},
        "lang": result.lang,
    }


def _flush(chunk: list[_Line], classifier: Classifier, out: TextIO) -> int:
    good = [line for line in chunk if line.error is None]
    results = iter(classifier.classify([line.text or "" for line in good]))
    errors = 0
    for line in chunk:
        result = next(results) if line.error is None else None
        errors += result is None
        out.write(json.dumps(_result(line, result), ensure_ascii=False) + "\n")
    return errors


@handle_errors
def classify(
    ctx: typer.Context,
    input_path: Path = typer.Option(..., "--input", "-i", help="JSONL with 'id' and 'text'."),
    output_path: Path = typer.Option(..., "--output", "-o", help="Where to write results."),
) -> None:
    """Classify a JSONL file without touching the database.

    Each output line is {"id", "labels", "scores", "lang"}; a malformed input line
    gives {"id", "error"} and the run goes on (exit code 1 at the end).
    """
    classifier = state(ctx).app().classifier
    try:
        source = input_path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"--input {input_path}: cannot read it ({exc.strerror})") from exc
    errors = 0
    tmp = output_path.with_name(output_path.name + ".partial")
    with source, tmp.open("w", encoding="utf-8") as out:
        chunk: list[_Line] = []
        for line in _lines(source):
            chunk.append(line)
            if len(chunk) >= _CHUNK:
                errors += _flush(chunk, classifier, out)
                chunk = []
        errors += _flush(chunk, classifier, out)
    tmp.replace(output_path)  # never leave a half-written output behind
    if errors:
        warn(f"{errors} input line(s) could not be classified; see 'error' in {output_path}")
    raise typer.Exit(EXIT_PARTIAL if errors else EXIT_OK)
