"""Import mentions from JSONL and CSV exports written by other tools.

A malformed line or row becomes a warning ``path:line: reason`` on the page and
everything else is ingested. The cursor records, per file, how many bytes were
read and a hash of the file's first bytes: an unchanged file yields nothing, an
appended file yields only the new lines, and a replaced file is read again from
the start (storage dedups on platform + external id). A last line without a newline
is read once the file has not changed for ``settle_s`` (by its mtime and the injected
clock), or at once when it is a whole JSON object; before that it may still be being
written and waits for the next poll. A ``.json`` file holding one JSON array, or one
object (a record, or a wrapper like ``{"data": [...]}``), is read item by item; its
cursor counts items, not bytes.

This module finds the files and keeps the cursor; each format has its reader:
``listeners.file_jsonl``, ``listeners.file_csv`` and ``listeners.file_array``.

Hostile files cannot hurt: only regular files are read (not ``/dev/zero``, not a
FIFO), a record longer than ``max_record_bytes`` is skipped after reading at most
that much of it, JSON nesting is limited before parsing, and a page is yielded
every ``page_size`` records or every 8 MiB read, so memory stays bounded.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

from common.errors import SourceUnavailable
from listeners import cursors
from listeners.base import PollPage
from listeners.file_array import is_document, read_array
from listeners.file_csv import read_csv
from listeners.file_cursor import FileState, head_hash, mtime_of, resume_point, state_from, state_to
from listeners.file_fields import FileFields as FileFields
from listeners.file_intake import Intake, Pages
from listeners.file_jsonl import read_jsonl
from listeners.file_options import FilesOptions as FilesOptions
from listeners.localfile import NotRegularFile, kind_of, open_regular
from listeners.matching import BrandMatcher
from listeners.records import classic_mac_lines
from listeners.retry import Clock, utc_now

_HEAD_BYTES = 4096  # enough of the start of a file to tell "appended" from "replaced"
_SUFFIXES = MappingProxyType(
    {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}
)


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
        self._intake = Intake(name, options, matcher, clock)

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

    def _read(self, path: Path, previous: FileState) -> Pages:
        try:
            with open_regular(path) as handle:
                size = os.fstat(handle.fileno()).st_size
                mtime_ns = os.fstat(handle.fileno()).st_mtime_ns
                head, hlen = head_hash(handle, min(size, _HEAD_BYTES))
                if self._is_document(path, handle):
                    now = FileState(0, 0, size, mtime_ns, head, hlen, items=0)
                    yield from read_array(self._intake, handle, path, previous, now)
                    return
                if previous.items is not None:  # it was one JSON document: read it again
                    previous = FileState()
                start, note = resume_point(handle, previous, size)
                if start is None:
                    return
                state = replace(start, size=size, mtime_ns=mtime_ns, head=head, hlen=hlen)
                settled = self._intake.settled(mtime_of(state))
                if self._format(path) == "csv":
                    lines = classic_mac_lines(handle)
                    pages = read_csv(self._intake, lines, path, state, settled)
                else:
                    pages = read_jsonl(self._intake, handle, path, state, settled)
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

    def _is_document(self, path: Path, handle: IO[bytes]) -> bool:
        """A ``.json`` file that holds one array or one object (a ``.jsonl`` file is JSON
        Lines, whatever its first line is)."""
        json_file = path.suffix.lower() == ".json" and self._format(path) == "jsonl"
        return json_file and is_document(handle, self.options.max_record_bytes)
