"""Small, Unicode-safe text helpers shared by drafts, routing and the ideas board.

Customer posts carry emoji, zero-width joiners, combining marks, bidi controls and
stray control characters. These helpers make such text safe to quote back to the
person and to compare, without ever cutting a word or an emoji sequence in half.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

ELLIPSIS: Final = "…"

_URL_RE: Final = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_SPACE_RE: Final = re.compile(r"\s+")
_ELONGATION_RE: Final = re.compile(r"(\w)\1{2,}")
# Bidi embeddings/overrides/isolates can make a quoted draft display reversed or
# hide text from the staff member who approves it, so they are always dropped.
_BIDI_CONTROLS: Final = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_ZWJ: Final = "\u200d"


def clean(text: str) -> str:
    """Return ``text`` in NFC with control and bidi characters removed and spaces collapsed.

    Emoji, ZWJ sequences and combining marks are kept: they are part of what the
    person wrote.
    """
    text = unicodedata.normalize("NFC", text)
    kept = [
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or (ch not in _BIDI_CONTROLS and unicodedata.category(ch) != "Cc")
    ]
    return _SPACE_RE.sub(" ", "".join(kept)).strip()


def strip_urls(text: str) -> str:
    """Remove links: a quoted link adds nothing personal and may be a tracking URL."""
    return _URL_RE.sub(" ", text)


def fold(text: str) -> str:
    """Lower-case, strip accents and shorten letter runs ("tolonggg" → "tolong").

    Used for matching, never for display.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _ELONGATION_RE.sub(r"\1", bare)


def _is_joiner(ch: str) -> bool:
    """True for characters that bind to their neighbour (marks, ZWJ, selectors, skin tones)."""
    code = ord(ch)
    return (
        unicodedata.combining(ch) != 0
        or unicodedata.category(ch) in {"Mn", "Me", "Mc"}
        or ch == _ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag sequences (flags of regions)
    )


def _safe_cut(text: str, limit: int) -> int:
    """Largest index <= ``limit`` that does not split a grapheme-like cluster."""
    cut = limit
    while 0 < cut < len(text) and (_is_joiner(text[cut]) or text[cut - 1] == _ZWJ):
        cut -= 1
    return cut


def trim(text: str, max_chars: int) -> str:
    """Shorten ``text`` to at most ``max_chars`` characters at a word boundary, adding "…".

    Cuts at the last space that fits; only a first word longer than the limit is
    cut inside, and then never inside an emoji sequence or before a combining mark.
    """
    if max_chars < 2:
        raise ValueError(f"max_chars must be at least 2, got {max_chars}")
    if len(text) <= max_chars:
        return text
    budget = max_chars - len(ELLIPSIS)
    space = text.rfind(" ", 0, budget + 1)
    cut = space if space > 0 else _safe_cut(text, budget)
    head = text[:cut].rstrip(" ,;:-–—([{\"'")
    return f"{head}{ELLIPSIS}" if head else ELLIPSIS


def quote(text: str, max_chars: int) -> str:
    """The person's own words, cleaned, without links, trimmed for a draft."""
    return trim(clean(strip_urls(text)), max_chars)


def _name_token(word: str) -> str:
    """Keep letters, digits, marks and the punctuation real names use ("O'Neil", "Jean-Luc")."""
    kept = "".join(
        ch for ch in word if ch.isalnum() or unicodedata.category(ch)[0] == "M" or ch in "'’-."
    )
    return kept.strip("'’-.")


def greeting_name(display_name: str | None, handle: str | None) -> str | None:
    """The name to greet someone by: first word of the display name, else the handle.

    Emoji and decoration are dropped ("🌸 Rina W." → "Rina"); an e-mail address is
    never used as a greeting. Returns None when nothing usable is left.
    """
    for word in clean(display_name or "").split(" "):
        token = _name_token(word)
        if token:
            return token
    raw = clean(handle or "")
    if raw.startswith("@"):  # @name (X) or @name@server (Mastodon): keep the local name
        raw = raw[1:].split("@", 1)[0]
    elif "@" in raw:  # an e-mail address: greeting someone by it reads like a robot
        return None
    for prefix in ("/u/", "u/"):
        raw = raw.removeprefix(prefix)
    return raw.removesuffix(".bsky.social") or None
