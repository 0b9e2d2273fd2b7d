"""Splitting a post into sentences and clauses, for quoting whole sentences back.

Social posts end sentences with punctuation, line breaks or an emoji before a new
capitalised sentence, and they are full of dots that end nothing: "Rp 45.000",
"Jl. Kemang", "dll.", "e.g.", "1.200 poin", initials ("Rina W. Marlina"). The
splitter keeps those inside their sentence. Links are removed first (a quoted link
adds nothing personal); every sentence is cleaned text exactly as the person wrote
it, so adjacent sentences joined by one space are a verbatim stretch of the post.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Final

from responder.text import clean, strip_urls

#: Abbreviations after which a dot never ends a sentence (titles, streets, numbers).
_NEVER_END: Final = frozenset(
    {
        "jl", "jln", "gg", "no", "nomor", "tgl", "rp", "bpk", "sdr", "sdri", "yth", "kpd",
        "pt", "cv", "kec", "kab", "kel", "prov", "ds", "rt", "rw", "hal", "a.n", "u.p", "s.d",
        "mr", "mrs", "ms", "dr", "drs", "ir", "prof", "st", "sr", "jr", "mt", "ave", "rd",
        "vs", "e.g", "i.e", "cf", "approx", "ca", "nos", "ref", "inv", "tel", "hp", "wa",
    }
)  # fmt: skip
#: Abbreviations that often end a sentence too: a boundary only before a capital letter.
_MAY_END: Final = frozenset(
    {
        "dll", "dsb", "dst", "dkk", "tsb", "ybs", "spt", "etc", "inc", "ltd", "co", "corp",
        "a.m", "p.m", "am", "pm", "min", "jan", "feb", "mar", "apr", "jun", "jul", "agu", "ags",
        "aug", "sep", "sept", "okt", "oct", "nov", "des", "dec",
    }
)  # fmt: skip
_LINE_BREAK_RE: Final = re.compile(r"[\r\n\u2028\u2029\u0085]+")
# A terminator run, closing quotes or brackets, then the space before the next sentence.
_END_RE: Final = re.compile(r"[.!?…。！？]+[\"'”’)\]]*(?=\s)")
_WORD_BEFORE_RE: Final = re.compile(r"([^\W_](?:[^\W_]|\.)*)$")
#: How far back from a dot to look for its word: longer than any abbreviation or initial,
#: and a bound, so that a post of many dots is split in linear time.
_WORD_LOOKBACK: Final = 64
_NON_SPACE_RE: Final = re.compile(r"\S")
#: Where a sentence may be cut into clauses: punctuation, dashes, contrast words.
_CLAUSE_RE: Final = re.compile(
    r"(?:[,;:]|\s[—–-])(?=\s)"
    r"|(?<=\s)(?=(?:but|tapi|tp|namun|padahal|sayang(?:nya)?|however|although|though"
    r"|sedangkan|cuma|cuman|meskipun|walaupun|walau)\s)",
    re.IGNORECASE,
)


def _is_pictograph(ch: str) -> bool:
    """True for emoji and pictographic symbols (and the joiners inside emoji sequences)."""
    code = ord(ch)
    return (
        unicodedata.category(ch) == "So"
        or 0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or ch in "\u200d\ufe0f"
        or 0x1F3FB <= code <= 0x1F3FF
    )


def _dot_ends_sentence(line: str, dot: int, after: str) -> bool:
    """Whether the "." at ``dot`` ends a sentence, given the character ``after`` it (the
    first one past the spaces). Only the last ``_WORD_LOOKBACK`` characters before the dot
    are read: a word cut there is longer than any abbreviation, so the answer is the same."""
    match = _WORD_BEFORE_RE.search(line, max(0, dot - _WORD_LOOKBACK), dot)
    word = match.group(1).casefold() if match else ""
    if not word:
        return True
    if word.rstrip(".") in _NEVER_END:
        return False
    starts_upper = after.isupper()
    if word.rstrip(".") in _MAY_END:
        return starts_upper
    is_initial = len(word) == 1 and word.isalpha() and line[dot - 1].isupper()  # "Rina W. M"
    return not is_initial


def _split_line(line: str) -> list[str]:
    """Sentences of one cleaned line (no line breaks inside)."""
    cuts: list[int] = []
    for match in _END_RE.finditer(line):
        end = match.end()
        next_char = _NON_SPACE_RE.search(line, end)  # not line[end:]: linear in the line
        if next_char is None:
            continue
        after = next_char.group(0)
        run = match.group(0).rstrip("\"'”’)]")
        if run in ("...", "…", "..") and not after.isupper():
            continue  # a trailing-off pause, not an end: "lama banget... tapi enak"
        if run == "." and not _dot_ends_sentence(line, match.start(), after):
            continue
        cuts.append(end)
    cuts.extend(_emoji_cuts(line))
    pieces, start = [], 0
    for cut in sorted(set(cuts)):
        pieces.append(line[start:cut].strip())
        start = cut
    pieces.append(line[start:].strip())
    return [piece for piece in pieces if piece]


def _emoji_cuts(line: str) -> list[int]:
    """Ends of emoji runs followed by a new capitalised sentence: "mantap 😍 Besok lagi"."""
    cuts = []
    space = line.find(" ", 1)
    while 0 < space < len(line) - 1:  # only a space between two characters can be a cut
        if line[space + 1].isupper() and _is_pictograph(line[space - 1]):
            cuts.append(space)
        space = line.find(" ", space + 1)
    return cuts


def split_sentences(text: str, *, keep_links: bool = False) -> list[str]:
    """The sentences of ``text``: cleaned, links removed (unless ``keep_links``), never
    empty, in order. A line break always ends a sentence."""
    sentences: list[str] = []
    for raw_line in _LINE_BREAK_RE.split(text if keep_links else strip_urls(text)):
        line = clean(raw_line)
        if line:
            sentences.extend(_split_line(line))
    return sentences


def clause_ends(sentence: str) -> list[int]:
    """Offsets in ``sentence`` where a clause ends (after a comma, before "but"/"tapi"…)."""
    ends = []
    for match in _CLAUSE_RE.finditer(sentence):
        end = match.end()
        if 0 < end < len(sentence):
            ends.append(end)
    return sorted(set(ends))


def split_clauses(sentence: str) -> list[str]:
    """``sentence`` cut at its clause boundaries, each clause stripped of edge punctuation."""
    clauses, start = [], 0
    for end in [*clause_ends(sentence), len(sentence)]:
        piece = sentence[start:end].strip(" ,;:—–-")
        if piece:
            clauses.append(piece)
        start = end
    return clauses


def leading_clauses(sentence: str, max_chars: int) -> str | None:
    """The longest run of ``sentence``'s leading whole clauses that fits in ``max_chars``
    with an ellipsis, e.g. "the cashier ignored me, …"; None when no clause fits."""
    best = None
    for end in clause_ends(sentence):
        head = sentence[:end].rstrip(" ,;:—–-")
        if head and len(head) + 1 <= max_chars:
            best = head
    return f"{best}…" if best else None


def joined(sentences: Sequence[str]) -> str:
    """Adjacent sentences as one quote."""
    return " ".join(sentences)
