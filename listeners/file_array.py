"""JSON array exports (``[{...}, {...}]``, on one line or pretty-printed), item by item.

Many tools export a ``.json`` file holding one array rather than JSON Lines. Such a file
is rewritten whole when it grows, so a byte offset says nothing about what was read.
The cursor keeps the number of items read and a digest of them instead: a file whose
first items are the ones read yields the items after them (an export that appends), one
whose last items are the ones read yields the items before them (newest first), and any
other change reads the whole array again (storage does not store an item twice).

Items are split with the JSON decoder one at a time, so one item in memory is parsed at
once; a syntax error stops the read there with one warning, and the items before it
count as read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import IO, Any

from listeners.failures import error_text
from listeners.jsonsafe import MAX_DEPTH, nesting_depth

_WHITESPACE = " \t\n\r"


@dataclass(slots=True)
class ArrayItem:
    """One element of the array: the object, or the reason it cannot be used."""

    number: int  # 1-based position in the array
    line: int  # 1-based line where it starts
    record: dict[str, Any] | None
    problem: str | None
    digest: bytes


@dataclass(slots=True)
class ArrayScan:
    """The elements that were read whole, and why reading stopped early (or None)."""

    items: list[ArrayItem] = field(default_factory=list)
    problem: str | None = None
    problem_line: int = 1
    closed: bool = False  # the closing ']' was read


def starts_array(handle: IO[bytes]) -> bool:
    """True when the file's first non-blank character is '[' (a BOM is allowed)."""
    handle.seek(0)
    head = handle.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    return head.startswith(b"[")


def digest_of(digests: list[bytes]) -> str:
    """The cursor's digest of a run of items."""
    return hashlib.sha256(b"".join(digests)).hexdigest()[:32]


def scan(text: str, cap: int) -> ArrayScan:
    """Split ``text`` (a JSON array) into its elements; an element over ``cap``
    characters is reported, not used. Never raises."""
    out = ArrayScan()
    decoder = json.JSONDecoder()
    pos = _skip(text, text.find("[") + 1)
    line, counted = 1, 0
    while pos < len(text):
        if text[pos] == "]":  # an empty array, or a trailing comma as JS writers leave
            out.closed = True
            return out
        line, counted = line + text.count("\n", counted, pos), pos
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            cut = exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip())
            if not cut:  # a cut is the file being written, not an error
                out.problem, out.problem_line = f"not valid JSON ({exc.msg})", exc.lineno
            return out
        except RecursionError:
            out.problem, out.problem_line = "JSON nested too deeply", line
            return out
        after = _skip(text, end)
        if after >= len(text):
            return out  # the array is not closed: the last element may be cut short
        out.items.append(_item(len(out.items) + 1, line, value, end - pos, cap))
        if text[after] == "]":
            out.closed = True
            return out
        if text[after] != ",":
            out.problem = f"expected ',' or ']' after item {len(out.items)}"
            out.problem_line = line + text.count("\n", pos, after)
            return out
        pos = _skip(text, after + 1)
    return out


def _item(number: int, line: int, value: Any, length: int, cap: int) -> ArrayItem:
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).digest()[:16]
    problem: str | None = None
    if length > cap:
        problem = f"record longer than {cap} bytes (max_record_bytes); skipped"
    elif not isinstance(value, dict):
        problem = f"expected a JSON object, found {type(value).__name__}"
    record = value if problem is None else None
    return ArrayItem(number, line, record, problem, digest)


def too_deep(data: bytes) -> str | None:
    """Why the array cannot be parsed safely (nesting), or None."""
    depth = nesting_depth(data)
    if depth > MAX_DEPTH + 1:
        return f"JSON nested {depth} levels deep (at most {MAX_DEPTH})"
    return None


def decode(data: bytes, encoding: str) -> tuple[str | None, str | None]:
    """(the text, None) or (None, why it cannot be decoded)."""
    try:
        return data.decode(encoding).removeprefix("\ufeff"), None
    except UnicodeDecodeError as exc:
        return None, f"not valid {encoding} ({error_text(exc, 80)})"


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos
