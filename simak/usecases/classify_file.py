"""Classify a JSONL or CSV file without the database: one result line per input line (CSV:
per data row), in order."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from classifier.base import Classification, Classifier
from common.errors import ConfigError
from simak.app import App

_CHUNK = 256
#: The path that means standard input (``--input -``) or output (``--output -``).
STDIO = "-"


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    id: Any
    text: str | None
    error: str | None


@dataclass(frozen=True, slots=True)
class FileResult:
    """How many lines were read and how many could not be classified."""

    lines: int
    errors: int
    output: Path


def _parse(number: int, raw: str) -> _Line:
    if not raw.strip():
        return _Line(number, None, None, f"line {number}: empty line")
    try:
        obj = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        return _Line(number, None, None, f"line {number}: not valid JSON ({reason})")
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


def _csv_lines(stream: TextIO, input_path: Path) -> Iterator[_Line]:
    """Rows of a CSV file with a header naming a ``text`` column (and optionally ``id``)."""
    reader = csv.DictReader(stream)
    header = [name.strip() for name in reader.fieldnames or []]
    if not header:
        return  # an empty file: nothing to classify
    reader.fieldnames = header
    if "text" not in header:
        raise ConfigError(
            f"--input {input_path}: no 'text' column (columns: {', '.join(header)}); "
            "name the post's column text (and its id column id)"
        )
    for number, row in enumerate(reader, start=1):
        text = row.get("text")
        error = None if isinstance(text, str) else f"row {number}: missing field 'text'"
        yield _Line(number, row.get("id"), text, error)


def _is_csv(input_path: Path) -> bool:
    return input_path.suffix.lower() == ".csv"


def _result(line: _Line, result: Classification | None) -> dict[str, Any]:
    if result is None:
        return {"id": line.id, "error": line.error}
    out: dict[str, Any] = {
        "id": line.id,
        "labels": list(result.labels),
        "scores": {k: round(float(v), 4) for k, v in result.scores.items()},
        "lang": result.lang,
    }
    if "complaint" in result.labels and result.severity is not None:
        out["severity"] = result.severity
        if result.severity_reason:
            out["severity_reason"] = result.severity_reason
    return out


def _flush(chunk: list[_Line], classifier: Classifier, out: TextIO) -> int:
    good = [line for line in chunk if line.error is None]
    results = iter(classifier.classify([line.text or "" for line in good]))
    errors = 0
    for line in chunk:
        result = next(results) if line.error is None else None
        errors += result is None
        out.write(_dumps(_result(line, result)) + "\n")
    return errors


def _dumps(row: dict[str, Any]) -> str:
    text = json.dumps(row, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in an id ("\ud800"): keep it, escaped
        return json.dumps(row)
    return text


def classify_stream(
    app: App, source: TextIO, out: TextIO, rows: Iterator[_Line] | None = None
) -> tuple[int, int]:
    """Classify the JSONL lines of ``source`` (or the parsed ``rows``) into ``out``, in order,
    a chunk at a time (each chunk is written as soon as it is classified); returns (lines,
    errors)."""
    classifier = app.classifier
    errors = lines = 0
    chunk: list[_Line] = []
    for line in _lines(source) if rows is None else rows:
        chunk.append(line)
        lines += 1
        if len(chunk) >= _CHUNK:
            errors += _flush(chunk, classifier, out)
            out.flush()
            chunk = []
    errors += _flush(chunk, classifier, out)
    return lines, errors


def _open_input(input_path: Path) -> TextIO:
    if str(input_path) == STDIO:
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", errors="replace")
    newline = "" if _is_csv(input_path) else None  # the csv module reads the line ends itself
    try:  # utf-8-sig: a byte-order mark (Excel, Notepad) is not part of the first line
        return input_path.open(encoding="utf-8-sig", errors="replace", newline=newline)
    except OSError as exc:
        raise ConfigError(f"--input {input_path}: cannot read it ({exc.strerror})") from None


def classify_file(app: App, input_path: Path, output_path: Path) -> FileResult:
    """Classify ``input_path`` (JSONL with ``id`` and ``text``, or a ``.csv`` file with
    those columns) into ``output_path``; ``-`` for either means standard input or output.

    A file output appears whole or not at all (written beside it, then renamed).
    """
    if str(output_path) != STDIO and output_path.is_dir():
        raise ConfigError(
            f"--output {output_path}: is a folder; give a file name such as "
            f"{output_path / 'tags.jsonl'}, or '-' for standard output"
        )
    _ = app.classifier  # the model loads before stdin is read: a bad config fails first
    with _open_input(input_path) as source:
        rows = _csv_lines(source, input_path) if _is_csv(input_path) else None
        if str(output_path) == STDIO:
            lines, errors = classify_stream(app, source, sys.stdout, rows)
            return FileResult(lines, errors, output_path)
        lines, errors = _classify_into(app, source, output_path, rows)
    return FileResult(lines, errors, output_path)


def _classify_into(
    app: App, source: TextIO, output_path: Path, rows: Iterator[_Line] | None
) -> tuple[int, int]:
    tmp = output_path.with_name(output_path.name + ".partial")
    try:
        out = tmp.open("w", encoding="utf-8")
    except OSError as exc:
        raise _unwritable(output_path, exc) from None
    try:
        with out:
            counts = classify_stream(app, source, out, rows)
        try:
            tmp.replace(output_path)
        except OSError as exc:
            raise _unwritable(output_path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)  # no half-written file left behind, whatever stopped us
        raise
    return counts


def _unwritable(output_path: Path, exc: OSError) -> ConfigError:
    return ConfigError(
        f"--output {output_path}: cannot write there ({exc.strerror}); "
        "pick a writable folder, or '-' for standard output"
    )
