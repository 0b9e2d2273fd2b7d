"""JSON Lines exports, line by line: one JSON object per line, read from the byte offset
where the last poll stopped.

Lines wait (nothing is read, the cursor stays) while no line of the file has the text
key: once ``options.fields.text`` names it, every line is read. A last line without a
newline is taken when it is a whole JSON object; otherwise it may still be being written
and is read once the file has settled.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from listeners.failures import error_text
from listeners.file_cursor import FileState, copy_state, mtime_of
from listeners.file_fields import has_key, missing_key_problem
from listeners.file_intake import Batch, Intake, Pages
from listeners.jsonsafe import loads_bounded
from listeners.records import Line, LineReader

_LOOKAHEAD = 50  # lines looked at to tell a wrong options.fields.text from one odd line


def read_jsonl(
    intake: Intake, handle: IO[bytes], path: Path, state: FileState, settled: bool
) -> Pages:
    """Pages of the lines after ``state`` (the handle is at ``state.offset``)."""
    batch = Batch()
    mtime = mtime_of(state)
    cap = intake.options.max_record_bytes
    reader = LineReader(handle, state.offset, state.line, cap, skipping=state.skip)
    while (line := reader.next()) is not None:
        if line.data is not None and not line.complete:
            _last_line(intake, batch, path, line, reader, settled, state)
            break
        record, problem = parse_line(line.data or b"", intake.options.encoding)
        if unmapped := _unmapped(intake, record, state, handle):
            # Lines wait for options.fields.text to match (not skipped, then lost).
            batch.warnings.append(f"{path}:{line.number}: {unmapped}")
            yield copy_state(state), batch
            return
        state.offset, state.line, state.skip = reader.offset, reader.line, reader.skipping
        batch.size += len(line.data or b"")
        if line.data is None:
            batch.fetched += 1
            batch.warnings.append(
                f"{path}:{line.number}: record longer than {cap} bytes (max_record_bytes); skipped"
            )
        else:
            intake.take(batch, path, line.number, record, problem, mtime)
        if intake.full(batch):
            yield copy_state(state), batch
            batch = Batch()
    state.offset, state.skip = reader.offset, reader.skipping
    if batch.fetched or batch.warnings or batch.mentions or state.skip:
        yield copy_state(state), batch


def _last_line(
    intake: Intake,
    batch: Batch,
    path: Path,
    line: Line,
    reader: LineReader,
    settled: bool,
    state: FileState,
) -> None:
    """An unterminated last line: a whole JSON object is taken (many exporters write no
    final newline); anything else may still be being written and is read on a later
    poll, or taken as it is (a warning) once the file has settled."""
    data = line.data or b""
    record, problem = parse_line(data, intake.options.encoding)
    if (record is None or problem is not None) and not settled:
        batch.warnings.append(
            f"{path}:{line.number}: incomplete last line, will be read again on the next poll"
        )
        return
    if unmapped := _unmapped(intake, record, state, None):
        batch.warnings.append(f"{path}:{line.number}: {unmapped}")
        return
    # The line count stays: a newline appended later ends this same line (a blank).
    reader.offset += len(data)
    batch.size += len(data)
    intake.take(batch, path, line.number, record, problem, mtime_of(state))


def _unmapped(
    intake: Intake, record: dict[str, Any] | None, state: FileState, handle: IO[bytes] | None
) -> str | None:
    """Why this record and the ones after it wait for options.fields.text, or None: no
    record of the file had the key so far, this one lacks it, and so do the next ones."""
    key = intake.options.fields.text
    if record is None or state.mapped:
        return None
    if has_key(record, key):
        state.mapped = True
        return None
    if handle is not None and _key_ahead(intake, handle, key):
        return None  # one odd record in a file that has the key: its own warning
    return missing_key_problem(record, key, "this line nor the lines after it")


def _key_ahead(intake: Intake, handle: IO[bytes], key: str) -> bool:
    """True when one of the next few lines is an object with ``key`` (the handle is
    left where it was)."""
    where = handle.tell()
    try:
        for _ in range(_LOOKAHEAD):
            raw = handle.readline(intake.options.max_record_bytes + 1)
            if not raw:
                return False
            record, _problem = parse_line(raw, intake.options.encoding)
            if record is not None and has_key(record, key):
                return True
        return False
    finally:
        handle.seek(where)


def parse_line(raw: bytes, encoding: str) -> tuple[dict[str, Any] | None, str | None]:
    """(the object, None), (None, None) for a blank line, or (None, the problem)."""
    try:
        text = raw.decode(encoding).removeprefix("\ufeff").strip()
    except UnicodeDecodeError as exc:
        return None, f"not valid {encoding} ({exc.reason} at byte {exc.start})"
    if not text:
        return None, None
    try:
        value = loads_bounded(text)
    except (ValueError, RecursionError) as exc:
        return None, f"not valid JSON ({error_text(exc, 120)})"
    if not isinstance(value, dict):
        return None, f"expected a JSON object, found {type(value).__name__}"
    return value, None
