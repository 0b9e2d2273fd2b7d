"""Whose experience a complaint tells: the author's own, or other people's.

A food blog writes "several customers reported stomach aches after visiting the Tebet
branch"; a news site writes "banyak pengguna mengeluh app gak bisa login". Such a post
is a report, not the author's own incident: the draft thanks them for raising it and
says the business is looking into it, instead of hoping they feel better or asking
when it happened to them.

A post is second-hand only when it names other people as the ones affected ("several
customers", "beberapa pelanggan melapor", "warganet", "according to") and never speaks
in the first person ("I", "my", "saya", "aku", "kami"…). Anything else, an unclear
post included, keeps the personal draft: that is what most complaints are.
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
