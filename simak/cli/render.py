"""Untrusted text made inert for the terminal.

Posts, names, URLs, API messages and file warnings are written by strangers. They are
never interpreted as Rich markup, and characters that could take over the terminal are
made visible: escape sequences (screen clearing, cursor moves, OSC-8 links), other C0/C1
controls, bidi overrides that could reorder what staff read, and zero-width spaces that
make a stranger's handle look like another.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, tzinfo
from typing import Final

from rich.text import Text

#: Bidi embeddings, overrides and isolates (and LRM/RLM/ALM): shown, never obeyed.
_BIDI: Final = frozenset(
    chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
#: Invisible characters that hide inside a handle or a word ("@kopi\u200bsenja" reads as the
#: brand's own handle) and line/paragraph separators some terminals break lines on: shown.
#: Zero-width joiners stay: emoji sequences and Indic and Persian letters need them.
_INVISIBLE: Final = frozenset("\u00ad\u180e\u200b\u2028\u2029\u2060\ufeff")
_KEEP: Final = frozenset("\n\t")
#: What prose does with the invisible characters: word splitters go, separators break lines.
_IN_PROSE: Final = {"\u2028": "\n", "\u2029": "\n"} | dict.fromkeys(
    _INVISIBLE - {"\u2028", "\u2029"}, ""
)


def _visible(ch: str, keep_newlines: bool, prose: bool = False) -> str:
    if prose and ch in _IN_PROSE:
        ch = _IN_PROSE[ch]
        if not ch:
            return ""
    if ch in _KEEP:
        return ch if keep_newlines else " "
    if ch == "\x1b":
        return "␛"
    code = ord(ch)
    if code < 0x20 or code == 0x7F:
        return chr(0x2400 + code) if code < 0x20 else "␡"
    if 0x80 <= code < 0xA0 or ch in _BIDI or ch in _INVISIBLE or unicodedata.category(ch) == "Cs":
        return f"<U+{code:04X}>"
    return ch


def inert(text: str | None, *, keep_newlines: bool = True, prose: bool = False) -> str:
    """``text`` with every terminal-controlling character replaced by a visible stand-in
    (``prose``: what a person wrote, whose word-splitting invisibles are dropped)."""
    if not text:
        return ""
    if text.isprintable() and "\x1b" not in text:
        return text
    return "".join(_visible(ch, keep_newlines, prose) for ch in text)


def plain(
    text: str | None, style: str = "", *, keep_newlines: bool = True, prose: bool = False
) -> Text:
    """A Rich ``Text`` that shows ``text`` literally (no markup, no control sequences)."""
    return Text(inert(text, keep_newlines=keep_newlines, prose=prose), style=style)


def one_line(text: str | None, width: int | None = None, *, prose: bool = False) -> str:
    """Inert, on one line, cut to ``width`` characters with an ellipsis."""
    flat = " ".join(inert(text, keep_newlines=False, prose=prose).split())
    if width is not None and len(flat) > width:
        return flat[: width - 1].rstrip() + "…"
    return flat


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 person", "3 people", "1 post", "2 posts"."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def local(at: datetime | None, zone: tzinfo, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """``at`` in the business's time zone (``timezone`` in config: what times show in),
    e.g. "2026-12-05 08:30 WIB"; a value without a zone is UTC; None is ""."""
    if at is None:
        return ""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(zone).strftime(fmt)


def local_day(at: datetime | None, zone: tzinfo) -> str:
    """The business's calendar day of ``at`` ("2026-12-05"); None is ""."""
    return local(at, zone, "%Y-%m-%d")
