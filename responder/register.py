"""The register a person wrote in — formal or casual — so the draft answers in kind.

Indonesian formal writing uses "saya", "Anda", "Bapak/Ibu", "terima kasih atas",
"mohon", "dengan hormat"; casual writing uses "aku/gw/gue", addresses the business as
"kak", "min" or "gan", and has particles and slang: "dong", "sih", "deh", "bgt", "gak",
"udah", "wkwk", emoji. English casual writing has "lol", "gonna", "pls", "tbh",
stretched words and emoji; formal writing has "Dear", "Regards", "I would like",
"kindly". Cues of both languages count for every text: code-mixed posts are common.

Each cue has a weight. The strongest casual cues (a casual pronoun, "kak"/"min"/"gan",
"bgt", "wkwk") outweigh a lone "saya" or "sudah", which casual writers use too; the
strongest formal cues ("mohon", "Bapak/Ibu", "dengan hormat") outweigh a particle or
two. The side that weighs more wins when it has at least ``MIN_EVIDENCE``; a tie or
too little evidence keeps the configured default.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final, Literal

from responder.text import clean, fold, strip_urls

Register = Literal["formal", "casual"]
REGISTERS: Final[tuple[Register, ...]] = ("formal", "casual")
#: The least cue weight that decides a register: a lone "untuk" or emoji is not enough.
MIN_EVIDENCE: Final = 1.0

# fmt: off
_CASUAL_WORDS: Final[Mapping[str, float]] = {
    # Indonesian: pronouns and address
    "aku": 3, "ak": 1, "gw": 3, "gue": 3, "gua": 3, "gwe": 3, "lu": 2, "lo": 1.5, "loe": 2,
    "elo": 2, "kamu": 1.5, "kak": 3, "ka": 1, "kakak": 2, "min": 3, "mimin": 3, "gan": 3,
    "agan": 3, "bro": 3, "sis": 2.5, "bestie": 2, "guys": 1.5, "bund": 2, "bang": 1.5,
    "mas": 0.5, "mbak": 0.5,
    # particles and slang
    "dong": 2, "deh": 2, "sih": 2, "nih": 1.5, "tuh": 1, "kok": 1, "yuk": 1, "kuy": 2,
    "bgt": 3, "banget": 1, "bngt": 3, "mah": 1, "cuy": 2, "lho": 1, "loh": 1,
    "gak": 1.5, "ga": 1.5, "gk": 2, "nggak": 1.5,
    "ngga": 1.5, "enggak": 1, "engga": 1.5, "kagak": 2, "udah": 1.5, "udh": 2, "dah": 1,
    "aja": 1, "doang": 1.5, "kayak": 1, "kyk": 2, "kek": 1.5, "gimana": 1, "gmn": 2,
    "kalo": 1, "klo": 2, "emang": 1.5, "bikin": 1, "pengen": 1.5, "pgn": 2, "tau": 0.5,
    "abis": 1, "yg": 1, "tp": 1, "jg": 1, "sm": 1, "mantul": 2, "wkwk": 2, "wkwkwk": 2,
    "anjir": 2, "anjay": 2, "wkwkwkwk": 2, "awokwok": 2, "hehe": 1.5, "hihi": 1.5,
    "mantap": 1, "pesenan": 1.5, "ngantri": 1.5, "gercep": 2, "mager": 2, "nugas": 1,
    "btw": 1, "gini": 1, "gitu": 1, "pake": 1, "pesen": 1, "mau": 0.5, "komplain": 1,
    "nanya": 1.5,
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
    "saya": 1.5, "anda": 2.5, "bapak": 2, "ibu": 1, "mohon": 3, "terimakasih": 2, "tidak": 1,
    "sudah": 1, "sangat": 1, "apakah": 1, "bagaimana": 1, "silakan": 2, "harap": 1,
    "kepada": 1, "untuk": 0.5, "namun": 1, "sehingga": 1, "karena": 0.5, "tersebut": 1.5,
    "mengapa": 1, "ingin": 1, "hanya": 0.5, "seperti": 0.5, "hormat": 1.5, "yth": 2,
    "kami": 0.5, "pelayanan": 0.5, "dengan": 0.5, "sekali": 0.5,
    "demikian": 1.5, "atas": 0.5, "menyampaikan": 1.5, "menanyakan": 1.5,
    "ditindaklanjuti": 2, "sebesar": 1, "berikut": 1, "selamat": 0.5, "sebelumnya": 0.5,
    "bahwa": 1, "telah": 1, "akan": 0.5, "agar": 0.5,
    # English
    "dear": 2, "regards": 2, "sincerely": 2, "kindly": 1.5, "furthermore": 1.5,
    "however": 1, "therefore": 1.5, "unacceptable": 1, "regarding": 1, "assist": 1,
    "inform": 1, "hereby": 2, "moreover": 1.5, "nevertheless": 1.5, "appreciate": 0.5,
    "madam": 2, "sir": 1.5,
}
_FORMAL_PHRASES: Final[Mapping[str, float]] = {
    "terima kasih": 2, "terima kasih atas": 1, "dengan hormat": 3, "hormat saya": 2,
    "i would like": 1.5, "i am writing": 2, "i would": 1, "i am ": 0.5,
    "do not": 0.5, "please be advised": 2, "to whom it may concern": 3, "best regards": 2,
    "kind regards": 2, "thank you for your": 1, "bapak/ibu": 3,
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
    """The register of a person's posts: the side with more cue weight (all posts
    together) when it has at least ``MIN_EVIDENCE``, else ``default``."""
    formal = casual = 0.0
    for text in texts:
        f, c = register_scores(text)
        formal += f
        casual += c
    if formal > casual and formal >= MIN_EVIDENCE:
        return "formal"
    if casual > formal and casual >= MIN_EVIDENCE:
        return "casual"
    return default
