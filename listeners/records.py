"""Lines of an export file, each at most ``cap`` bytes, whatever the file holds.

A longer line is reported and skipped after reading at most ``cap`` bytes of it into
memory: the rest is read in small chunks and thrown away, so a 2 GiB line without a
newline never sits in memory. A long line still being written when the file ends is
remembered (``skipping``) and its rest is skipped on the next poll.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO, Any

_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Line:
    """One line read (``data`` None when it was too long and skipped)."""

    data: bytes | None
    number: int  # 1-based line number in the file
    complete: bool  # ended with a newline (or was skipped to its newline)
    too_long: bool = False


class RecordTooLong(Exception):
    """A record (a CSV row over several lines) grew past the cap."""

    def __init__(self, number: int, cap: int) -> None:
        super().__init__(f"record longer than {cap} bytes (max_record_bytes); skipped")
        self.number = number


class LineReader:
    """Reads capped lines from ``handle`` starting at byte ``offset`` / line ``line``."""

    def __init__(
        self, handle: IO[bytes], offset: int, line: int, cap: int, *, skipping: bool = False
    ) -> None:
        self._handle = handle
        self.offset = offset  # byte position after the last line returned
        self.line = line  # number of the last line returned
        self.cap = cap
        self.skipping = skipping  # inside a too-long line whose end was not read yet

    def next(self) -> Line | None:
        """The next line, or None at the end of the file."""
        if self.skipping:
            skipped, ended = self._skip_rest()
            self.offset += skipped
            if not ended:
                return None
            self.skipping = False
        raw = self._handle.readline(self.cap + 1)
        if not raw:
            return None
        if raw.endswith(b"\n") or len(raw) <= self.cap:
            complete = raw.endswith(b"\n")
            if complete:
                self.offset += len(raw)
                self.line += 1
            return Line(raw, self.line if complete else self.line + 1, complete)
        skipped, ended = self._skip_rest()
        self.offset += len(raw) + skipped
        self.line += 1
        self.skipping = not ended
        return Line(None, self.line, ended, too_long=True)

    def seek(self, offset: int) -> None:
        """Read on from byte ``offset`` (``offset`` and ``line`` are the caller's to set)."""
        self._handle.seek(offset)
        self.skipping = False

    def _skip_rest(self) -> tuple[int, bool]:
        """Discard up to and including the next newline: (bytes skipped, newline found)."""
        skipped = 0
        while chunk := self._handle.read(_CHUNK):
            end = chunk.find(b"\n")
            if end >= 0:
                self._handle.seek(end + 1 - len(chunk), 1)
                return skipped + end + 1, True
            skipped += len(chunk)
        return skipped, False


class CsvFeed:
    """Decoded lines for ``csv.reader``, counting bytes and lines consumed.

    ``csv.reader`` pulls exactly the lines of one record per ``next()``, so after each
    row ``offset`` is where the next record starts. A line over the cap, or a record
    over it across lines, raises :class:`RecordTooLong` out of the reader.
    """

    def __init__(self, reader: LineReader, encoding: str, *, settled: bool = True) -> None:
        self._reader = reader
        self._encoding = encoding
        self.settled = settled  # False: an unterminated last line may still be being written
        self.at_end = False  # the end of the file was reached (or its unterminated tail held)
        self.held = False  # an unterminated last line was held back: the file is live
        self.record_bytes = 0  # bytes of the record being read; reset per record
        self.record_lines: list[str] = []  # the lines of the record being read
        self.undecodable = 0  # the first line not in ``encoding`` (read with U+FFFD), or 0
        self._first: tuple[int, int] = (reader.offset, reader.line)  # after its first line

    def start_record(self) -> None:
        """Forget the record just read: the next line handed out starts a new one."""
        self.record_bytes = 0
        self.record_lines = []

    def rewind_record(self) -> None:
        """Hand out the record's lines again from its second line (its first stays read)."""
        offset, line = self._first
        self._reader.offset, self._reader.line = offset, line
        self._reader.seek(offset)
        self.start_record()

    @property
    def offset(self) -> int:
        """Byte position after the last line handed out."""
        return self._reader.offset

    @property
    def line(self) -> int:
        """Number of the last line handed out."""
        return self._reader.line

    def __iter__(self) -> CsvFeed:
        return self

    def __next__(self) -> str:
        got = self._reader.next()
        if got is None or (got.data is not None and not got.complete and not self.settled):
            self.at_end = True  # an unterminated last line of a live file waits (not consumed)
            self.held = got is not None
            raise StopIteration
        if got.data is None or not got.complete:
            if got.data is not None:  # an unterminated last line of a settled file: take it
                self._reader.offset += len(got.data)
                self._reader.line += 1
                return self._decode(got.data, got.number)
            raise RecordTooLong(got.number, self._reader.cap)
        return self._decode(got.data, got.number)

    def _decode(self, data: bytes, number: int) -> str:
        if not self.record_lines:
            self._first = (self._reader.offset, self._reader.line)
        self.record_bytes += len(data)
        if self.record_bytes > self._reader.cap:
            raise RecordTooLong(number, self._reader.cap)
        try:
            text = data.decode(self._encoding)
        except UnicodeDecodeError:
            self.undecodable = self.undecodable or number
            text = data.decode(self._encoding, errors="replace")
        text = text.removeprefix("\ufeff") if number == 1 else text
        self.record_lines.append(text)
        return text


_CR_TO_LF = bytes.maketrans(b"\r", b"\n")


class _CrAsLf(io.RawIOBase):
    """A file read with every CR byte turned into LF: same length, same offsets."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data.translate(_CR_TO_LF)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()


def classic_mac_lines(handle: IO[bytes], head: int = 4096) -> IO[bytes]:
    """``handle`` as it is, or, when its lines end in CR alone (classic Mac OS, old Excel
    "CSV (Macintosh)"), a view of it whose lines end in LF, so they are lines at all."""
    where = handle.tell()
    start = handle.read(head)
    handle.seek(where)
    if b"\r" not in start or b"\n" in start:
        return handle
    return io.BufferedReader(_CrAsLf(handle))
