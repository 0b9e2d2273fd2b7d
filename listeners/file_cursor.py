"""How far each export file has been read: the files listener's cursor state."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import IO, Any


@dataclass(slots=True)
class FileState:
    """How far one file has been read; serialised into the cursor."""

    offset: int = 0
    line: int = 0
    size: int = 0
    mtime_ns: int = 0
    head: str = ""
    hlen: int = 0
    skip: bool = False  # inside a too-long line: skip to its newline first
    items: int | None = None  # a JSON array: how many of its items were read
    digest: str = ""  # a JSON array: digest of those items (listeners.file_array)
    mapped: bool = False  # a record with the text key was read: options.fields fit the file


def head_hash(handle: IO[bytes], length: int) -> tuple[str, int]:
    """sha256 of the first ``length`` bytes, to tell an appended file from a replaced one."""
    handle.seek(0)
    return hashlib.sha256(handle.read(length)).hexdigest(), length


def resume_point(
    handle: IO[bytes], previous: FileState, size: int
) -> tuple[FileState | None, str | None]:
    """Where to start reading; (None, None) when nothing new was written."""
    if previous.offset == 0:
        handle.seek(0)
        return FileState(), None
    same_start = size >= previous.offset and head_hash(handle, previous.hlen)[0] == previous.head
    if same_start:
        if size == previous.offset:
            return None, None
        handle.seek(previous.offset)
        return previous, None
    handle.seek(0)
    return FileState(), "file was replaced or truncated; reading it again from the start"


def state_from(raw: Any) -> FileState:
    """Read one file's state from cursor JSON (anything odd means "start over")."""
    if not isinstance(raw, dict):
        return FileState()
    try:
        return FileState(
            offset=int(raw.get("offset", 0)),
            line=int(raw.get("line", 0)),
            size=int(raw.get("size", 0)),
            mtime_ns=int(raw.get("mtime_ns", 0)),
            head=str(raw.get("head", "")),
            hlen=int(raw.get("hlen", 0)),
            skip=bool(raw.get("skip", False)),
            items=int(raw["items"]) if raw.get("items") is not None else None,
            digest=str(raw.get("digest", "")),
            # Cursors from before this flag were read with the mapping they had.
            mapped=bool(raw.get("mapped", int(raw.get("offset", 0)) > 0)),
        )
    except (TypeError, ValueError, OverflowError):
        return FileState()


def state_to(state: FileState) -> dict[str, Any]:
    """The cursor JSON of one file's state."""
    return {
        "offset": state.offset,
        "line": state.line,
        "size": state.size,
        "mtime_ns": state.mtime_ns,
        "head": state.head,
        "hlen": state.hlen,
        **({"skip": True} if state.skip else {}),
        "mapped": state.mapped,
        **({"items": state.items, "digest": state.digest} if state.items is not None else {}),
    }


def copy_state(state: FileState) -> FileState:
    """An independent copy (pages must not share mutable state)."""
    return replace(state)


def mtime_of(state: FileState) -> datetime:
    """The file's modification time, UTC (the fallback time of undated rows)."""
    return datetime.fromtimestamp(state.mtime_ns / 1e9, UTC)
