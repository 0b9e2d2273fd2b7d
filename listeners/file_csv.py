"""CSV exports, row by row: the header names the columns, every row after it is a record.

Nothing is read while the header lacks the text column (the cursor stays, so every row
is read once the options match the file). A row whose quote is never closed is reported
and the rows after it are read on their own; a last row without a newline waits for the
file to settle (it may still be being written).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from listeners.failures import error_text
from listeners.file_cursor import FileState, copy_state, mtime_of
from listeners.file_intake import Batch, Intake, Pages
from listeners.file_options import FilesOptions
from listeners.records import CsvFeed, LineReader, RecordTooLong


def read_csv(
    intake: Intake, handle: IO[bytes], path: Path, state: FileState, settled: bool
) -> Pages:
    """Pages of the rows after ``state`` (the header is read again on every poll)."""
    options = intake.options
    cap, encoding = options.max_record_bytes, options.encoding
    handle.seek(0)  # the header is needed on every read, also when resuming
    header_feed = CsvFeed(LineReader(handle, 0, 0, cap), encoding, settled=settled)
    try:
        header = next(csv.reader(header_feed, delimiter=options.csv_delimiter))
    except (StopIteration, csv.Error, RecordTooLong):
        return
    header = [h.strip() for h in header]
    if problem := _header_problem(options, header, bool(header_feed.undecodable)):
        # Nothing is read and the cursor stays: once options match the file, every
        # row is read (not skipped as "missing 'text'" one by one, then lost).
        yield copy_state(state), Batch(warnings=[f"{path}:1: {problem}"])
        return
    if state.offset < header_feed.offset:  # first read: start after the header
        state.offset, state.line = header_feed.offset, header_feed.line
    handle.seek(state.offset)
    feed = CsvFeed(LineReader(handle, state.offset, state.line, cap), encoding, settled=settled)
    batch = Batch()
    for number, row, problem in _rows(feed, options.csv_delimiter):
        batch.size += feed.offset - state.offset
        state.offset, state.line = feed.offset, feed.line
        if row is not None and not any(cell.strip() for cell in row):
            continue
        record: dict[str, Any] | None = None
        if row is not None and len(row) != len(header):
            problem = f"expected {len(header)} fields, found {len(row)}"
        elif row is not None:
            record = dict(zip(header, row, strict=True))
        intake.take(batch, path, number, record, problem, mtime_of(state))
        if intake.full(batch):
            yield copy_state(state), batch
            batch = Batch()
    _end_warnings(batch, path, feed, options)
    if batch.fetched or batch.warnings or batch.mentions:
        yield copy_state(state), batch


def _end_warnings(batch: Batch, path: Path, feed: CsvFeed, options: FilesOptions) -> None:
    """Bytes the encoding could not read, and a last row held back for now."""
    if feed.undecodable:
        batch.warnings.append(
            f"{path}:{feed.undecodable}: not valid {options.encoding}; the bytes it cannot "
            "read are shown as \ufffd (set options.encoding to the file's, e.g. cp1252)"
        )
    if feed.held:
        batch.warnings.append(
            f"{path}:{feed.line + 1}: the last row has no newline yet and the file changed "
            f"under {options.settle_s} s ago (settle_s): it may still be being "
            "written, so it is read by a later poll, once"
        )


def _header_problem(options: FilesOptions, header: list[str], undecodable: bool) -> str | None:
    """Why no row of this CSV can be read with these options, or None."""
    column, encoding = options.fields.text, options.encoding
    if column in header:
        return None
    if undecodable:
        return (
            f"the header is not valid {encoding}; set options.encoding to the file's, "
            "or save it as CSV UTF-8 (rows are read once it matches)"
        )
    shown = ", ".join(repr(h) for h in header)[:160]
    hint = "set options.fields.text to the text column"
    if same := [h for h in header if h.casefold() == column.casefold()]:
        hint = f"set options.fields.text to {same[0]!r}"
    elif len(header) == 1 and (sep := next((c for c in ";\t|" if c in header[0]), None)):
        hint = f"the file looks separated by {sep!r}: set options.csv_delimiter"
    return f"no {column!r} column in the header ({shown}); {hint} (rows are read then)"


def _rows(feed: CsvFeed, delimiter: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(first line number, row or None, problem) per CSV record."""
    reader = csv.reader(feed, delimiter=delimiter)
    while True:
        first_line = feed.line + 1
        feed.start_record()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield first_line, None, f"unreadable CSV row ({error_text(exc, 120)})"
            continue
        except RecordTooLong as exc:
            yield exc.number, None, str(exc)
            reader = csv.reader(feed, delimiter=delimiter)  # start clean
            continue
        if feed.at_end and not feed.settled:
            return  # a quoted field runs into the end of a live file: read it next poll
        if len(feed.record_lines) > 1 and not _well_quoted(feed.record_lines, delimiter):
            # An unclosed quote ran on into the rows after it: report this row and
            # read on from its next line, so those rows are not swallowed with it.
            feed.rewind_record()
            reader = csv.reader(feed, delimiter=delimiter)
            yield first_line, None, "unclosed quote; the rows after it are read on their own"
            continue
        yield first_line, row, None


def _well_quoted(lines: list[str], delimiter: str) -> bool:
    """True when a record over several lines parses strictly as one row (every quote
    closed, and closed right before a delimiter or the end of the line)."""
    try:
        rows = list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    return len(rows) == 1
