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
disappointment). "Ga bisa bayar pake GoPay ya?" asks whether a way to pay is accepted:
a question too, not a failed payment. "Kok rasanya beda ya sekarang?" is no question but
a complaint: "kok" asks why something went wrong.

A complaint that says it is not the first time they told the business ("Udah 3x gue
komplain", "this is the third time I'm complaining") is answered as such
(:func:`said_again`): sorry they had to ask again, not thanks as if it were news.

When a health complaint is about someone else ("my son had an allergic reaction",
"anak saya diare"), the draft hopes that person feels better, not the author:
:func:`affected` names them as the post does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from responder.text import clean, fold, strip_urls
from responder.topics import METHOD_QUESTION, cue_after

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
    r"|masalah|komplain|keluhan|kok)(?!\w)|[😡😤😠🤬😞😢😭👎🙄]"
)


def plain_question(text: str) -> bool:
    """True when ``text`` asks something and names no trouble (see the module docstring);
    the caller checks that no problem topic was found in it either."""
    folded = fold(clean(strip_urls(text)))
    asked = METHOD_QUESTION.sub(" ", folded)  # "ga bisa bayar pake GoPay?" asks, no trouble
    return _ASKS.search(folded) is not None and _TROUBLE.search(asked) is None


#: Who fell ill, as the post names them → (English, Indonesian, plural).
_RELATIONS: Final[dict[str, tuple[str, str, bool]]] = {
    "son": ("son", "putra", False), "daughter": ("daughter", "putri", False),
    "kid": ("child", "anak", False), "child": ("child", "anak", False),
    "baby": ("baby", "bayi", False), "wife": ("wife", "istri", False),
    "husband": ("husband", "suami", False), "mother": ("mother", "ibu", False),
    "mom": ("mother", "ibu", False), "mum": ("mother", "ibu", False),
    "father": ("father", "ayah", False), "dad": ("father", "ayah", False),
    "brother": ("brother", "saudara", False), "sister": ("sister", "saudari", False),
    "friend": ("friend", "teman", False), "partner": ("partner", "pasangan", False),
    "grandmother": ("grandmother", "nenek", False), "grandma": ("grandmother", "nenek", False),
    "grandfather": ("grandfather", "kakek", False), "grandpa": ("grandfather", "kakek", False),
    "kids": ("children", "anak-anak", True), "children": ("children", "anak-anak", True),
    "sons": ("sons", "putra-putra", True), "daughters": ("daughters", "putri-putri", True),
    "friends": ("friends", "teman-teman", True), "parents": ("parents", "orang tua", True),
    "family": ("family", "keluarga", False),
    "anak": ("child", "anak", False), "istri": ("wife", "istri", False),
    "suami": ("husband", "suami", False), "ibu": ("mother", "ibu", False),
    "mama": ("mother", "ibu", False), "mamah": ("mother", "ibu", False),
    "papa": ("father", "ayah", False), "papah": ("father", "ayah", False),
    "ayah": ("father", "ayah", False), "bapak": ("father", "ayah", False),
    "adik": ("sibling", "adik", False), "adek": ("sibling", "adik", False),
    "kakak": ("sibling", "kakak", False), "teman": ("friend", "teman", False),
    "temen": ("friend", "teman", False), "bayi": ("baby", "bayi", False),
    "nenek": ("grandmother", "nenek", False), "kakek": ("grandfather", "kakek", False),
    "keluarga": ("family", "keluarga", False), "pacar": ("partner", "pasangan", False),
}  # fmt: skip
_MY_EN: Final = re.compile(
    r"(?<!\w)(?:my|our)\s+(?:little\s+|young\s+|\d+\s*yo\s+)?"
    r"(sons?|daughters?|kids?|child|children|baby|wife|husband|mother|mom|mum|father|dad"
    r"|brother|sister|friends?|partner|grandmother|grandma|grandfather|grandpa|parents"
    r"|family)(?!\w)"
)
_MY_ID: Final = re.compile(
    r"(?<!\w)(anak|istri|suami|ibu|mama|mamah|papa|papah|ayah|bapak|adik|adek|kakak|teman"
    r"|temen|bayi|nenek|kakek|keluarga|pacar)(?:\s+(?:saya|aku|gue|gw|gua|kami|sy)|ku)(?!\w)"
)


