"""JSON array exports (``[{...}, {...}]``, on one line or pretty-printed), item by item.

Many tools export a ``.json`` file holding one array rather than JSON Lines, or one
object: a single record (it has the text key), or a wrapper around the array of records
(``{"data": [...], "meta": {...}}``: the one key holding an array of objects). Such a file
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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from listeners.bounds import MIB
from listeners.failures import error_text
from listeners.file_cursor import FileState, copy_state, mtime_of
from listeners.file_fields import has_key, missing_key_problem
from listeners.file_intake import Batch, Intake, Pages
from listeners.jsonsafe import MAX_DEPTH, nesting_depth

_WHITESPACE = " \t\n\r"
_ARRAY_BYTES = 64 * MIB  # a JSON array is read whole; larger ones are refused


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
    shape: str = "array"  # or "object": the file is one JSON object (a record or a wrapper)


def read_array(
    intake: Intake, handle: IO[bytes], path: Path, previous: FileState, now: FileState
) -> Pages:
    """Pages of the items not read before, of a file holding one JSON array."""
    same = (previous.size, previous.mtime_ns, previous.head) == (now.size, now.mtime_ns, now.head)
    if previous.items is not None and previous.offset == now.size and same:
        return  # unchanged since it was read
    handle.seek(0)
    if now.size > _ARRAY_BYTES:
        wrapper = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
        warning = f"{path}: {_too_big(path, now.size, wrapper)}"
        yield copy_state(previous), Batch(warnings=[warning])
        return
    data = handle.read(now.size)
    text, problem = decode(data, intake.options.encoding)
    problem = too_deep(data) or problem
    if text is None or problem:
        fix = "set options.encoding to the file's" if text is None else "fix the file"
        warning = f"{path}:1: {problem}; {fix} (its items are read then)"
        yield copy_state(previous), Batch(warnings=[warning])
        return
    cap = intake.options.max_record_bytes
    if text.lstrip(_WHITESPACE).startswith("{"):
        found = scan_object(text, intake.options.fields.text, cap)
    else:
        found = scan(text, cap)
    if isinstance(found, str):
        yield copy_state(previous), Batch(warnings=[f"{path}:1: {found}"])
        return
    yield from _pages(intake, path, previous, now, found)


def _pages(
    intake: Intake, path: Path, previous: FileState, now: FileState, found: ArrayScan
) -> Pages:
    items, key = found.items, intake.options.fields.text
    records = [i.record for i in items if i.record is not None]
    if records and not any(has_key(r, key) for r in records):
        where = "any item of the array" if found.shape == "array" else "the JSON object"
        problem = missing_key_problem(records[0], key, where)
        yield copy_state(previous), Batch(warnings=[f"{path}:{items[0].line}: {problem}"])
        return
    digests = [i.digest for i in items]
    first, last, note = _new_items(previous, digests)
    note = None if found.shape == "object" else note  # one record, replaced by another
    appending = first == (previous.items or 0)  # progress can be kept page by page
    batch = Batch(warnings=[f"{path}: {note}"] if note else [])
    for item in items[first:last]:
        where = f"{item.line}: item {item.number}"
        intake.take(batch, path, where, item.record, item.problem, mtime_of(now))
        if intake.full(batch) and item is not items[last - 1]:
            done = replace(
                now, offset=0, items=item.number, digest=digest_of(digests[: item.number])
            )
            yield (done if appending else copy_state(previous)), batch
            batch = Batch()
    settled = intake.settled(mtime_of(now))
    _end_warning(batch, path, found, settled, intake.options.settle_s)
    # Read to its end: an unchanged file is not read again. An open array still being
    # written is read again (offset 0), from the items after these.
    whole = found.closed or found.problem is not None or settled
    end = replace(now, offset=now.size if whole else 0, items=len(items), digest=digest_of(digests))
    yield end, batch


def _end_warning(batch: Batch, path: Path, found: ArrayScan, settled: bool, settle_s: int) -> None:
    """The warning for an array that could not be read to its closing ']', if any."""
    after = f"the items after item {len(found.items)}" if found.items else "its items"
    what = "array has no closing ']'" if found.shape == "array" else "object has no closing '}'"
    if found.problem:
        batch.warnings.append(
            f"{path}:{found.problem_line}: {found.problem}; {after} are read once the file is fixed"
        )
    elif not found.closed and settled:
        batch.warnings.append(
            f"{path}: the JSON {what} (cut short?); {after} are read once the file is whole"
        )
    elif not found.closed:
        batch.warnings.append(
            f"{path}: the JSON {found.shape} is not closed yet and the file changed under "
            f"{settle_s} s ago (settle_s): {after} are read by a later poll"
        )


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


def _too_big(path: Path, size: int, wrapper: bool) -> str:
    what, items = ("object", ".data[]") if wrapper else ("array", ".[]")
    return (
        f"a JSON {what} of {size // MIB} MiB is more than is read in one piece "
        f"({_ARRAY_BYTES // MIB} MiB); convert it to JSON Lines, e.g. "
        f"jq -c '{items}' {path.name} > {path.stem}.jsonl, and import that"
    )


def is_document(handle: IO[bytes], cap: int) -> bool:
    """True when the file holds one JSON document, not JSON Lines: it starts with '[' (a
    BOM and blank lines are allowed), or it is one JSON object, pretty-printed (its first
    line is a lone '{') or on a first line of at most ``cap`` bytes with nothing after it."""
    handle.seek(0)
    head = handle.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if head.startswith(b"[") or head.split(b"\n", 1)[0].strip() == b"{":
        return True
    if not head.startswith(b"{"):
        return False
    handle.seek(0)
    line = handle.readline(cap + 1)
    while line and not line.strip():
        line = handle.readline(cap + 1)
    return len(line) <= cap and not _more_after(handle)


def _more_after(handle: IO[bytes]) -> bool:
    """True when anything but whitespace follows the handle's position."""
    while chunk := handle.read(64 * 1024):
        if chunk.strip():
            return True
    return False


