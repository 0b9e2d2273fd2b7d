"""Small, Unicode-safe text helpers shared by drafts, routing and the ideas board.

Customer posts carry emoji, zero-width joiners, combining marks, bidi controls and
stray control characters. These helpers make such text safe to quote back to the
person and to compare, without ever cutting a word or an emoji sequence in half.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Final

ELLIPSIS: Final = "…"

# A link ends at a space or a control character (an escape sequence is not part of it).
_URL_RE: Final = re.compile(r"(?:https?://|www\.)[^\s\x00-\x1f\x7f-\x9f]+", re.IGNORECASE)
# Terminal escape sequences, whole: CSI ("\x1b[31m", "\x9b2J"), OSC with its terminator
# ("\x1b]8;;…\x07", a hyperlink or a window title) and two-byte escapes ("\x1b(B").
# Dropping only the ESC byte left "[31mRED[0m" in a quoted draft.
_ESCAPES_RE: Final = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]{0,2048}(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
_SPACE_RE: Final = re.compile(r"\s+")
_ELONGATION_RE: Final = re.compile(r"(\w)\1{2,}")
# Indonesian writes a reduplicated word with a 2: "muntah2" is "muntah-muntah", "kopi2nya"
# is "kopi-kopinya" (a word of three letters or more, so "ps2" and "mp3" stay as they are).
_REDUPLICATION_RE: Final = re.compile(
    r"(?<![\w-])([^\W\d_]{3,})2(nya|ny|an|in|ku|mu|lah|kah|pun)?(?![\w-])"
)
# Bidi embeddings/overrides/isolates can make a quoted draft display reversed or
# hide text from the staff member who approves it, so they are always dropped.
_BIDI_CONTROLS: Final = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_ZWJ: Final = "\u200d"
# Invisible characters that only hide or split words ("ma\u200bntap"): dropped, never quoted.
_INVISIBLE: Final = frozenset(
    "\u200b\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064\ufff9\ufffa\ufffb"
    + "".join(chr(c) for c in range(0x206A, 0x2070))
)
# Zero-width (non-)joiners shape emoji sequences and Arabic, Persian and Indic letters;
# next to plain ASCII (or at either end) they only hide or split a word, so they go.
_JOINERS_RE: Final = re.compile("[\u200c\u200d]+")
# Tag characters spell a subdivision flag after 🏴; anywhere else they are invisible text.
_TAGS_RE: Final = re.compile("(\U0001f3f4?)([\U000e0020-\U000e007f]+)")
# What clean() drops: control characters (category Cc) that are not spaces, bidi controls
# and invisible characters; spaces of every kind become one plain space.
_CONTROLS: Final = frozenset(
    chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if not chr(c).isspace()
)
_DROPPED_RE: Final = re.compile(
    "[" + re.escape("".join(sorted({*_CONTROLS, *_BIDI_CONTROLS, *_INVISIBLE}))) + "]"
)


def clean(text: str) -> str:
    """Return ``text`` in NFC with control and bidi characters removed and spaces collapsed.

    Emoji, ZWJ sequences, flags and combining marks are kept: they are part of what the
    person wrote; a joiner between ASCII letters ("ma\u200dntap") or a tag character
    outside a flag is invisible and goes.
    """
    if "\x1b" in text or "\x9b" in text or "\x9d" in text:
        text = _ESCAPES_RE.sub("", text)
    text = _DROPPED_RE.sub("", unicodedata.normalize("NFC", text))
    if not text.isascii():
        text = _drop_stray_invisibles(text)
    return _SPACE_RE.sub(" ", text).strip()


def _drop_stray_invisibles(text: str) -> str:
    """``text`` without joiners beside ASCII or at an end, and tags outside a flag."""

    def joiners(match: re.Match[str]) -> str:
        start, end = match.span()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        return match.group(0) if not (before.isascii() or after.isascii()) else ""

    text = _JOINERS_RE.sub(joiners, text)
    return _TAGS_RE.sub(lambda m: m.group(0) if m.group(1) else "", text)


def strip_urls(text: str) -> str:
    """Remove links: a quoted link adds nothing personal and may be a tracking URL."""
    return _URL_RE.sub(" ", text)


def fold(text: str) -> str:
    """Lower-case, strip accents, shorten letter runs ("tolonggg" → "tolong") and write
    out reduplication ("muntah2" → "muntah-muntah", "kopi2nya" → "kopi-kopinya").

    Used for matching, never for display.
    """
    folded = text.casefold()
    if not folded.isascii():  # most posts are ASCII: nothing to decompose
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = _ELONGATION_RE.sub(r"\1", folded)
    if "2" not in folded:  # reduplication is written with a 2: nothing to write out
        return folded
    return _REDUPLICATION_RE.sub(r"\1-\1\2", folded)


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


#: Phone numbers ("0812-3456-7890", "+62 813 9988 7766") and email addresses: a draft
#: quotes the person's words, never their contact details back at them.
_CONTACT_RE: Final = re.compile(
    r"(?<![\w+])(?:\+\d|0|62)(?:[\s.()-]{0,2}\d){8,14}(?!\w)"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?!\w)"
)
ELIDED: Final = "[…]"


def mask_contacts(text: str) -> str:
    """``text`` with phone numbers and email addresses replaced by "[…]"."""
    return _CONTACT_RE.sub(ELIDED, text)


def quote(text: str, max_chars: int) -> str:
    """The person's own words, cleaned, without links, trimmed for a draft."""
    return trim(clean(strip_urls(text)), max_chars)


