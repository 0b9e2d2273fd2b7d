"""Import mentions from JSONL and CSV exports written by other tools.

A malformed line or row becomes a warning ``path:line: reason`` on the page and
everything else is ingested. The cursor records, per file, how many bytes were
read and a hash of the file's first bytes: an unchanged file yields nothing, an
appended file yields only the new lines, and a replaced file is read again from
the start (storage dedups on platform + external id). A last line without a newline
is read once the file has not changed for ``settle_s`` (by its mtime and the injected
clock), or at once when it is a whole JSON object; before that it may still be being
written and waits for the next poll. A ``.json`` file holding one JSON array is read
item by item (``listeners.file_array``); its cursor counts items, not bytes.

Hostile files cannot hurt: only regular files are read (not ``/dev/zero``, not a
FIFO), a record longer than ``max_record_bytes`` is skipped after reading at most
that much of it, JSON nesting is limited before parsing, and a page is yielded
every ``page_size`` records or every 8 MiB read, so memory stays bounded.
"""

from __future__ import annotations

import codecs
import csv
import glob
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import IO, Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common.errors import SourceUnavailable
from common.zones import known_zone
from listeners import cursors
from listeners.base import Mention, PollPage
from listeners.bounds import MIB, NonBlank, within
from listeners.failures import error_text
from listeners.file_array import ArrayScan, digest_of, starts_array, too_deep
from listeners.file_array import decode as decode_array
from listeners.file_array import scan as scan_array
from listeners.file_cursor import (
    FileState,
    copy_state,
    head_hash,
    mtime_of,
    resume_point,
    state_from,
    state_to,
)
from listeners.file_fields import FileFields as FileFields
from listeners.file_fields import has_key, missing_key_problem, record_mention
from listeners.jsonsafe import loads_bounded
from listeners.localfile import NotRegularFile, kind_of, open_regular
from listeners.matching import BrandMatcher
from listeners.records import CsvFeed, Line, LineReader, RecordTooLong, classic_mac_lines
from listeners.retry import Clock, utc_now

_HEAD_BYTES = 4096  # enough of the start of a file to tell "appended" from "replaced"
_LOOKAHEAD = 50  # lines looked at to tell a wrong options.fields.text from one odd line
_PAGE_BYTES = 8 * MIB  # a page is yielded at least this often, whatever page_size says
_ARRAY_BYTES = 64 * MIB  # a JSON array is read whole; larger ones are refused
_SUFFIXES = MappingProxyType(
    {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}
)


class FilesOptions(BaseModel):
    """Options of a ``files`` source: JSONL/CSV exports on the local disk."""

    model_config = ConfigDict(extra="forbid")

    path: NonBlank = Field(
        description="A file, a directory (its *.jsonl, *.ndjson, *.json, *.csv files) "
        "or a glob pattern such as exports/*.jsonl."
    )
    format: Literal["auto", "jsonl", "csv"] = Field(
        default="auto", description="File format; 'auto' goes by the file extension."
    )
    platform: NonBlank = Field(
        default="file", description="Platform key for rows that do not name one."
    )
    fields: FileFields = Field(default_factory=FileFields, description="Column/key mapping.")
    encoding: str = Field(default="utf-8", description="Text encoding (ASCII-compatible).")
    csv_delimiter: str = Field(
        default=",", min_length=1, max_length=1, description="CSV delimiter."
    )
    page_size: Annotated[int, within(1, 10_000, "records")] = Field(
        default=500, description="Records per page, one DB transaction each (1-10000)."
    )
    max_record_bytes: Annotated[int, within(1024, 64 * MIB, "bytes")] = Field(
        default=MIB, description="Longest JSONL line or CSV row; longer ones are skipped."
    )
    timezone: str | None = Field(
        default=None,
        description="IANA time zone of times written without an offset ('2026-11-20 "
        "14:30', as spreadsheets export them); default: the project's timezone setting.",
    )
    settle_s: Annotated[int, within(0, 86_400, "seconds")] = Field(
        default=60,
        description="A last line without a newline (a CSV row, or a JSONL line that is not "
        "a whole JSON object) is read once the file has not changed for this long; before "
        "that it may still be being written and waits for the next poll (0-86400).",
    )

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codec = codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r}; use e.g. utf-8") from None
        if "\n".encode(codec.name, errors="replace") != b"\n":
            raise ValueError(f"{value!r} is not ASCII-compatible; convert the file to utf-8")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else known_zone(value)

    @property
    def zone(self) -> tzinfo:
        """Where times without an offset are (UTC when neither the source nor the project
        names a zone)."""
        return ZoneInfo(self.timezone) if self.timezone else UTC