def digest_of(digests: list[bytes]) -> str:
    """The cursor's digest of a run of items."""
    return hashlib.sha256(b"".join(digests)).hexdigest()[:32]


def scan(text: str, cap: int, start: int | None = None) -> ArrayScan:
    """Split ``text`` (a JSON array, or one starting at ``start``) into its elements; an
    element over ``cap`` characters is reported, not used. Never raises."""
    out = ArrayScan()
    decoder = json.JSONDecoder()
    pos = _skip(text, (text.find("[") if start is None else start) + 1)
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


def scan_object(text: str, key: str, cap: int) -> ArrayScan | str:
    """A file holding one JSON object: the record itself when it has ``key``, else the
    items of the one array of objects it wraps; or why neither can be read (one line)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return _broken_object(text, exc)
    except RecursionError:
        return ArrayScan(problem="JSON nested too deeply", shape="object")
    if has_key(value, key):
        item = _item(1, 1 + text.count("\n", 0, text.find("{")), value, len(text.strip()), cap)
        return ArrayScan(items=[item], closed=True, shape="object")
    wrapped = [k for k, v in value.items() if isinstance(v, list) and _has_object(v)]
    if len(wrapped) > 1:
        names = ", ".join(repr(k) for k in wrapped[:6])
        return (
            f"the JSON object holds several arrays of records ({names}); convert the one "
            f"with the posts to JSON Lines (e.g. with jq -c '.{wrapped[0]}[]') and import that"
        )
    if not wrapped:  # the key is missing: said once, and read when options.fields.text fits
        return ArrayScan(items=[_item(1, 1, value, 0, cap)], closed=True, shape="object")
    return scan(text, cap, _value_start(text, wrapped[0]))


def _has_object(values: list[Any]) -> bool:
    return any(isinstance(v, dict) for v in values)


def _broken_object(text: str, exc: json.JSONDecodeError) -> ArrayScan:
    """A JSON object that does not parse: cut short (still being written), or broken."""
    out = ArrayScan(shape="object")
    if exc.msg == "Extra data":
        out.problem = (
            "several JSON values one after another; a .json file holds one object, one "
            "array [...] or JSON Lines (one object per line)"
        )
    elif not (exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip())):
        out.problem = f"not valid JSON ({exc.msg})"
    out.problem_line = exc.lineno
    return out


def _value_start(text: str, key: str) -> int:
    """Where the value of ``key`` starts in ``text``, a valid JSON object (its last
    occurrence, as json.loads keeps the last of duplicate keys)."""
    decoder, found = json.JSONDecoder(), -1
    pos = _skip(text, text.find("{") + 1)
    while pos < len(text) and text[pos] != "}":
        name, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, _skip(text, pos) + 1)  # past the ':'
        if name == key:
            found = pos
        pos = _skip(text, decoder.raw_decode(text, pos)[1])
        pos = _skip(text, pos + 1) if text[pos] == "," else pos
    return found


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