@dataclass(frozen=True, slots=True)
class Affected:
    """Who a health complaint is about when it is not the author, in both languages."""

    en: str  # "son", "children"
    id: str  # "putra", "anak-anak"
    plural: bool  # "are", not "is"


def affected(text: str) -> Affected | None:
    """The family member or friend ``text`` says fell ill or got hurt ("my son had an
    allergic reaction", "anak saya diare"): named before a health cue, in the same
    sentence or an earlier one ("My son's bike came back loose. He cut his chin."), with
    the author not speaking of themselves in between ("my friend recommended it but I got
    sick") nor saying they were affected too ("my son and I"); None otherwise."""
    folded = fold(clean(strip_urls(text)))
    sentences = re.split(r"[.!?;\n]+", folded)
    for sentence in (*sentences, " ".join(sentences)):  # the whole post last
        found = _named_before_cue(sentence)
        if found is not None:
            return found
    return None


def _named_before_cue(text: str) -> Affected | None:
    if _ALSO_ME.search(text):
        return None
    for pattern in (_MY_EN, _MY_ID):
        for found in pattern.finditer(text):
            cue = cue_after(text, "health", found.end())
            if cue is not None and not _FIRST_PERSON.search(text, found.end(), cue):
                return Affected(*_RELATIONS[found.group(1)])
    return None


_ALSO_ME: Final = re.compile(
    r"(?<!\w)(?:and\s+(?:i|me|myself)|(?:i|me)\s+and\s+my|we\s+(?:both|all)|both\s+of\s+us"
    r"|(?:saya|aku|gue|gw)\s+(?:dan|sama|juga)|kami\s+(?:berdua|sekeluarga|semua))(?!\w)"
)


# fmt: off
_CONTACTED: Final = (
    r"complain\w*|report\w*|messag\w*|contact\w*|e-?mail\w*|call\w*|dm'?(?:ed|'d)?|wr[io]te"
    r"|written|reached\s+out|komplain\w*|ngomplain|lapor\w*|melapor\w*"
    r"|ngelapor\w*|chat\w*|nge-?chat|telp|telpon|telepon\w*|nelpon|menelepon|hubungi\w*"
    r"|menghubungi|ngehubungi|kirim\s+pesan|ngadu|mengadu|sampaikan|menyampaikan|keluhkan"
    r"|mengeluhkan"
)
_AGAIN: Final = (
    r"twice|(?:\d+|two|three|four|five|six|several|many|multiple|so\s+many|numerous"
    r"|countless)\s*(?:x|times)|(?:second|third|fourth|fifth|\d+(?:nd|rd|th))\s+time"
    r"|again|(?:\d+|dua|tiga|empat|lima|beberapa)\s*(?:x|kali)|berkali-(?:ber)?kali|berulang-(?:ber)?kali"
    r"|berulang\s+kali|kesekian\s+kali\w*|sekian\s+kali"
)
#: A word between the count and the verb: no punctuation, and no "and"/"when" that starts
#: another clause ("Pesanan salah dua kali dan ketika saya komplain…").
_BETWEEN: Final = (
    r"\s+(?!(?:dan|tapi|terus|lalu|ketika|saat|pas|waktu|and|but|then|when|while)(?!\w))[\w']+"
)
_SAID_AGAIN: Final = re.compile(  # the count and the verb close together
    rf"(?<!\w)(?:(?:{_AGAIN})(?:{_BETWEEN}){{0,5}}?\s+(?:{_CONTACTED})"
    rf"|(?:{_CONTACTED})(?:{_BETWEEN}){{0,5}}?\s+(?:{_AGAIN}))(?!\w)"
)
# fmt: on


def said_again(text: str) -> bool:
    """True when ``text`` says its author has already contacted the business about this
    ("Udah 3x gue komplain", "this is the third time I'm complaining", "sudah
    berkali-kali lapor", "I've complained twice already")."""
    return _SAID_AGAIN.search(fold(clean(strip_urls(text)))) is not None