def _name_token(word: str) -> str:
    """Keep letters, digits, marks and the punctuation real names use ("O'Neil", "Jean-Luc")."""
    kept = "".join(
        ch for ch in word if ch.isalnum() or unicodedata.category(ch)[0] == "M" or ch in "'’-._@"
    )
    return kept.strip("'’-.")


#: Titles people put before their name; the name is the word after them.
_HONORIFICS: Final = frozenset(
    {
        "pak", "bu", "bapak", "ibu", "kak", "mas", "mbak", "bang", "abang", "om", "tante",
        "koh", "cik", "ci", "sdr", "sdri", "h", "hj", "haji", "hajjah", "mr", "mrs", "ms",
        "miss", "dr", "drs", "ir", "prof", "sir", "madam", "tuan", "nyonya", "dear",
    }
)  # fmt: skip
#: Words that start display names of shops, teams and pages, never a person's first name.
_NOT_NAMES: Final = frozenset(
    {
        "official", "admin", "store", "shop", "olshop", "team", "akun", "real", "the",
        "user", "anonymous", "anon", "guest", "unknown", "null", "none", "undefined", "info",
        "kopi", "coffee", "cafe", "café", "food", "foodie", "kuliner", "jajan", "redaksi",
        "kabar", "berita", "news", "media", "daily", "review", "reviews", "customer", "pelanggan",
        "bukan", "not", "just", "your", "my", "our", "hello", "halo", "hi",
    }
)  # fmt: skip
#: Words that make a whole display name a page's or a business's, wherever they stand
#: ("Jakarta Food Blog", "Bekasi Kuliner Info"): no one is greeted as "Hi Jakarta".
_ORG_WORDS: Final = frozenset(
    {
        "blog", "news", "media", "official", "store", "shop", "olshop", "kuliner", "foodie",
        "magazine", "majalah", "channel", "redaksi", "berita", "review", "reviews", "daily",
        "tv", "radio", "food", "eats", "guide", "info", "team", "cafe", "café",
        "coffee", "kopi", "resto", "restaurant", "agency", "company",
        # legal forms, offices, newsrooms and groups: "PT Maju Jaya", "Dinas Kesehatan",
        # "Komunitas Kopi Bogor", "Jakarta Post", "Toko Sinar"
        "pt", "cv", "tbk", "ud", "inc", "ltd", "llc", "corp", "gmbh", "toko", "warung",
        "kedai", "dinas", "dinkes", "pemkot", "pemkab", "pemprov", "kementerian", "humas",
        "komunitas", "community", "yayasan", "foundation", "koperasi", "asosiasi",
        "association", "forum", "club", "klub", "newsroom", "editorial", "pers", "press",
        "times", "post", "journal", "jurnal", "podcast", "studio", "group", "grup",
    }
)  # fmt: skip
#: "Tim" is Indonesian for "team" and an English first name: "Tim Liputan Pagi" and "Tim
#: Humas" are teams, "Tim Harris" is a person. It names a team when a word like these follows.
_TEAM_OF: Final = frozenset(
    {
        "liputan", "redaksi", "humas", "marketing", "pemasaran", "support", "cs", "layanan",
        "pelanggan", "admin", "media", "sosial", "sosmed", "kreatif", "creative", "produksi",
        "penjualan", "sales", "legal", "hukum", "riset", "research", "investigasi", "kampanye",
        "relawan", "sukses", "pemenangan", "official", "resmi", "editor", "peliput", "pengelola",
        "manajemen", "management", "komunikasi", "publikasi", "dokumentasi", "pengaduan",
    }
)  # fmt: skip
#: How a handle of a newsroom, shop or office ends or starts ("@kabarkulinernews",
#: "@tokosinar_official", "@infojkt"): a person's handle rarely does.
_ORG_HANDLE_RE: Final = re.compile(
    r"(?:news|official|offcl|media|berita|redaksi|store|(?<!bi)shop|magazine)$"
    r"|^(?:info|berita|redaksi|official|toko(?!h)|dinas(?!ti)|humas|komunitas)"
)
_NAME_PREFIXES: Final = ("Mc", "Mac", "De", "Di", "Da", "Le", "La", "Van", "Von")
#: Longer than any first name: a display name of 5,000 letters is not greeted by it.
_MAX_NAME_CHARS: Final = 40


