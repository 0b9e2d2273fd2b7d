"""Make arbitrary input text safe and bounded before tokenisation."""

from __future__ import annotations

import re

_INVISIBLE = re.compile("[\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff\x00-\x08\x0b-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")
HEAD_CHARS = 2000
TAIL_CHARS = 1000


def clean_text(text: str) -> str:
    """Valid UTF-8 (lone surrogates become U+FFFD), no zero-width/control characters,
    collapsed whitespace, and at most ``HEAD_CHARS + TAIL_CHARS`` characters (head + tail)."""
    safe = text.encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    safe = _WHITESPACE.sub(" ", _INVISIBLE.sub("", safe)).strip()
    if len(safe) > HEAD_CHARS + TAIL_CHARS:
        safe = safe[:HEAD_CHARS] + " … " + safe[-TAIL_CHARS:]
    return safe
