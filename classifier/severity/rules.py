"""Keyword / regex severity: transparent, bilingual (English, Indonesian, slang) phrase rules.

Each critical reason has phrase patterns; harmless idioms ("deadly good", "setengah mati",
"to die for") are blanked out before matching, so they never fire. The rules are the
baseline the learned head is measured against and the fallback for backends that give
no sentence embedding.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from classifier.severity.levels import REASONS, Assessment

_STRETCH: Final = re.compile(r"([a-z])\1{2,}")
_REPEAT: Final = re.compile(r"\b(\w+)2\b")  # "muntah2" → "muntah muntah"

#: Idioms that use harm words for emphasis; removed before the critical rules run.
IDIOMS: Final = (
    r"deadly (good|delicious|spicy|tasty)",
    r"\bis deadly\b,? in a good way",
    r"to die for",
    r"dying (for|of|to)",
    r"(die|died|dying) of (boredom|laughter|hunger)",
    r"(killing|killed|kill|murdered|murder) me",
    r"killer (deal|taste|sambal|coffee)",
    r"heart ?attack on a plate",
    r"\bcriminal(ly)?\b",
    r"\bsick of\b",
    r"\bsickening\b",
    r"(wallet|dompet)\w* (is )?(crying|bleeding|dying|nangis|menjerit|sakit)",
    r"setengah mati",
    r"mau mati",
    r"bikin mati",
    r"hampir mati (kelaparan|kelaperan|bosen|bosan)",
    r"mati (gaya|kutu|bosan|bosen|penasaran)",
    r"sakit (hati|kepala liat)",
    r"bikin (jantungan|heart ?attack)",
    r"\bpingsan\b",
    r"nangis",
    r"\bdiabetes\b",
    r"\b(semoga|hope) (ga|gak|nggak|this doesn'?t|it doesn'?t)\b[^.!?]{0,30}",
    r"\bphone died\b|\bhp\w* (gw |saya )?mati\b",
    r"ears? (are|is)? ?(still )?bleeding",
)

#: Critical reasons with their phrase patterns (folded text), most concrete harm first.
CRITICAL: Final[dict[str, tuple[str, ...]]] = {
    "food_poisoning": (
        r"food ?poisoning",
        r"keracunan",
        r"\b(vomit\w*|throw(ing)? up|threw up|puk\w+|diarrh?o?ea\w*|the runs)\b",
        r"\bmuntah\w*|\bmuntaber\b|\bmual\b",
        r"\b(diare|mencret|mules|melilit|buang air terus)\b",
        r"bolak ?balik (ke )?(wc|toilet|kamar mandi)",
        r"\bsakit perut\b|\bperut\w* (gw |saya |aku )?(sakit|melilit|mules|kram|kacau)",
        r"stomach (pain|ache|cramps?|bug)|\bgot sick\b|made (me|us|him|her|them) sick",
        r"\bsick (all night|since)\b|hugging the toilet",
    ),
    "foreign_object": (
        r"\b(glass|plastic|staple|screw|wire|metal|bandage|hair|cockroach|insect|bug|worms?|"
        r"maggots?|larvae?|mou?ld|fly|flies|nail)\b[^.!?]{0,40}\b(in|inside|into)\b",
        r"\b(found|there was|there's|bit into)\b[^.!?]{0,30}\b(glass|plastic|staple|screw|wire|"
        r"metal|bandage|hair|cockroach|insect|worms?|maggots?|larvae?|mou?ld)\b",
        r"\b(serpihan|potongan|pecahan) (kaca|plastik|besi|kawat|karet|kuku)",
        r"\b(kaca|plastik|kawat|staples|paku|karet|rambut|kecoa|lalat|semut|ulat|belatung|"
        r"serangga|kuku|larva|jentik)\b",
        r"\bberjamur\b|\bjamuran\b",
    ),
    "allergy": (
        r"allerg\w*|alergi|epi ?pen|anaphyla\w*",
        r"\bhives\b|\bbentol\w*|\bbiduran\b|\bgatal\w*",
        r"\b(swell\w*|swollen)\b|\bbengkak\w*|\bjontor\b",
        r"(couldn'?t|can'?t|cannot) breathe|throat closed|sesa?k na?pas",
    ),
    "injury": (
        r"\b(burn(s|ed)?|scald\w*|injur\w*|stitches|broke my|broken (arm|leg|wrist)|bleeding|"
        r"x-?ray|electric shock|caught fire|crash(ed)? into|fell (off|on)|slipped)\b",
        r"\b(melepuh|terluka|luka|berdarah|dijahit|terkilir|kesetrum|nyetrum|meledak|"
        r"kebakaran|korslet|terpeleset|kepeleset|jatuh|nabrak|ketabrak|kejepit|kesiram|patah)\b",
        r"\bcut (my|his|her|their|our) (own )?(finger|thumb|hand|lip|mouth|tongue|foot|feet)s? "
        r"(on|open on)\b|\bcut (myself|himself|herself) on\b",
        r"\b(teriris|tergores|kegores|keiris|kesayat)\b",
        r"\brem\w* (blong|ga berfungsi|gak berfungsi|tidak berfungsi)|brakes? failed",
    ),
    "fraud": (
        r"\b(fraud|scam\w*|hack(ed)?|phishing|unauthori[sz]ed|didn'?t make|never made)\b",
        r"(someone|somebody) (used|logged into|got into|hacked) my account",
        r"ada yang (pake|pakai|login ke|masuk ke)\w* akun",
        r"\b(penipu\w*|ditipu|dibobol|dihack|di-hack|diretas|kena tipu)\b",
        r"\bsaldo\w* (gw |saya |aku )?(ilang|hilang|terkuras|ludes|kosong)",
        r"rekening\w* (gw |saya |aku )?(kosong|terkuras)",
        r"\b(minta|diminta|asked (for )?|kasih|ngasih|gave)\b[^.!?]{0,20}\botp\b",
        r"(bukan (gw|saya|aku) yang|ga pernah pesen|tidak pernah pesan)",
    ),
    "money_lost": (
        r"\b(charged|debited|billed|charge|taken)\b[^.!?]{0,25}\b(twice|two times|three times|"
        r"double|2x|3x)\b",
        r"\bdouble[- ]?charg\w*|\bcharge dobel\b",
        r"\b(kepotong|terpotong|ditagih|didebit|debit|dipotong|tagihan\w*)\b[^.!?]{0,25}"
        r"\b(dua kali|2 ?x|3 ?x|tiga kali|dobel|double)\b",
        r"\b(dobel|double)\b[^.!?]{0,15}\b(tagih\w*|potong\w*|charge\w*|debit)\b",
        r"(still|kept) (taking|charging)|(tetep|tetap|masih) (kena )?(autodebet|ditagih|"
        r"kena tagihan)",
        r"(money|uang\w*|duit\w*) (gone|never (returned|came back)|ga balik|tidak kembali|"
        r"ga dibalikin)",
    ),
    "data_leak": (
        r"\b(leak\w*|data breach|exposed|shar(ed|ing)|sold)\b[^.!?]{0,30}\b(data|details|"
        r"address\w*|phone|number|information|info)\b",
        r"\b(data|details|information|info)\b[^.!?]{0,30}\b(leak\w*|exposed|sold)\b",
        r"\b(data|alamat|nomor|no hp|ktp|informasi)\w*[^.!?]{0,30}\b(bocor|kesebar|tersebar|"
        r"disebar\w*|dibagi\w*|dijual)\b",
        r"\b(bocor|nyebarin|menyebarkan|sebarin)\w*[^.!?]{0,30}\b(data|alamat|nomor|no hp|ktp)\b",
        r"(another|other) customer'?s?|someone else'?s|orang lain\b[^.!?]{0,20}(alamat|nama|"
        r"no|nomor)",
        r"(alamat|nomor|no hp|nama)[^.!?]{0,30}(orang lain|pelanggan lain)",
        r"\b(gave|given|handed|passed|sent)\b[^.!?]{0,20}\b(my|our)\b (home )?(address|phone|"
        r"number|details|data|info)\w*[^.!?]{0,25}\bto (someone|a stranger|strangers|another|"
        r"other|random|the wrong)",
    ),
    "legal_threat": (
        r"\b(lawyer|solicitor|attorney|lawsuit|sue|suing|court|police report)\b",
        r"consumer protection|legal action|kuasa hukum",
        r"\b(jalur hukum|ranah hukum|pengacara|somasi|lapor polisi|ylki|bpsk|gugat\w*|"
        r"lapor\w* ke polisi)\b",
    ),
    "going_public": (
        r"\b(viral\w*|the press|newspaper|the news|media)\b",
        r"\b(viralin|viralkan|spill|diviralin)\b",
        r"(post|posting) this everywhere|everyone on tiktok",
    ),
}

HIGH: Final = (
    r"never (arrived|came)|not received|wrong (order|item)|missing|nothing was",
    r"refund\w*[^.!?]{0,40}(still|not|pending|weeks?|days?|belum|ga masuk|ga ada)",
    r"locked out|can'?t log ?in|cannot log ?in|terkunci|ke-?lock|"
    r"(ga|gak|nggak|ngga|enggak|tidak) bisa (login|masuk|log in)",
    r"\b(rude|yell\w*|shout\w*|kasar|judes|bentak\w*|marah\w*|ngusir|mengusir)\b",
    r"(third|fourth|3rd|4th) time|\b(3|4|tiga|empat)x? ?(kali )?komplain|berkali|keempat kalinya",
    r"\braw\b|undercooked|belum matang|masih merah|ga matang|\bbasi\b|\bsour\b|\bbau\b",
    r"(tidak|ga|gak|nggak) (pernah )?sampai|ga nyampe|ga dateng|tidak datang|ilang di jalan",
    r"salah (semua|kirim)|bukan (yang saya|pesenan|pesanan)|pesanan\w* (gw |saya )?kurang",
    r"checkout|ga bisa bayar|can'?t pay",
    r"no (response|reply|answer)|ga ada (balesan|yang nanggepin)|nobody (has )?answered",
)

_COMPILED_IDIOMS: Final = tuple(re.compile(p) for p in IDIOMS)


def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern that matches where any of ``patterns`` does (one scan, not one per
    pattern; the rules use no backreferences or inline flags, so joining is exact)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_ANY_CRITICAL: Final = {r: _any_of(ps) for r, ps in CRITICAL.items()}
_ANY_HIGH: Final = _any_of(HIGH)


def fold(text: str) -> str:
    """Lower-case, accents stripped, stretched letters shortened, "muntah2" doubled."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _STRETCH.sub(r"\1\1", text)
    return _REPEAT.sub(r"\1 \1", text).replace("’", "'")


