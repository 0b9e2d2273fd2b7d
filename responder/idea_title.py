"""A short readable title for an idea group, from its most central post.

The owner reads the board by its titles, so a title says the idea, not the post:
"Love Kopi Senja, but please add oat milk! Half my office is lactose intolerant" is
titled "Oat milk", "app bagus sih, tapi tolong tambahin dark mode dong" is "Dark mode".

The title is the clause that proposes something (the first with a request word, else
the first clause), with handles, links and brand words left out and the request's
wrapping dropped ("please add", "it would be great if", "tolong tambahin", "dong").
When nothing is left the cleaned post is kept, so a title is never empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from responder.sentences import split_clauses, split_sentences
from responder.text import clean, strip_urls, trim

# fmt: off
_CUE: Final = re.compile(
    r"(?<!\w)(?:please|pls|plz|plis|pliss|would\s+be\s+(?:great|nice|awesome|cool|good|amazing)"
    r"|wish|hope|could\s+you|can\s+you|can\s+we|should|how\s+about|why\s+not|suggest\w*"
    r"|add|bring|plans?\s+(?:to|for)|would\s+love|offer|introduce|need\s+a|let\s+us"
    r"|tolong|mohon|dong|donk|usul\w*|saran\w*|semoga|sebaiknya|mending|kalau\s+bisa"
    r"|kalo\s+bisa|klo\s+bisa|gimana\s+kalau|gimana\s+kalo|kapan|pengen|pingin|ingin"
    r"|tambah\w*|adain|adakan|request|sediain|sediakan|bikin|buka)(?!\w)",
    re.IGNORECASE,
)
_WRAPPING: Final = re.compile(
    r"^(?:but|and|so|also|tapi|tp|terus|trus|juga|dan|jadi|btw|min|kak|admin|gan|sis|bang"
    r"|hi|hai|halo|hello|hey|pls|plz|plis|pliss|please|tolong|mohon|usul|saran|request|req|dong|donk"
    r"|suggestion(?:\s+for)?|idea|ide"
    r"|(?:it\s+)?would\s+be\s+(?:great|nice|awesome|cool|good|amazing)"
    r"(?:\s+(?:if(?:\s+you)?|to(?:\s+have)?|kalo|kalau|klo))?"
    r"|(?:i|we)\s+would\s+love(?:\s+to\s+see|\s+it\s+if(?:\s+you)?)?|would\s+love(?:\s+to\s+see)?"
    r"|i\s+wish(?:\s+you)?|i\s+hope(?:\s+you)?|could\s+(?:you|i|we)|can\s+(?:you|i|we)(?:\s+(?:get|have))?"
    r"|(?:you\s+)?should|any\s+chance\s+(?:of|to|for)|how\s+about|why\s+not|any\s+plans?\s+(?:to|for)"
    r"|do\s+you\s+have\s+plans?\s+(?:to|for)|add|bring(?!\s+back)|kalau\s+bisa|kalo\s+bisa|klo\s+bisa"
    r"|bisa\s+(?:gak|ga|nggak|ngga|tidak)|semoga\s+ada|semoga|sebaiknya|mending"
    r"|gimana\s+kalau|gimana\s+kalo|pengennya|pengen|pingin|ingin|tambahin|tambahkan|tambah"
    r"|adain|adakan|sediain|sediakan)(?!\w)[\s:,!.-]*",
    re.IGNORECASE,
)
_TAIL: Final = re.compile(
    r"(?:(?:^|[\s,]+)(?:dong|donk|ya|yah|yaa|deh|please|pls|plz|min|kak|gan|sih|nih|thanks"
    r"|makasih|juga|too|gak|ga|nggak|ngga|kah|bu|mas))*[\s!?.,:;~\-\u2600-\u27bf\ufe0f\u200d"
    r"\U0001f300-\U0001faff]*$",  # and trailing emoji: "… ya 🙏" ends at the idea
    re.IGNORECASE,
)
_ARTICLE: Final = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)
_HANDLE: Final = re.compile(r"(?<!\w)@\w+")
_SPACE_PUNCT: Final = re.compile(r"\s+([,.!?;:])")
# fmt: on
#: "It would be great if you opened earlier" → "Open earlier": a wish's past tense, as a
#: title's plain verb (only a title's first word, only these common verbs).
_PLAIN: Final = {
    "opened": "open",
    "added": "add",
    "offered": "offer",
    "stayed": "stay",
    "closed": "close",
    "served": "serve",
    "allowed": "allow",
    "accepted": "accept",
    "delivered": "deliver",
    "introduced": "introduce",
    "brought": "bring",
    "had": "have",
    "made": "make",
    "sold": "sell",
    "kept": "keep",
    "started": "start",
    "provided": "provide",
    "extended": "extend",
    "lowered": "lower",
    "reduced": "reduce",
    "gave": "give",
    "used": "use",
    "changed": "change",
    "switched": "switch",
    "supported": "support",
    "launched": "launch",
    "expanded": "expand",
    "installed": "install",
    "put": "put",
}  # fmt: skip
MIN_WORDS: Final = 2  # a shorter proposal ("Oat milk") keeps the clause after it too
#: Words of a request that name nothing themselves: "bring it back", "diadain lagi dong".
_POINTERS: Final = frozenset(["it", "them", "this", "that", "these", "those", "itu", "ini", "dia"])
_EMPTY_WORDS: Final = _POINTERS | {
    "bring", "back", "again", "lagi", "do", "make", "please", "dong", "balikin", "kembalikan",
    "diadain", "diadakan", "adain", "adakan", "ada", "available", "restock", "sell", "jual",
    "dijual", "in", "stock", "to", "the", "a", "an",
}  # fmt: skip


def idea_title(text: str, ignore: Iterable[str], max_chars: int) -> str:
    """The board title of an idea post (see the module docstring)."""
    body = _without(strip_urls(clean(text)), ignore)
    sentences = split_sentences(body)
    at = next((k for k, s in enumerate(sentences) if _CUE.search(s)), 0)
    title = _proposal(split_clauses(sentences[at])) if sentences else ""
    if at > 0 and _refers_back(title):  # "… almond croissant? Please bring it back!"
        title = _proposal(split_clauses(sentences[at - 1])) or title
    return trim(title or body or clean(text), max_chars)


def idea_sentences(text: str) -> str:
    """The sentences of ``text`` that propose something (a request word), with the one
    before a proposal that only points back at it; ``text`` itself when none does. What
    the board groups on: "The app crashed twice. Please add an English version" groups
    with other English-version ideas, not with app crashes."""
    sentences = split_sentences(text)
    first = next((k for k, s in enumerate(sentences) if _CUE.search(s)), None)
    if first is None:
        return text
    if first > 0 and _refers_back(_proposal(split_clauses(sentences[first]))):
        first -= 1
    return " ".join(sentences[first:])


def _refers_back(title: str) -> bool:
    """True for a request that only points at what an earlier sentence named ("Bring it
    back", "Diadain lagi", "Balikin lagi dong resepnya"): at most one word of its own."""
    words = re.findall(r"\w+", title.lower())
    pointing = [w for w in words if w in _POINTERS or w in ("back", "again", "lagi")]
    pointing += [w for w in words if len(w) > 5 and w.endswith("nya")]  # resepnya: its recipe
    own = [w for w in words if w not in _EMPTY_WORDS and not (len(w) > 5 and w.endswith("nya"))]
    return bool(pointing) and len(own) <= 1


def without_terms(text: str, terms: Iterable[str]) -> str:
    """``text`` without handles and the given (brand) terms, as a whole word, hashtag or
    handle, and without the spaces they leave."""
    return _without(text, terms)


def _without(text: str, ignore: Iterable[str]) -> str:
    """``text`` without handles and brand words, and without the spaces they leave."""
    for term in sorted({t for t in ignore if t.strip()}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w)[@#]?{re.escape(term)}(?!\w)", " ", text, flags=re.IGNORECASE)
    text = _HANDLE.sub(" ", text)
    return _SPACE_PUNCT.sub(r"\1", " ".join(text.split())).strip(" ,;:")


def _proposal(clauses: Sequence[str]) -> str:
    """The sentence's first clause with a request word (else its first), unwrapped and
    capitalised; one too short to say anything ("sediain ya kak") takes in the clause
    after it, else the one before it."""
    start = next((k for k, c in enumerate(clauses) if _CUE.search(c)), 0)
    spans = [(start, start + 1), (start, start + 2), (max(0, start - 1), start + 1)]
    title = ""
    for begin, end in spans:
        title = _unwrapped(", ".join(clauses[begin:end]))
        if len(title.split()) >= MIN_WORDS:
            break
    first, _, rest = title.partition(" ")
    title = f"{_PLAIN.get(first.lower(), first)} {rest}".strip()
    return title[:1].upper() + title[1:]


def _unwrapped(clause: str) -> str:
    """``clause`` without the request's wrapping around what is asked for."""
    previous = None
    while previous != clause:
        previous = clause
        clause = _WRAPPING.sub("", clause).strip()
        clause = _TAIL.sub("", clause).strip(" ,;:")
        if clause.split(" ", 1)[0].lower() in _POINTERS:  # the verb was the idea: keep it
            clause = _TAIL.sub("", previous).strip(" ,;:")
            break
    return _ARTICLE.sub("", clause).strip(" ,;:")
