"""Text folding shared by brand matching (listeners) and cross-post hashing (storage)."""

from __future__ import annotations

import unicodedata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def fold(text: str) -> str:
    """Lower-case, strip accents and zero-width characters, normalise width (NFKC)."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