def _looks_like_name(token: str) -> bool:
    """True for "Rina", "O'Neil", "Jean-Luc", "McDonald", "李明"; False for "u8", "budi_s",
    "kopilover", "xXRinaXx", "JKT48"."""
    letters = [ch for ch in token if ch.isalpha()]
    if not 2 <= len(letters) <= _MAX_NAME_CHARS or any(
        not (ch.isalpha() or ch in "'’-" or unicodedata.category(ch)[0] == "M") for ch in token
    ):
        return False
    if token.casefold() in _NOT_NAMES:
        return False
    if not any(ch.isupper() or ch.islower() for ch in letters):
        return True  # a script without letter case (Chinese, Arabic, Thai…)
    if not token[0].isupper():
        return False
    for part in re.split(r"['’-]", token):
        tail = part[1:]
        if tail and not tail.islower():
            inner = next((p for p in _NAME_PREFIXES if part.startswith(p)), None)
            rest = part[len(inner) :] if inner else ""
            if not (inner and rest[:1].isupper() and rest[1:].islower()):
                return False
    return True


def person_name(display_name: str | None, handle: str | None = None) -> str | None:
    """The first name to greet someone by, from their display name only; None when there is
    no real name there.

    A handle is never a name ("Hi u8," reads like a robot), and neither is a display
    name that is the handle again, an emoji, a shop or page name, or a token with
    digits or underscores. Titles are skipped ("Mas Yoga" → "Yoga"), decoration is
    dropped ("🌸 Rina W." → "Rina"), and a name in capitals is title-cased ("BUDI" → "Budi").
    """
    text = clean(display_name or "")
    local = clean(handle or "").lstrip("@").split("@", 1)[0].removeprefix("u/")
    if not text or (text.casefold() == local.casefold() and not text[:1].isupper()):
        return None
    if is_organisation(text, handle):
        return None
    for word in text.split(" "):
        token = _name_token(word)
        if not token or token.casefold().rstrip(".") in _HONORIFICS:
            continue
        if token.isupper() and len(token) > 1:
            token = token.capitalize()
        return token if _looks_like_name(token) else None
    return None


def _is_team(words: list[str]) -> bool:
    """True for "Tim Liputan Pagi", "Tim Kopi Senja"; False for "Tim Harris"."""
    return any(w == "tim" and nxt in _TEAM_OF for w, nxt in itertools.pairwise(words))


def is_organisation(display_name: str | None, handle: str | None = None) -> bool:
    """True when the author is a newsroom, business, office or group, not a person: a
    word of such names anywhere in the display name ("Redaksi Kabar Kuliner", "PT Maju
    Jaya", "Tim Humas", "Jakarta Food Blog"), or a handle (or an @handle given as the
    display name) that ends or starts like one ("@kabarkulinernews", "@info_jkt").
    """
    text = clean(display_name or "")
    words = [_name_token(w).casefold() for w in text.split(" ")]
    if any(w in _ORG_WORDS for w in words) or _is_team(words):
        return True
    handles = [w for w in text.split(" ") if w.startswith("@")] + [clean(handle or "")]
    for raw in handles:
        local = raw.lstrip("@").split("@", 1)[0].removeprefix("u/").casefold()
        letters = re.sub(r"[^a-z]+", "", local)
        if len(letters) > 4 and _ORG_HANDLE_RE.search(letters):
            return True
    return False
