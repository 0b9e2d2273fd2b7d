"""Feeds in an undeclared legacy encoding, decoded as feedparser intends.

feedparser tries the declared encodings (HTTP, then the XML declaration), then a
detector (``chardet``), then UTF-8, windows-1252 and iso-8859-2. It only knows the
``chardet`` package, so without it a Cyrillic or Japanese feed that declares nothing
comes out as windows-1252 mojibake. :func:`declare_charset` runs that detector step
with ``charset-normalizer``: when nothing declared decodes the body and it is not
UTF-8, the detected encoding is handed to feedparser as the HTTP charset.

A UTF-16 or UTF-32 body (a byte order mark, or ``<?`` spelled in one of them) is
handed over as that encoding whatever the server says: feedparser follows RFC 3023,
so under ``text/xml``, ``text/plain`` or a wrong charset it "decodes" the body as
us-ascii or latin-1, every other byte NUL, and refuses the feed (RFC 7303 and
browsers let the byte order mark win).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

from charset_normalizer import from_bytes

_SAMPLE = 256 * 1024  # detection looks at the start only: bounded work on any body
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})""")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.I)


#: Leading bytes of a UTF-16/32 document (byte order mark, or ``<?`` with no mark),
#: longest first: a UTF-32LE mark starts with the UTF-16LE one.
_UNICODE_STARTS = (
    (b"\x00\x00\xfe\xff", "utf-32be"),
    (b"\xff\xfe\x00\x00", "utf-32le"),
    (b"\x00\x00\x00<", "utf-32be"),
    (b"<\x00\x00\x00", "utf-32le"),
    (b"\xfe\xff", "utf-16be"),
    (b"\xff\xfe", "utf-16le"),
    (b"\x00<\x00?", "utf-16be"),
    (b"<\x00?\x00", "utf-16le"),
)


def wide_encoding(body: bytes) -> str | None:
    """``utf-16le``/``utf-16be``/``utf-32le``/``utf-32be`` when the body's first bytes
    say so (byte order mark or ``<?``), else None."""
    return next((name for start, name in _UNICODE_STARTS if body.startswith(start)), None)


def _with_charset(headers: dict[str, str], encoding: str) -> dict[str, str]:
    media = headers.get("content-type", "").split(";", 1)[0].strip() or "application/xml"
    return {**headers, "content-type": f"{media}; charset={encoding}"}


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
        body.decode(encoding)
    except (LookupError, UnicodeDecodeError, ValueError):
        return False
    return True


def declared(body: bytes, headers: Mapping[str, str]) -> list[str]:
    """The encodings the HTTP header and the XML declaration name, in that order."""
    out = []
    http = _CHARSET.search(headers.get("content-type", ""))
    if http:
        out.append(http.group(1))
    xml = _XML_ENCODING.match(body[:1024].lstrip(b"\xef\xbb\xbf"))
    if xml:
        out.append(xml.group(1).decode("ascii"))
    return out


def declare_charset(body: bytes, headers: Mapping[str, str]) -> tuple[dict[str, str], str | None]:
    """``headers`` plus a detected charset when no declared one (nor UTF-8) decodes the
    body, and the detected encoding (None when nothing was added)."""
    out = dict(headers)
    wide = wide_encoding(body)
    if wide is not None:  # the bytes say it; feedparser strips the mark itself
        return _with_charset(out, wide), None
    candidates = [*declared(body, headers), "utf-8"]
    if any(_decodes(body, e) for e in candidates):
        return out, None  # feedparser reads these itself
    best = from_bytes(body[:_SAMPLE]).best()
    if best is None or best.encoding in ("ascii", "utf_8"):
        return out, None
    # Encodings that decode this body to the same text: prefer feedparser's own fallback.
    same = best.could_be_from_charset
    encoding = "cp1252" if "cp1252" in same else best.encoding
    return _with_charset(out, encoding), encoding
