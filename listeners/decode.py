"""Content-Encoding decoded in bounded steps, so a small compressed body cannot balloon.

A 6,777-byte gzip can expand to gigabytes in one ``decompress`` call; here every
call may produce at most the room left under the cap, and the cap is checked after
each step. One layer of ``gzip`` / ``x-gzip`` / ``deflate`` is accepted (what the
fetcher asks for); nested encodings (``gzip, gzip``) and anything else (``br``,
``zstd``, ``compress``) are refused before a byte is decoded.
"""

from __future__ import annotations

import zlib

ACCEPT_ENCODING = "gzip, deflate"


class BodyTooLarge(Exception):
    """The decoded body grew past the cap."""


class BadEncoding(Exception):
    """An encoding this reader refuses, or corrupt compressed data."""


class BoundedDecoder:
    """Decodes one Content-Encoding layer, never producing more than ``cap`` bytes."""

    def __init__(self, header: str | None, cap: int) -> None:
        codings = [c.strip().lower() for c in (header or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1:
            raise BadEncoding(f"nested content encodings ({', '.join(codings)}) are refused")
        self._coding = codings[0] if codings else None
        if self._coding not in (None, "gzip", "x-gzip", "deflate"):
            raise BadEncoding(f"content encoding {self._coding!r} is not supported")
        self._cap = cap
        self.size = 0  # decoded bytes so far
        self._obj = None if self._coding is None else self._new()
        self._started = False  # deflate: whether the zlib wrapper was confirmed

    def _new(self, raw_deflate: bool = False) -> zlib._Decompress:
        if self._coding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes of ``data`` (BodyTooLarge past the cap)."""
        if self._obj is None:
            return self._count(data)
        try:
            return self._inflate(self._obj, data)
        except zlib.error as exc:
            if self._coding == "deflate" and not self._started:
                # Some servers send raw deflate without the zlib wrapper.
                self._obj = self._new(raw_deflate=True)
                self._started = True
                return self.feed(data)
            raise BadEncoding(f"corrupt {self._coding} data ({exc})") from exc

    def _inflate(self, obj: zlib._Decompress, data: bytes) -> bytes:
        out: list[bytes] = []
        pending = data
        while pending:
            piece = obj.decompress(pending, self._cap - self.size + 1)
            self._started = self._started or bool(piece)
            out.append(self._count(piece))
            pending = obj.unconsumed_tail
            if obj.eof:
                rest = obj.unused_data + pending
                if not rest.strip(b"\x00"):
                    break
                obj = self._obj = self._new()  # another gzip member follows
                pending = rest
            elif not piece and not pending:
                break
        return b"".join(out)

    def flush(self) -> bytes:
        """What is left once the body ended."""
        if self._obj is None:
            return b""
        try:
            return self._count(self._obj.flush())
        except zlib.error as exc:
            raise BadEncoding(f"corrupt {self._coding} data ({exc})") from exc

    def _count(self, piece: bytes) -> bytes:
        self.size += len(piece)
        if self.size > self._cap:
            raise BodyTooLarge(f"decoded body is larger than {self._cap} bytes")
        return piece
