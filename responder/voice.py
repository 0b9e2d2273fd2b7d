"""Whose experience a complaint tells, and whether it tells of any trouble at all.

A food blog writes "several customers reported stomach aches after visiting the Tebet
branch"; a news site writes "banyak pengguna mengeluh app gak bisa login". Such a post
is a report, not the author's own incident: the draft thanks them for raising it and
says the business is looking into it, instead of hoping they feel better or asking
when it happened to them.

A post is second-hand only when it names other people as the ones affected ("several
customers", "beberapa pelanggan melapor", "warganet", "according to") and never speaks
in the first person ("I", "my", "saya", "aku", "kami"…). Anything else, an unclear
post included, keeps the personal draft: that is what most complaints are.

A plain question ("Mau nanya, nerima pesanan buat acara kantor 50 cup gak ya?") that the
model still called a complaint gets thanks for asking and a promise of an answer, not an
apology: it asks something and names no trouble (no problem topic, no word of
disappointment).
"""

from __future__ import annotations

import re
from typing import Final

from responder.text import clean, fold, strip_urls

# fmt: off
_FIRST_PERSON: Final = re.compile(
    r"(?<![\w@#])(?:i|i'm|im|i've|ive|i'd|i'll|me|my|mine|myself|we|we're|we've|our|ours|us"
    r"|saya|aku|ak|gue|gw|gua|guwe|ane|kami|kita|sy|daku)(?![\w@#])"
)
_GROUP: Final = (
    r"customers|users|people|visitors|diners|guests|readers|residents|shoppers|buyers"
    r"|patrons|parents|students|commuters|fans"
)
_KELOMPOK: Final = (
    r"pelanggan|pengguna|konsumen|pembeli|warga|pengunjung|pembaca|orang"
    r"|pelajar|mahasiswa|ibu-ibu|orang\s+tua"
)
_OTHERS: Final = re.compile(
    rf"(?<!\w)(?:(?:several|many|some|multiple|numerous|dozens\s+of|a\s+number\s+of"
    rf"|a\s+few|other)\s+(?:{_GROUP})"
    rf"|(?:{_GROUP})\s+(?:have\s+|has\s+|had\s+|are\s+|were\s+)?(?:reported|reporting"
    rf"|complained|complaining|said|say|claim\w*|described|told)"
    rf"|according\s+to|reportedly|allegedly|reports?\s+(?:of|that)|officials?"
    rf"|health\s+(?:office|department|authorit\w+|inspectors?)|inspectors?"
    rf"|(?:beberapa|banyak|sejumlah|para|puluhan|belasan|ratusan)\s+(?:{_KELOMPOK})"
    rf"|(?:{_KELOMPOK})\s+(?:yang\s+)?(?:melapor\w*|mengeluh\w*|mengaku|menyebut\w*"
    rf"|bercerita|protes)"
    rf"|dilaporkan|menurut|warganet|netizen|petugas|dinas\s+kesehatan|dinkes|bpom"
    rf"|ramai\s+dikeluhkan|viral)(?!\w)"
)
# fmt: on


def secondhand(text: str) -> bool:
    """True when ``text`` reports other people's experience and never speaks for its
    author ("Setelah beberapa pelanggan melapor sakit perut, petugas mengambil sampel…")."""
    folded = fold(clean(strip_urls(text)))
    return _OTHERS.search(folded) is not None and _FIRST_PERSON.search(folded) is None


_ASKS: Final = re.compile(
    r"\?|^(?:mau|boleh|numpang|izin|ijin)\s+(?:nanya|tanya)|^(?:is\s+there|are\s+there|do\s+you"
    r"|does|can\s+i|can\s+we|could\s+i|how\s+(?:do|can|much|long)|where|when|what|which"
    r"|apakah|kapan|dimana|di\s+mana|berapa|gimana|bagaimana)(?!\w)"
)
_TROUBLE: Final = re.compile(
    r"(?<!\w)(?:kecewa\w*|parah|kesel|kesal|sebel|nyesel|payah|jelek|buruk|lama\s+banget"
    r"|belum\s+(?:datang|sampai|masuk|dibalas|direspon)|gak\s+bisa|ga\s+bisa|nggak\s+bisa"
    r"|tidak\s+bisa|gk\s+bisa|kenapa|why|disappoint\w*|terrible|awful|worst|annoy\w*"
    r"|frustrat\w*|still\s+(?:waiting|no)|never|again|not\s+(?:ok|okay|good|happy|working)"
    r"|can'?t|cannot|won'?t|doesn'?t|didn'?t|isn'?t|broken|problem|issue|complain\w*"
    r"|masalah|komplain|keluhan)(?!\w)|[😡😤😠🤬😞😢😭👎]"
)


def plain_question(text: str) -> bool:
    """True when ``text`` asks something and names no trouble (see the module docstring);
    the caller checks that no problem topic was found in it either."""
    folded = fold(clean(strip_urls(text)))
    return _ASKS.search(folded) is not None and _TROUBLE.search(folded) is None
