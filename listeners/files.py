"""Import mentions from JSONL and CSV exports written by other tools.

A malformed line or row becomes a warning ``path:line: reason`` on the page and
everything else is ingested. The cursor records, per file, how many bytes were
read and a hash of the file's first bytes: an unchanged file yields nothing, an
appended file yields only the new lines, and a replaced file is read again from
the start (storage dedups on platform + external id).
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from common.errors import SourceUnavailable
from listeners import cursors
from listeners.base import Author, Mention, PollPage
from listeners.convert import parse_time, to_json
from listeners.file_cursor import (
    FileState,
    copy_state,
    head_hash,
    mtime_of,
    resume_point,
    state_from,
    state_to,
)
from listeners.matching import BrandMatcher

_HEAD_BYTES = 4096  # enough of the start of a file to tell "appended" from "replaced"
_SUFFIXES = MappingProxyType(
    {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}
)


class FileFields(BaseModel):
    """Which column (CSV) or key (JSONL; dotted paths like ``user.name`` work) holds what."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default="id", description="Unique id of the item; a content hash when absent.")
    text: str = Field(default="text", description="The post text (required on every row).")
    title: str = Field(default="title", description="Optional title (forum threads, reviews).")
    created_at: str = Field(
        default="created_at",
        description="ISO 8601 or epoch seconds/ms; the file's mtime when absent.",
    )
    url: str = Field(default="url", description="Link to the original post.")
    lang: str = Field(default="lang", description="Language code the exporting tool reported.")
    platform: str = Field(
        default="platform",
        description="Platform of the row (e.g. 'x'); options.platform when absent.",
    )
    author: str = Field(default="author", description="Author handle (@name, u/name).")
    author_id: str = Field(
        default="author_id", description="Stable platform user id of the author."
    )
    author_name: str = Field(default="author_name", description="Author display name.")
    author_url: str = Field(default="author_url", description="Author profile URL.")
    author_email: str = Field(default="author_email", description="Author email address, if known.")