def strip_idioms(folded: str) -> str:
    """``folded`` with harmless idioms blanked out."""
    for pattern in _COMPILED_IDIOMS:
        folded = pattern.sub(" ", folded)
    return folded


def has_idiom(text: str) -> bool:
    """Whether ``text`` uses a harm word as a harmless idiom ("deadly good", "setengah mati")."""
    folded = fold(text)
    return any(p.search(folded) for p in _COMPILED_IDIOMS)


def critical_reason(text: str) -> str | None:
    """The first critical reason (in :data:`REASONS` order) whose phrases match, else None."""
    return _critical_in(strip_idioms(fold(text)))


def _critical_in(cleaned: str) -> str | None:
    for reason in REASONS:
        if _ANY_CRITICAL[reason].search(cleaned):
            return reason
    return None


def is_high(text: str) -> bool:
    """Whether a high-severity phrase matches."""
    return _ANY_HIGH.search(strip_idioms(fold(text))) is not None


def assess_by_rules(text: str) -> Assessment:
    """Severity from the phrase rules alone (the text folded and cleaned once)."""
    cleaned = strip_idioms(fold(text))
    reason = _critical_in(cleaned)
    if reason is not None:
        return Assessment("critical", reason, "rules", ruled=True)
    high = _ANY_HIGH.search(cleaned) is not None
    return Assessment("high" if high else "normal", None, "rules")
