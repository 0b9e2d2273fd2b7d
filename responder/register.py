"""The register a person wrote in — formal or casual — so the draft answers in kind.

Indonesian formal writing uses "saya", "Anda", "Bapak/Ibu", "terima kasih", "tidak",
"sudah", "mohon"; casual writing uses "aku/gw/gue", "kak", "dong", "bgt", "gak",
"udah", "aja", "-nya" as a separate word ("app nya"), "wkwk". English casual writing
has "lol", "gonna", "pls", "tbh", stretched words and emoji; formal writing has
"Dear", "Regards", "I would like", "kindly". Each cue has a weight; whichever side
weighs more wins, and a tie keeps the configured default. Cues of both languages
count for every text: code-mixed posts are common.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final, Literal

from responder.text import clean, fold, strip_urls

Register = Literal["formal", "casual"]
REGISTERS: Final[tuple[Register, ...]] = ("formal", "casual")

# fmt: off
_CASUAL_WORDS: Final[Mapping[str, float]] = {
    # Indonesian: pronouns and address
    "aku": 2, "ak": 1, "gw": 2, "gue": 2, "gua": 2, "gwe": 2, "lu": 2, "lo": 1.5, "loe": 2,
    "elo": 2, "kamu": 1, "kak": 1.5, "kakak": 1, "min": 1, "mimin": 2, "bro": 2, "sis": 1.5,
    "guys": 1.5, "mas": 0.5, "mbak": 0.5,
    # particles and slang
    "dong": 1.5, "deh": 1.5, "sih": 1.5, "nih": 1, "tuh": 1, "kok": 1, "yuk": 1, "kuy": 2,
    "bgt": 2, "banget": 1, "bngt": 2, "gak": 1.5, "ga": 1.5, "gk": 2, "nggak": 1.5,
    "ngga": 1.5, "enggak": 1, "engga": 1.5, "kagak": 2, "udah": 1.5, "udh": 2, "dah": 1,
    "aja": 1, "doang": 1.5, "kayak": 1, "kyk": 2, "kek": 1.5, "gimana": 1, "gmn": 2,
    "kalo": 1, "klo": 2, "emang": 1.5, "bikin": 1, "pengen": 1.5, "pgn": 2, "tau": 0.5,
    "abis": 1, "yg": 1, "tp": 1, "jg": 1, "sm": 1, "mantul": 2, "wkwk": 2, "wkwkwk": 2,
    "anjir": 2, "anjay": 2, "btw": 1, "gini": 1, "gitu": 1, "pake": 1, "pesen": 1,
    "nunggu": 1, "nyampe": 1.5, "sampe": 1, "bales": 1, "kepotong": 1, "ketahan": 1,
    "nyobain": 1.5, "ngopi": 0.5, "dateng": 1, "inget": 1, "banget2": 2, "beresin": 2,
    "nya": 1, "tetep": 1, "dipake": 1, "dapet": 1, "malem": 1, "ribet": 1, "jutek": 1,
    "cuekin": 1, "dicuekin": 1, "lemot": 0.5, "mulu": 1.5, "makasih": 1, "makasi": 1.5,
    "thx": 2, "trims": 0.5,
    # English
    "lol": 2, "lmao": 2, "omg": 2, "gonna": 2, "wanna": 2, "gotta": 2, "pls": 2, "plz": 2,
    "ty": 1.5, "u": 1.5, "ur": 1.5, "tbh": 2, "imo": 1.5, "ngl": 2, "idk": 2, "yall": 2,
    "hey": 1, "yo": 1.5, "awesome": 1, "super": 0.5, "crazy": 1, "cool": 0.5, "dude": 2,
    "kinda": 2, "sorta": 2, "yeah": 1.5, "yep": 1.5, "nope": 1.5, "ain't": 2, "tho": 2,
}
_FORMAL_WORDS: Final[Mapping[str, float]] = {
    # Indonesian
    "saya": 2, "anda": 2, "bapak": 2, "ibu": 1, "mohon": 2, "terimakasih": 2, "tidak": 1,
    "sudah": 1, "sangat": 1, "apakah": 1, "bagaimana": 1, "silakan": 2, "harap": 1,
    "kepada": 1, "untuk": 0.5, "namun": 1, "sehingga": 1, "karena": 0.5, "tersebut": 1.5,
    "mengapa": 1, "ingin": 1, "hanya": 0.5, "seperti": 0.5, "hormat": 1.5, "yth": 2,
    "kami": 0.5, "pelayanan": 0.5, "dengan": 0.5, "sekali": 0.5,
    "demikian": 1.5, "atas": 0.5, "bahwa": 1, "telah": 1, "akan": 0.5, "agar": 0.5,
    # English
    "dear": 2, "regards": 2, "sincerely": 2, "kindly": 1.5, "furthermore": 1.5,
    "however": 1, "therefore": 1.5, "unacceptable": 1, "regarding": 1, "assist": 1,
    "inform": 1, "hereby": 2, "moreover": 1.5, "nevertheless": 1.5, "appreciate": 0.5,
    "madam": 2, "sir": 1.5,
}
_FORMAL_PHRASES: Final[Mapping[str, float]] = {
    "terima kasih": 2, "i would like": 1.5, "i am writing": 2, "i would": 1, "i am ": 0.5,
    "do not": 0.5, "please be advised": 2, "to whom it may concern": 3, "best regards": 2,
    "kind regards": 2, "thank you for your": 1, "bapak/ibu": 2,
}
# fmt: on
_WORD_RE: Final = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_STRETCH_RE: Final = re.compile(r"([^\W\d_])\1{2,}")  # "sooo", "bangettt"
_BANG_RE: Final = re.compile(r"[!?]{2,}")
_EMOJI_RE: Final = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


def register_scores(text: str) -> tuple[float, float]:
    """(formal, casual) cue weights found in ``text``."""
    cleaned = clean(strip_urls(text))
    lowered = cleaned.casefold()
    casual = 1.0 if _STRETCH_RE.search(lowered) else 0.0
    casual += 1.0 if _BANG_RE.search(cleaned) else 0.0
    casual += 0.5 if _EMOJI_RE.search(cleaned) else 0.0
    formal = sum(w for phrase, w in _FORMAL_PHRASES.items() if phrase in lowered)
    for word in _WORD_RE.findall(fold(cleaned)):
        casual += _CASUAL_WORDS.get(word, 0.0)
        formal += _FORMAL_WORDS.get(word, 0.0)
    return formal, casual


def detect_register(texts: Iterable[str], default: Register = "casual") -> Register:
    """The register of a person's posts: the side with more cue weight, else ``default``."""
    formal = casual = 0.0
    for text in texts:
        f, c = register_scores(text)
        formal += f
        casual += c
    if formal > casual:
        return "formal"
    if casual > formal:
        return "casual"
    return default