@dataclass(slots=True)
class _Batch:
    mentions: list[Mention] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fetched: int = 0
    size: int = 0  # bytes read for this page


class FilesListener:
    """Polls JSONL/CSV export files for brand mentions (platform key ``file`` by default)."""

    platform = "file"

    def __init__(
        self,
        name: str,
        options: FilesOptions,
        matcher: BrandMatcher,
        *,
        env: Mapping[str, str] | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._name = name
        self.options = options
        self.matcher = matcher
        self._clock = clock

    @property
    def name(self) -> str:
        """The configured source name."""
        return self._name

    def poll(self, cursor: str | None) -> Iterator[PollPage]:
        """Yield pages of mentions from lines not read before; nothing if no file changed."""
        state = cursors.load(cursor)
        paths = self._paths()
        # Only files that still exist are kept, so the cursor does not grow forever.
        known = state.get("files") or {}
        known = known if isinstance(known, dict) else {}
        files: dict[str, Any] = {str(p): known[str(p)] for p in paths if str(p) in known}
        for path in paths:
            key = str(path)
            previous = state_from(files.get(key))
            for page_state, batch in self._read(path, previous):
                files[key] = state_to(page_state)
                yield PollPage(
                    mentions=batch.mentions,
                    cursor=cursors.dump({"v": 1, "files": files}),
                    fetched=batch.fetched,
                    warnings=batch.warnings,
                )

    def _paths(self) -> list[Path]:
        raw = os.path.expanduser(self.options.path)
        if os.path.isdir(raw):
            found = [p for p in Path(raw).iterdir() if p.suffix.lower() in _SUFFIXES]
        elif glob.has_magic(raw):
            found = [Path(p) for p in glob.glob(raw)]
        else:
            found = [Path(raw)]
        paths = sorted(p.resolve() for p in found if p.is_file())  # regular files only
        if not paths and (os.path.isdir(raw) or glob.has_magic(raw)):
            return []  # an export folder with nothing in it yet is not a failure
        if not paths and os.path.exists(raw):
            raise SourceUnavailable(
                f"source {self._name!r}: {raw} is {kind_of(os.stat(raw).st_mode)}, not a "
                "regular file; point options.path at an export file"
            )
        if not paths:
            raise SourceUnavailable(
                f"source {self._name!r}: no readable file at {self.options.path!r}; "
                "check options.path"
            )
        return paths

    def _format(self, path: Path) -> str:
        if self.options.format != "auto":
            return self.options.format
        return _SUFFIXES.get(path.suffix.lower(), "jsonl")

    def _read(self, path: Path, previous: FileState) -> Iterator[tuple[FileState, _Batch]]:
        try:
            with open_regular(path) as handle:
                size = os.fstat(handle.fileno()).st_size
                mtime_ns = os.fstat(handle.fileno()).st_mtime_ns
                head, hlen = head_hash(handle, min(size, _HEAD_BYTES))
                if self._is_array(path, handle):
                    now = FileState(0, 0, size, mtime_ns, head, hlen, items=0)
                    yield from self._read_array(handle, path, previous, now)
                    return
                start, note = resume_point(handle, previous, size)
                if start is None:
                    return
                state = replace(start, size=size, mtime_ns=mtime_ns, head=head, hlen=hlen)
                settled = self._settled(mtime_of(state))
                if self._format(path) == "csv":
                    pages = self._read_csv(classic_mac_lines(handle), path, state, settled)
                else:
                    pages = self._read_jsonl(handle, path, state, settled)
                for number, (page_state, batch) in enumerate(pages):
                    if number == 0 and note:
                        batch.warnings.insert(0, f"{path}: {note}")
                    yield page_state, batch
        except NotRegularFile as exc:
            raise SourceUnavailable(
                f"source {self._name!r}: {exc}; point options.path at an export file"
            ) from exc
        except OSError as exc:
            raise SourceUnavailable(
                f"source {self._name!r}: cannot read {path}: {exc.strerror or exc}; "
                "check the file and its permissions"
            ) from exc

    def _is_array(self, path: Path, handle: IO[bytes]) -> bool:
        """A ``.json`` file that holds one array (a ``.jsonl`` file is JSON Lines, whatever
        its first line is)."""
        json_file = path.suffix.lower() == ".json" and self._format(path) == "jsonl"
        return json_file and starts_array(handle)

    def _settled(self, mtime: datetime) -> bool:
        """True when the file has not changed for ``settle_s``: its writer is done, so an
        unterminated last line is the whole record (a Google Sheets export), not a cut."""
        return self._clock() - mtime >= timedelta(seconds=self.options.settle_s)

    def _full(self, batch: _Batch) -> bool:
        return batch.fetched >= self.options.page_size or batch.size >= _PAGE_BYTES

    def _read_jsonl(
        self, handle: IO[bytes], path: Path, state: FileState, settled: bool
    ) -> Iterator[tuple[FileState, _Batch]]:
        batch = _Batch()
        mtime = mtime_of(state)
        cap = self.options.max_record_bytes
        reader = LineReader(handle, state.offset, state.line, cap, skipping=state.skip)
        while (line := reader.next()) is not None:
            if line.data is not None and not line.complete:
                self._last_jsonl_line(batch, path, line, reader, mtime, settled, state)
                break
            record, problem = _parse_jsonl(line.data or b"", self.options.encoding)
            if unmapped := self._unmapped(record, state, handle):
                # Lines wait for options.fields.text to match (not skipped, then lost).
                batch.warnings.append(f"{path}:{line.number}: {unmapped}")
                yield copy_state(state), batch
                return
            state.offset, state.line, state.skip = reader.offset, reader.line, reader.skipping
            batch.size += len(line.data or b"")
            if line.data is None:
                batch.fetched += 1
                batch.warnings.append(
                    f"{path}:{line.number}: record longer than {cap} bytes "
                    "(max_record_bytes); skipped"
                )
            else:
                self._take(batch, path, line.number, record, problem, mtime)
            if self._full(batch):
                yield copy_state(state), batch
                batch = _Batch()
        state.offset, state.skip = reader.offset, reader.skipping
        if batch.fetched or batch.warnings or batch.mentions or state.skip:
            yield copy_state(state), batch

    def _last_jsonl_line(
        self,
        batch: _Batch,
        path: Path,
        line: Line,
        reader: LineReader,
        mtime: datetime,
        settled: bool,
        state: FileState,
    ) -> None:
        """An unterminated last line: a whole JSON object is taken (many exporters write no
        final newline); anything else may still be being written and is read on a later
        poll, or taken as it is (a warning) once the file has settled."""
        data = line.data or b""
        record, problem = _parse_jsonl(data, self.options.encoding)
        if (record is None or problem is not None) and not settled:
            batch.warnings.append(
                f"{path}:{line.number}: incomplete last line, will be read again on the next poll"
            )
            return
        if unmapped := self._unmapped(record, state, None):
            batch.warnings.append(f"{path}:{line.number}: {unmapped}")
            return
        # The line count stays: a newline appended later ends this same line (a blank).
        reader.offset += len(data)
        batch.size += len(data)
        self._take(batch, path, line.number, record, problem, mtime)

    def _read_array(
        self, handle: IO[bytes], path: Path, previous: FileState, now: FileState
    ) -> Iterator[tuple[FileState, _Batch]]:
        """A file holding one JSON array: the items not read before (listeners.file_array)."""
        same = (previous.size, previous.mtime_ns, previous.head) == (
            now.size,
            now.mtime_ns,
            now.head,
        )
        if previous.items is not None and previous.offset == now.size and same:
            return  # unchanged since it was read
        if now.size > _ARRAY_BYTES:
            yield copy_state(previous), _Batch(warnings=[f"{path}: {_too_big(path, now.size)}"])
            return
        handle.seek(0)
        data = handle.read(now.size)
        text, problem = decode_array(data, self.options.encoding)
        problem = too_deep(data) or problem
        if text is None or problem:
            fix = "set options.encoding to the file's" if text is None else "fix the file"
            warning = f"{path}:1: {problem}; {fix} (its items are read then)"
            yield copy_state(previous), _Batch(warnings=[warning])
            return
        found = scan_array(text, self.options.max_record_bytes)
        yield from self._array_pages(path, previous, now, found)

    def _array_pages(
        self, path: Path, previous: FileState, now: FileState, found: ArrayScan
    ) -> Iterator[tuple[FileState, _Batch]]:
        items, key = found.items, self.options.fields.text
        records = [i.record for i in items if i.record is not None]
        if records and not any(has_key(r, key) for r in records):
            problem = missing_key_problem(records[0], key, "any item of the array")
            yield copy_state(previous), _Batch(warnings=[f"{path}:{items[0].line}: {problem}"])
            return
        digests = [i.digest for i in items]
        first, last, note = _new_items(previous, digests)
        appending = first == (previous.items or 0)  # progress can be kept page by page
        batch = _Batch(warnings=[f"{path}: {note}"] if note else [])
        for item in items[first:last]:
            where = f"{item.line}: item {item.number}"
            self._take(batch, path, where, item.record, item.problem, mtime_of(now))
            if self._full(batch) and item is not items[last - 1]:
                done = replace(
                    now, offset=0, items=item.number, digest=digest_of(digests[: item.number])
                )
                yield (done if appending else copy_state(previous)), batch
                batch = _Batch()
        self._array_end(batch, path, found, settled=self._settled(mtime_of(now)))
        # Read to its end: an unchanged file is not read again. An open array still being
        # written is read again (offset 0), from the items after these.
        whole = found.closed or found.problem is not None or self._settled(mtime_of(now))
        end = replace(
            now, offset=now.size if whole else 0, items=len(items), digest=digest_of(digests)
        )
        yield end, batch

    def _array_end(self, batch: _Batch, path: Path, found: ArrayScan, *, settled: bool) -> None:
        """The warning for an array that could not be read to its closing ']', if any."""
        after = f"the items after item {len(found.items)}" if found.items else "its items"
        if found.problem:
            batch.warnings.append(
                f"{path}:{found.problem_line}: {found.problem}; {after} are read once the "
                "file is fixed"
            )
        elif not found.closed and settled:
            batch.warnings.append(
                f"{path}: the JSON array has no closing ']' (cut short?); {after} are read "
                "once the file is whole"
            )
        elif not found.closed:
            batch.warnings.append(
                f"{path}: the JSON array is not closed yet and the file changed under "
                f"{self.options.settle_s} s ago (settle_s): {after} are read by a later poll"
            )

    def _unmapped(
        self, record: dict[str, Any] | None, state: FileState, handle: IO[bytes] | None
    ) -> str | None:
        """Why this record and the ones after it wait for options.fields.text, or None: no
        record of the file had the key so far, this one lacks it, and so do the next ones."""
        key = self.options.fields.text
        if record is None or state.mapped:
            return None
        if has_key(record, key):
            state.mapped = True
            return None
        if handle is not None and self._key_ahead(handle, key):
            return None  # one odd record in a file that has the key: its own warning
        return missing_key_problem(record, key, "this line nor the lines after it")

    def _key_ahead(self, handle: IO[bytes], key: str) -> bool:
        """True when one of the next few lines is an object with ``key`` (the handle is
        left where it was)."""
        where = handle.tell()
        try:
            for _ in range(_LOOKAHEAD):
                raw = handle.readline(self.options.max_record_bytes + 1)
                if not raw:
                    return False
                record, _problem = _parse_jsonl(raw, self.options.encoding)
                if record is not None and has_key(record, key):
                    return True
            return False
        finally:
            handle.seek(where)

    def _read_csv(
        self, handle: IO[bytes], path: Path, state: FileState, settled: bool
    ) -> Iterator[tuple[FileState, _Batch]]:
        cap, encoding = self.options.max_record_bytes, self.options.encoding
        handle.seek(0)  # the header is needed on every read, also when resuming
        header_feed = CsvFeed(LineReader(handle, 0, 0, cap), encoding, settled=settled)
        try:
            header = next(csv.reader(header_feed, delimiter=self.options.csv_delimiter))
        except (StopIteration, csv.Error, RecordTooLong):
            return
        header = [h.strip() for h in header]
        if problem := self._header_problem(header, bool(header_feed.undecodable)):
            # Nothing is read and the cursor stays: once options match the file, every
            # row is read (not skipped as "missing 'text'" one by one, then lost).
            yield copy_state(state), _Batch(warnings=[f"{path}:1: {problem}"])
            return
        if state.offset < header_feed.offset:  # first read: start after the header
            state.offset, state.line = header_feed.offset, header_feed.line
        handle.seek(state.offset)
        feed = CsvFeed(LineReader(handle, state.offset, state.line, cap), encoding, settled=settled)
        batch = _Batch()
        for number, row, problem in self._rows(feed):
            batch.size += feed.offset - state.offset
            state.offset, state.line = feed.offset, feed.line
            if row is not None and not any(cell.strip() for cell in row):
                continue
            record: dict[str, Any] | None = None
            if row is not None and len(row) != len(header):
                problem = f"expected {len(header)} fields, found {len(row)}"
            elif row is not None:
                record = dict(zip(header, row, strict=True))
            self._take(batch, path, number, record, problem, mtime_of(state))
            if self._full(batch):
                yield copy_state(state), batch
                batch = _Batch()
        if feed.undecodable:
            batch.warnings.append(
                f"{path}:{feed.undecodable}: not valid {encoding}; the bytes it cannot read are "
                "shown as \ufffd (set options.encoding to the file's, e.g. cp1252)"
            )
        if feed.held:
            batch.warnings.append(
                f"{path}:{feed.line + 1}: the last row has no newline yet and the file changed "
                f"under {self.options.settle_s} s ago (settle_s): it may still be being "
                "written, so it is read by a later poll, once"
            )
        if batch.fetched or batch.warnings or batch.mentions:
            yield copy_state(state), batch

    def _header_problem(self, header: list[str], undecodable: bool) -> str | None:
        """Why no row of this CSV can be read with these options, or None."""
        column, encoding = self.options.fields.text, self.options.encoding
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

    def _rows(self, feed: CsvFeed) -> Iterator[tuple[int, list[str] | None, str | None]]:
        """(first line number, row or None, problem) per CSV record."""
        delimiter = self.options.csv_delimiter
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

    def _take(
        self,
        batch: _Batch,
        path: Path,
        line: int | str,
        record: Mapping[str, Any] | None,
        problem: str | None,
        mtime: datetime,
    ) -> None:
        if record is None and problem is None:
            return  # blank line
        batch.fetched += 1
        if problem is None and record is not None:
            try:
                mention, problem = record_mention(
                    record,
                    self.options.fields,
                    self.matcher,
                    source=self._name,
                    platform=self.options.platform,
                    mtime=mtime,
                    zone=self.options.zone,
                )
            except Exception as exc:  # one bad record must never stop the run
                mention, problem = None, f"unreadable record ({error_text(exc, 160)})"
            if mention is not None:
                batch.mentions.append(mention)
        if problem:
            batch.warnings.append(f"{path}:{line}: {problem}")


def _new_items(previous: FileState, digests: list[bytes]) -> tuple[int, int, str | None]:
    """Which items of the array are new: (first, end, a note or None)."""
    total, known = len(digests), previous.items or 0
    if known == 0:
        return 0, total, None
    if known <= total and digest_of(digests[:known]) == previous.digest:
        return known, total, None  # items added at the end
    if known <= total and digest_of(digests[total - known :]) == previous.digest:
        return 0, total - known, None  # newest first: items added at the start
    return (
        0,
        total,
        (
            "the JSON array changed, not only by new items; reading it again from the start "
            "(items stored before are not stored twice)"
        ),
    )


def _too_big(path: Path, size: int) -> str:
    return (
        f"a JSON array of {size // MIB} MiB is more than is read in one piece "
        f"({_ARRAY_BYTES // MIB} MiB); convert it to JSON Lines, e.g. "
        f"jq -c '.[]' {path.name} > {path.stem}.jsonl, and import that"
    )


def _parse_jsonl(raw: bytes, encoding: str) -> tuple[dict[str, Any] | None, str | None]:
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


def _well_quoted(lines: list[str], delimiter: str) -> bool:
    """True when a record over several lines parses strictly as one row (every quote
    closed, and closed right before a delimiter or the end of the line)."""
    try:
        rows = list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    return len(rows) == 1
