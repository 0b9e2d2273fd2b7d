"""Details a person already gave: order ids, amounts, dates, times, branches, products.

A draft confirms these instead of asking again, and asks only for what is missing.
The patterns are deliberately conservative: a detail is reported only when it is
unmistakable ("KS-88213", "#12345", "INV/2026/XI/0042", "Rp 45.000", "45rb",
"$12.50", "20 Nov", "jam 3", "kemarin"). Branches and products come from the
business's configured lists, plus "<brand> <Place>" ("Kopi Senja Kemang") when no
branch list is configured. Every detail is returned as the person spelled it (or as
the configured list spells it), never invented.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from responder.text import clean, fold, strip_urls

_MONTHS: Final = (
    r"jan(?:uari|uary)?|feb(?:ruari|ruary)?|mar(?:et|ch)?|apr(?:il)?|mei|may|jun(?:i|e)?"
    r"|jul(?:i|y)?|agu(?:stus)?|agt|aug(?:ust)?|sep(?:t|tember)?|okt(?:ober)?|oct(?:ober)?"
    r"|nov(?:ember)?|des(?:ember)?|dec(?:ember)?"
)
_ORDER_RES: Final = (
    re.compile(r"(?<![\w-])[A-Z]{2,6}-\d{3,}(?:-[A-Z0-9]+)*(?![\w-])"),  # KS-88213
    re.compile(r"(?<![\w/])[A-Z]{2,5}/\d{2,8}(?:/[A-Z0-9]+)+(?![\w/])"),  # INV/2026/XI/0042
    re.compile(r"(?<![\w#])#\d{4,}(?!\w)"),  # #12345
    re.compile(  # a number after the word for it: "order 88213", "no. pesanan: A1234", "my
        # order number is 88213"
        r"(?i)\b(?:order(?:\s+(?:id|no\.?|number))?|pesanan|no\.?\s+pesanan|nomor\s+pesanan"
        r"|id\s+pesanan|invoice|resi|awb|booking|transaksi|trx|kode\s+booking|nota|receipt)"
        r"(?:nya)?(?:\s+(?:saya|aku|gue|gw|gua|sy|kami|is|adalah)){0,2}"  # "order saya 99812"
        r"\s*(?:no\.?|nomor|#|:)?\s*[:#]?\s*([A-Z0-9][A-Z0-9-]{2,}[A-Z0-9])\b"
    ),
)
_AMOUNT_RES: Final = (
    re.compile(r"(?i)(?<!\w)(?:Rp\.?|IDR)\s?\d+(?:[.,]\d+)*(?:\s?(?:rb|ribu|k|jt|juta))?(?!\w)"),
    re.compile(r"(?i)(?<![\w.,])\d+(?:[.,]\d+)?\s?(?:rb|ribu|jt|juta)(?!\w)"),
    re.compile(r"(?<!\w)(?:US)?[$€£]\s?\d+(?:[.,]\d+)*(?!\w)"),
    re.compile(r"(?i)(?<![\w.,])\d+(?:[.,]\d+)?\s?(?:usd|eur|sgd|dollars?)(?!\w)"),
)
_DATE_RES: Final = (
    re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})(?![\d/])"),
    re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)"),
    # "3 Mar. 2026", but "on 3 March." ends a sentence: that full stop is not the date's
    re.compile(rf"(?i)(?<!\w)\d{{1,2}}\s+(?:{_MONTHS})(?:\.(?=\s+\d{{4}}))?(?:\s+\d{{4}})?(?!\w)"),
    re.compile(rf"(?i)(?<!\w)(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?(?!\w)"),
    re.compile(
        r"(?i)(?<!\w)(?:(?:hari\s+)?(?:senin|selasa|rabu|kamis|jum'?at|sabtu)|hari\s+minggu"
        r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?!\w)"
    ),
    re.compile(r"(?<![\w\d])Minggu(?!\w)"),  # capitalised: the day, not "a week"
)
_FEW: Final = (
    r"\d+|a|an|one|two|three|four|five|six|seven|a\s+few|few|couple\s+of|a\s+couple\s+of"
    r"|se|satu|dua|tiga|empat|lima|enam|tujuh|beberapa"
)
_RELATIVE_WHEN_RE: Final = re.compile(  # when it happened, said relative to now
    r"\b(?:kemarin|kemaren|kmrn|kmarin|kmren|tadi|td\s+(?:pagi|siang|sore|malam|malem)"
    r"|barusan|semalam|semalem|hari\s+ini|pagi\s+ini|minggu\s+lalu|bulan\s+lalu|yesterday"
    r"|today|tonight|just\s+now|this\s+(?:morning|afternoon|evening)"
    r"|last\s+(?:night|week|month|weekend)"
    rf"|(?:{_FEW})\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\s+ago"  # 5 days ago
    rf"|(?:{_FEW})\s*(?:menit|jam|hari|minggu|bulan)\s+(?:yang\s+|yg\s+)?(?:lalu|kemarin)"
    r"|(?:seminggu|sebulan|sejam)\s+(?:yang\s+|yg\s+)?lalu)\b"
)
_TIME_RES: Final = (
    re.compile(
        r"(?i)(?<!\w)(?<!\d )(?:jam|pukul|pkl\.?)\s?\d{1,2}(?:[.:]\d{2})?"
        r"(?:\s?(?:pagi|siang|sore|malam|malem|wib|wita|wit))?(?!\w)"
    ),
    re.compile(r"(?i)(?<![\w:.])\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)"),
    re.compile(r"(?<![\w:.])\d{1,2}:\d{2}(?![\w:])"),
)
_DEVICE_RE: Final = re.compile(
    r"\b(?:android|iphone|ios|ipad|samsung|xiaomi|redmi|oppo|vivo|realme|huawei|infinix"
    r"|pixel|poco|versi\s+\d|version\s+\d)\b"
)
_ERROR_RE: Final = re.compile(  # an app error or crash: what a screenshot of it would show
    r"\b(?:error\w*|eror\w*|crash\w*|force\s*close\w*|keluar\s+sendiri|ke-?close"
    r"|gagal|failed|fails?|bug|hang|nge-?hang|stuck|freez\w*|frozen|not\s+responding"
    r"|blank|layar\s+(?:putih|hitam)|white\s+screen|muncul\s+(?:pesan|tulisan|notif\w*)"
    r"|pesan\s+kesalahan|error\s+message|something\s+went\s+wrong|terjadi\s+kesalahan"
    # a voucher the app refuses shows why: "gak bisa dipake", "katanya expired"
    r"|(?:gak|ga|nggak|tidak|gk|tdk)\s+bisa\s+(?:dipake|dipakai|digunakan|diklaim|diredeem)"
    r"|(?:can'?t|cannot|won'?t)\s+(?:be\s+)?(?:use|used|apply|applied|redeem\w*)"
    r"|invalid|tidak\s+valid|expired|kadaluarsa|kedaluwarsa)\b"
)
_PROOF_RE: Final = re.compile(
    r"\b(?:screenshot|screenshoot|ss|tangkapan\s+layar|bukti|foto|photo|pic|attached"
    r"|terlampir)\b"
)
_PLACE_WORD: Final = r"[A-Z][\w'’-]*[^\W\d_]"
_NOT_A_PLACE: Final = frozenset(
    {
        "app", "apps", "aplikasi", "team", "tim", "official", "coffee", "kopi", "cafe", "café",
        "admin", "cs", "indonesia", "the", "and", "dan", "yang", "is", "has", "was", "please",
        "tolong", "min", "ini", "itu", "emang", "sih", "tuh", "literan", "tumbler", "cabang",
        "outlet", "gerai", "branch", "store",
    }
)  # fmt: skip
#: Words that end a place name: "CABANG TEBET PARAH" is the Tebet branch, "outlet Blok M
#: jelek" the Blok M one (a shouted post capitalises every word, so case cannot tell).
_NOT_A_NAME: Final = _NOT_A_PLACE | frozenset(
    {
        "parah", "banget", "bgt", "bngt", "jelek", "kotor", "lama", "lambat", "lemot", "mahal",
        "panas", "rusak", "tutup", "buka", "sepi", "rame", "ramai", "enak", "mantap", "mantul",
        "keren", "bagus", "buruk", "payah", "kecewa", "lagi", "dong", "deh", "kok", "yg", "ga",
        "gak", "nggak", "tidak", "gk", "tdk", "udah", "sudah", "masih", "sangat", "terlalu",
        "selalu", "juga", "jg", "aja", "doang", "kemarin", "tadi", "sekarang", "hari", "today",
        "yesterday", "i", "we", "you", "it", "my", "our", "so", "very", "really", "too", "not",
        "never", "always", "sucks", "again", "staff", "service", "pelayanan", "kasir",
        "barista", "ac", "wifi", "toilet", "antri", "antrian", "worst", "best",
    }
)  # fmt: skip
#: Words that start a new sentence right after an unpunctuated brand name ("Kopi Senja
#: Amazing coffee", "Kopi Senja Thanks for…"): never a branch the brand is named with.
_NOT_A_BRANCH: Final = _NOT_A_NAME | frozenset(
    {
        "amazing", "great", "awesome", "good", "bad", "nice", "terrible", "horrible", "awful",
        "excellent", "perfect", "fantastic", "wonderful", "lovely", "delicious", "yummy",
        "tasty", "friendly", "rude", "slow", "fast", "cold", "hot", "fresh", "dirty", "clean",
        "expensive", "cheap", "closed", "open", "love", "loved", "thanks", "thank", "thx",
        "ty", "disappointed", "disappointing", "why", "what", "how", "when", "where", "who",
        "this", "that", "these", "those", "your", "their", "a", "an", "but", "or", "for",
        "finally", "just", "still", "super", "wow", "omg", "ugh", "lol", "hi", "hey", "hello",
        "halo", "hai", "makasih", "terima", "mohon", "kenapa", "kapan", "gimana", "apa",
        "baru", "favorit", "terbaik", "terburuk", "selamat", "semoga", "kalian", "saya",
        "aku", "gue", "gw", "kami", "kita", "are", "were", "does", "did", "can", "could",
        "should", "would", "will", "pls", "plz", "no", "yes", "ok", "okay", "lebih",
    }
)  # fmt: skip
_STREET_RE: Final = re.compile(
    r"\bJ(?:l|ln|alan)\.?\s+(?:[A-Z][\w.'’-]*)(?:\s+(?:[A-Z0-9][\w.'’-]*)){0,3}"
)
_BRANCH_WORD_RE: Final = re.compile(  # "cabang Kelapa Gading", "outlet Blok M"
    rf"(?i:\b(?:cabang|outlet|gerai|branch|store))\s+({_PLACE_WORD})"
    rf"(?:\s+({_PLACE_WORD}|[A-Z](?![\w'’-])))?"
)


@dataclass(frozen=True, slots=True)
class Details:
    """What the person already said, as they wrote it (deduplicated, in order of appearance)."""

    order_ids: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()  # explicit dates and weekdays ("20 Nov", "Sabtu")
    times: tuple[str, ...] = ()  # clock times ("jam 3", "14:30", "2pm")
    branches: tuple[str, ...] = ()  # configured branch names or "<brand> <Place>" / "Jl. …"
    products: tuple[str, ...] = ()  # configured product names, longest match first
    said_when: bool = False  # any date, time or "yesterday"/"kemarin"/"tadi"
    device: bool = False  # named a phone or app version
    error: bool = False  # described an app error or crash ("error", "force close", "gagal")
    proof: bool = False  # said they have or attached a screenshot or photo

    @property
    def any(self) -> bool:
        """True when there is at least one detail worth confirming back."""
        return bool(self.order_ids or self.amounts or self.dates or self.times or self.branches)


@dataclass(frozen=True, slots=True)
class DetailLists:
    """What the business configured: branch and product names, and words naming the brand."""

    branches: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    brand_terms: tuple[str, ...] = ()


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for item in items:
        key = " ".join(item.casefold().split())
        seen.setdefault(key, " ".join(item.split()))
    return tuple(seen.values())


@functools.lru_cache(maxsize=4096)
def _phrase_re(phrase: str) -> re.Pattern[str]:
    """A configured name as a whole phrase, any case, spaces flexible, "-nya" allowed
    (compiled once per name: every draft looks for the same configured names)."""
    words = [re.escape(w) for w in fold(phrase).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?:nya)?(?!\w)")


def _listed(text: str, names: Sequence[str]) -> list[tuple[int, str]]:
    """Configured names found in ``text`` (folded), longest first, no overlapping matches."""
    folded = fold(text)
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    for name in sorted(names, key=len, reverse=True):
        for match in _phrase_re(name).finditer(folded):
            span = match.span()
            if not any(span[0] < end and start < span[1] for start, end in taken):
                taken.append(span)
                found.append((span[0], name))
    return sorted(found)


def _brand_places(text: str, brand_terms: Sequence[str]) -> list[str]:
    """The capitalised word right after a brand name: "Kopi Senja Kemang" → "Kemang"."""
    places = []
    for term in sorted({t.lstrip("#@") for t in brand_terms if t.strip("#@ ")}, key=len)[::-1]:
        for match in _brand_place_re(term).finditer(text):
            word = match.group(1)
            if _a_name(word) and _a_branch(word):
                places.append(word)
    return places


@functools.lru_cache(maxsize=1024)
def _brand_place_re(term: str) -> re.Pattern[str]:
    """A brand term followed by a capitalised place word (compiled once per term)."""
    words = r"\s+".join(re.escape(w) for w in term.split())
    return re.compile(rf"(?i:(?<![\w@#]){words})\s+({_PLACE_WORD})")


def _branches(text: str, lists: DetailLists) -> list[str]:
    if lists.branches:
        return [name for _, name in _listed(text, lists.branches)]
    named = [_place_name(m) for m in _BRANCH_WORD_RE.finditer(text)]
    named = [n for n in named if _a_name(n)]
    streets = [m.group(0) for m in _STREET_RE.finditer(text)]
    found = [*_brand_places(text, lists.brand_terms), *named, *streets]
    return [_unshout(place) for place in found] if _shouted(text) else found


def _place_name(match: re.Match[str]) -> str:
    """The place a "cabang …" match names: its second word only when that is no common
    word ("CABANG TEBET PARAH" → "TEBET", "cabang Kelapa Gading" → "Kelapa Gading")."""
    first, second = match.group(1), match.group(2)
    return f"{first} {second}" if second and _a_name(second) else first


def _a_name(word: str) -> bool:
    """False for a common word ("PARAH", "KOPINYA"): a place name never ends in "-nya"."""
    folded = word.casefold()
    return folded not in _NOT_A_NAME and not folded.endswith("nya")


def _a_branch(word: str) -> bool:
    """False for a word that starts a new sentence after the brand rather than naming its
    branch: a common word, or an adverb ("Kopi Senja Honestly the best")."""
    folded = word.casefold()
    return folded not in _NOT_A_BRANCH and not (folded.endswith("ly") and len(folded) > 4)


def _shouted(text: str) -> bool:
    """True for a post written in capitals ("KOPI SENJA KEMANG AC NYA MATI!!!")."""
    if text.isascii():  # an ASCII capital is a letter: count both in C, no list
        count, upper = sum(map(str.isalpha, text)), sum(map(str.isupper, text))
        return count >= 8 and upper >= 0.8 * count
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 8 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


def _unshout(place: str) -> str:
    """ "KEMANG" → "Kemang", "JL. SABANG" → "Jl. Sabang": a shouted place, title-cased."""
    return " ".join(w.capitalize() if w.isupper() else w for w in place.split(" "))


def _matches(patterns: Sequence[re.Pattern[str]], text: str) -> list[str]:
    found: list[tuple[int, str]] = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            value = match.group(match.lastindex or 0) if pattern.groups else match.group(0)
            start = match.start(match.lastindex or 0)
            if not any(s <= start < s + len(v) for s, v in found):
                found.append((start, value.strip()))
    return [value for _, value in sorted(found)]


def _order_ids(text: str) -> list[str]:
    found = _matches(_ORDER_RES, text)
    return [v for v in found if sum(ch.isdigit() for ch in v) >= 3]


def extract_details(texts: Sequence[str], lists: DetailLists | None = None) -> Details:
    """The details in ``texts`` (a person's posts), merged and deduplicated."""
    lists = lists or DetailLists()
    orders: list[str] = []
    amounts: list[str] = []
    dates: list[str] = []
    times: list[str] = []
    branches: list[str] = []
    products: list[str] = []
    said_when = device = error = proof = False
    for raw in texts:
        text = clean(strip_urls(raw))
        folded = fold(text)
        orders += _order_ids(text)
        amounts += _matches(_AMOUNT_RES, text)
        dates += _matches(_DATE_RES, text)
        times += _matches(_TIME_RES, text)
        branches += _branches(text, lists)
        products += [name for _, name in _listed(text, lists.products)]
        said_when |= bool(_RELATIVE_WHEN_RE.search(folded))
        device |= bool(_DEVICE_RE.search(folded))
        error |= bool(_ERROR_RE.search(folded))
        proof |= bool(_PROOF_RE.search(folded))
    return Details(
        order_ids=_unique(orders),
        amounts=_unique(amounts),
        dates=_unique(dates),
        times=_unique(times),
        branches=_unique(branches),
        products=_unique(products),
        said_when=said_when or bool(dates or times),
        device=device,
        error=error,
        proof=proof,
    )


def products_in(text: str, lists: DetailLists) -> tuple[str, ...]:
    """Configured products named in ``text``, in order of appearance."""
    return _unique(name for _, name in _listed(text, lists.products))
