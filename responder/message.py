"""Fitting a draft into one short private message (a DM or chat) within a length limit.

Used for staff-edited drafts and templates without a ``message`` block: the
greeting and the signature stay, the quoted post goes first (the person knows what
they wrote), then whole sentences are kept from the start while they fit. Only a
limit too small for one sentence cuts inside it, at a word boundary with "…".
"""

from __future__ import annotations

import re
from typing import Final

from responder.sentences import split_sentences
from responder.text import trim

_PARAGRAPH_RE: Final = re.compile(r"\n\s*\n")
_QUOTE_OPENERS: Final = ('"', "“", "«", ">")
GREETING_MAX: Final = 60  # a first paragraph this short that ends with "," is the greeting
SIGNATURE_MAX: Final = 80  # a last paragraph this short is the signature


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in _PARAGRAPH_RE.split(text) if p.strip()]


def _without_quotes(paragraphs: list[str]) -> list[str]:
    """Drop quoted paragraphs and the line that introduces each ("We read what you wrote:")."""
    kept: list[str] = []
    for paragraph in paragraphs:
        if paragraph.startswith(_QUOTE_OPENERS):
            if kept and kept[-1].endswith(":"):
                kept.pop()
            continue
        kept.append(paragraph)
    return kept


def fit_message(text: str, max_chars: int) -> str:
    """``text`` as one private message of at most ``max_chars`` characters."""
    if max_chars < 2:
        raise ValueError(f"max_chars must be at least 2, got {max_chars}")
    paragraphs = _paragraphs(text)
    whole = "\n\n".join(paragraphs)
    if len(whole) <= max_chars:
        return whole
    greeting = paragraphs[0] if len(paragraphs) > 1 else None
    if greeting is not None and not (len(greeting) <= GREETING_MAX and greeting.endswith(",")):
        greeting = None
    rest = paragraphs[1:] if greeting is not None else paragraphs
    signature = rest[-1] if len(rest) > 1 and len(rest[-1]) <= SIGNATURE_MAX else None
    middle = _without_quotes(rest[:-1] if signature is not None else rest)
    for frame in ((greeting, signature), (greeting, None), (None, None)):
        fitted = _fill(middle, frame, max_chars)
        if fitted is not None:
            return fitted
    first = next((s for p in middle for s in split_sentences(p, keep_links=True)), whole)
    return trim(first, max_chars)


def _fill(middle: list[str], frame: tuple[str | None, str | None], max_chars: int) -> str | None:
    """Greeting, as many leading whole sentences as fit, signature; None if none fits."""
    head, tail = frame
    fixed = [part for part in (head, tail) if part]
    budget = max_chars - sum(len(part) + 2 for part in fixed)
    kept: list[str] = []
    used = 0
    for paragraph in middle:
        sentences = split_sentences(paragraph, keep_links=True)
        line: list[str] = []
        for sentence in sentences:
            extra = len(sentence) + (1 if line else (2 if kept else 0))
            if used + extra > budget:
                break
            line.append(sentence)
            used += extra
        if line:
            kept.append(" ".join(line))
        if len(line) < len(sentences):
            break
    if not kept:
        return None
    return "\n\n".join(part for part in (head, *kept, tail) if part)