class FilesOptions(BaseModel):
    """Options of a ``files`` source: JSONL/CSV exports on the local disk."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        description="A file, a directory (its *.jsonl, *.ndjson, *.json, *.csv files) "
        "or a glob pattern such as exports/*.jsonl."
    )
    format: Literal["auto", "jsonl", "csv"] = Field(
        default="auto", description="File format; 'auto' goes by the file extension."
    )
    platform: str = Field(default="file", description="Platform key for rows that do not name one.")
    fields: FileFields = Field(default_factory=FileFields, description="Column/key mapping.")
    encoding: str = Field(default="utf-8", description="Text encoding (ASCII-compatible).")
    csv_delimiter: str = Field(
        default=",", min_length=1, max_length=1, description="CSV delimiter."
    )
    page_size: int = Field(
        default=500, ge=1, description="Lines per page (one DB transaction each)."
    )


@dataclass(slots=True)
class _Batch:
    mentions: list[Mention] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fetched: int = 0


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
    ) -> None:
        self._name = name
        self.options = options
        self.matcher = matcher

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
        paths = sorted(p.resolve() for p in found if p.is_file())
        if not paths and (os.path.isdir(raw) or glob.has_magic(raw)):
            return []  # an export folder with nothing in it yet is not a failure
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
            stat = path.stat()
            with path.open("rb") as handle:
                head, hlen = head_hash(handle, min(stat.st_size, _HEAD_BYTES))
                start, note = resume_point(handle, previous, stat.st_size)
                if start is None:
                    return
                state = FileState(
                    start.offset, start.line, stat.st_size, stat.st_mtime_ns, head, hlen
                )
                if self._format(path) == "csv":
                    pages = self._read_csv(handle, path, state)
                else:
                    pages = self._read_jsonl(handle, path, state)
                for number, (page_state, batch) in enumerate(pages):
                    if number == 0 and note:
                        batch.warnings.insert(0, f"{path}: {note}")
                    yield page_state, batch
        except OSError as exc:
            raise SourceUnavailable(
                f"source {self._name!r}: cannot read {path}: {exc.strerror or exc}; "
                "check the file and its permissions"
            ) from exc

    def _read_jsonl(
        self, handle: IO[bytes], path: Path, state: FileState
    ) -> Iterator[tuple[FileState, _Batch]]:
        batch = _Batch()
        mtime = mtime_of(state)
        while raw := handle.readline():
            record, problem = _parse_jsonl(raw, self.options.encoding)
            if problem and not raw.endswith(b"\n"):
                # An unterminated last line may still be being written: read it next time.
                batch.warnings.append(
                    f"{path}:{state.line + 1}: incomplete last line, "
                    "will be read again on the next poll"
                )
                break
            state.offset += len(raw)
            state.line += 1
            self._take(batch, path, state.line, record, problem, mtime)
            if batch.fetched >= self.options.page_size:
                yield copy_state(state), batch
                batch = _Batch()
        if batch.fetched or batch.warnings or batch.mentions:
            yield copy_state(state), batch

    def _read_csv(
        self, handle: IO[bytes], path: Path, state: FileState
    ) -> Iterator[tuple[FileState, _Batch]]:
        handle.seek(0)  # the header is needed on every read, also when resuming
        header_feed = _LineFeed(handle, 0, 0, self.options.encoding)
        try:
            header = next(csv.reader(header_feed, delimiter=self.options.csv_delimiter))
        except (StopIteration, csv.Error):
            return
        header = [h.strip() for h in header]
        if state.offset < header_feed.offset:  # first read: start after the header
            state.offset, state.line = header_feed.offset, header_feed.line
        handle.seek(state.offset)
        feed = _LineFeed(handle, state.offset, state.line, self.options.encoding)
        reader = csv.reader(feed, delimiter=self.options.csv_delimiter)
        batch = _Batch()
        mtime = mtime_of(state)
        while True:
            first_line = feed.line + 1
            row: list[str] | None
            problem: str | None
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                row, problem = None, f"unreadable CSV row ({exc})"
            else:
                problem = None
            state.offset, state.line = feed.offset, feed.line
            if row is not None and not any(cell.strip() for cell in row):
                continue
            record: dict[str, Any] | None = None
            if row is not None and len(row) != len(header):
                problem = f"expected {len(header)} fields, found {len(row)}"
            elif row is not None:
                record = dict(zip(header, row, strict=True))
            self._take(batch, path, first_line, record, problem, mtime)
            if batch.fetched >= self.options.page_size:
                yield copy_state(state), batch
                batch = _Batch()
        if batch.fetched or batch.warnings or batch.mentions:
            yield copy_state(state), batch

    def _take(
        self,
        batch: _Batch,
        path: Path,
        line: int,
        record: Mapping[str, Any] | None,
        problem: str | None,
        mtime: datetime,
    ) -> None:
        if record is None and problem is None:
            return  # blank line
        batch.fetched += 1
        if problem is None and record is not None:
            mention, problem = self._mention(record, mtime)
            if mention is not None:
                batch.mentions.append(mention)
        if problem:
            batch.warnings.append(f"{path}:{line}: {problem}")

    def _mention(
        self, record: Mapping[str, Any], mtime: datetime
    ) -> tuple[Mention | None, str | None]:
        f = self.options.fields
        text = _text(_get(record, f.text))
        if not text:
            return None, f"missing {f.text!r}"
        title = _text(_get(record, f.title)) or None
        brand = self.matcher.match(title, text)
        if brand is None:
            return None, None
        raw_time = _get(record, f.created_at)
        created = parse_time(raw_time) if raw_time not in (None, "") else mtime
        if created is None:
            return None, f"unreadable {f.created_at!r} value {str(raw_time)[:40]!r}"
        platform = _text(_get(record, f.platform)) or self.options.platform
        author = Author(
            platform=platform,
            user_id=_text(_get(record, f.author_id)) or None,
            handle=_text(_get(record, f.author)) or None,
            display_name=_text(_get(record, f.author_name)) or None,
            profile_url=_text(_get(record, f.author_url)) or None,
            email=_text(_get(record, f.author_email)) or None,
        )
        raw_id = _text(_get(record, f.id))
        external_id = raw_id or _content_id(text, author.key, _text(raw_time))
        return Mention(
            platform=platform,
            external_id=external_id,
            source=self._name,
            brand=brand,
            text=text,
            author=author,
            created_at=created,
            url=_text(_get(record, f.url)) or None,
            title=title,
            lang_hint=_text(_get(record, f.lang)) or None,
            raw_json=to_json(dict(record)),
        ), None


class _LineFeed:
    """Feeds decoded lines to ``csv.reader`` while counting bytes and lines consumed.

    ``csv.reader`` pulls exactly the lines of one record per ``next()``, so after each
    row ``offset`` is the byte position where the next record starts.
    """

    def __init__(self, handle: IO[bytes], offset: int, line: int, encoding: str) -> None:
        self._handle = handle
        self.offset = offset
        self.line = line
        self._encoding = encoding

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        raw = self._handle.readline()
        if not raw:
            raise StopIteration
        self.offset += len(raw)
        self.line += 1
        text = raw.decode(self._encoding, errors="replace")
        return text.removeprefix("\ufeff") if self.line == 1 else text


def _parse_jsonl(raw: bytes, encoding: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        text = raw.decode(encoding).removeprefix("\ufeff").strip()
    except UnicodeDecodeError as exc:
        return None, f"not valid {encoding} ({exc.reason} at byte {exc.start})"
    if not text:
        return None, None
    try:
        value = json.loads(text)
    except ValueError as exc:
        return None, f"not valid JSON ({exc})"
    if not isinstance(value, dict):
        return None, f"expected a JSON object, found {type(value).__name__}"
    return value, None


def _get(record: Mapping[str, Any], key: str) -> Any:
    if key in record:
        return record[key]
    value: Any = record
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _content_id(text: str, author: str, when: str) -> str:
    # The raw time text, not the parsed fallback (file mtime), so appends keep ids stable.
    digest = hashlib.sha256(f"{author}\n{when}\n{text}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"
