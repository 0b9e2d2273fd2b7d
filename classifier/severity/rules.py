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

from classifier.severity.levels import RULE_REASONS, Assessment

#: What a person smelt, wore, took or ate, that a headache can follow.
_TAKEN: Final = (
    r"wangi\w*|bau\w*|aroma\w*|scent\w*|smell\w*|fragrance|perfume|parfum\w*|cologne|"
    r"body ?mist|semprot\w*|spray\w*|wore|wearing|applied|pake|pakai|memakai|cium\w*|hirup\w*|"
    r"minum\w*|drank|drinking|ate|eating|makan\w*|obat\w*|medicine|pills?|suntik\w*|"
    r"inject\w*|treatment|perawatan"
)
_UNWELL: Final = r"\b(nause\w*|dizz\w*|light-?headed|kliyengan|puyeng|demam|meriang|fever\w*)\b"
_ACHE: Final = r"\b(pusing|sakit kepala|migra(i|e)ne?|headaches?)\b"

#: Body parts, for mild injuries: "lutut gw lecet", "memar di tangan".
_BODY: Final = (
    r"lutut|tangan|kaki|dagu|siku|muka|wajah|jari|kepala|pelipis|bibir|dahi|jidat|punggung|"
    r"pinggang|pinggul|bahu|lengan|paha|betis|pergelangan|kulit|badan"
)

#: Money that left a balance or an account.
_DEDUCTED: Final = (
    r"\b(saldo|uang|duit|dana|balance|money|funds)\w*[^.!?]{0,20}\b(kepotong|terpotong|dipotong|"
    r"ke-?debit|terdebit|berkurang|deducted|debited|taken)\b"
)

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
    r"\brash (decision|move|choice|promise)",
)

#: Scenes where a foreign-object word names no contaminated product: a hair on a hotel
#: pillow or a cockroach in the room (hygiene: ``high``), a mirror's glass, a brake's
#: rubber, a nail in a tyre. Blanked before the critical rules only.
NOT_IN_PRODUCT: Final = (
    r"\b(rambut|kecoa|semut|serangga|hair|cockroach\w*|ants?|insects?|(?<!bed )bugs?)\b[^.!?]{0,25}"
    r"\b(di|in|on|inside)\b (the |our |my |kamar |the hotel )?(bantal|handuk|kasur|sprei|seprai|"
    r"selimut|kamar|lantai|wastafel|toilet|pillow\w*|towel\w*|bed|beds|sheets?|room|floor|"
    r"bath ?room|kamar mandi|sink|shower|lobby|lift|elevator|corridor|lorong)\b",
    r"\bkaca (spion|helm|mata|film|depan|belakang|jendela)|\bspion\b",
    r"\bkaret (rem|ban|seal|grip|handle|pedal|sadel)",
    r"\b(kena|nginjek|injek|keinjek|ketusuk) paku|\bpaku (payung|keling)",
    r"\b(kemasan|bungkus|segel|kantong|kantung|packaging|bubble wrap|wrap)\w* plastik|"
    r"\bplastik (segel|wrap|bubble|kemasan|pembungkus)",
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
        # feeling faint or feverish counts after something ("a fever" is also why one sees
        # a doctor, "badan meriang" what the weather does)
        rf"\b(after|abis|habis|setelah|sesudah|since)\b[^.!?]{{0,60}}{_UNWELL}|{_UNWELL}[^.!?]{{0,60}}"
        r"\b(after|abis|habis|setelah|sesudah)\b",
        rf"\b(made|makes|make|left|bikin|jadi|langsung)\b( \w+)?( feel(ing)?)? ?{_UNWELL}",
        # a headache or "pusing" only beside what was smelt, worn, taken or eaten: "harganya
        # bikin pusing" and "this app gives me a headache" are figures of speech
        rf"\b({_TAKEN})\b[^.!?]{{0,50}}{_ACHE}|{_ACHE}[^.!?]{{0,40}}\b({_TAKEN})\b",
    ),
    "foreign_object": (
        r"\b(glass|plastic|staple|screw|wire|metal|bandage|hair|cockroach|insect|(?<!bed )bug|"
        r"worms?|maggots?|larvae?|mou?ld|fly|flies|nail)\b[^.!?]{0,40}\b(in|inside|into)\b",
        r"\b(found|there was|there's|bit into)\b[^.!?]{0,30}\b(glass|plastic|staple|screw|wire|"
        r"metal|bandage|hair|cockroach|insect|worms?|maggots?|larvae?|mou?ld)\b",
        r"\b(serpihan|potongan|pecahan) (kaca|plastik|besi|kawat|karet|kuku)",
        r"\b(kaca|plastik|kawat|staples|paku|karet|rambut|kecoa|lalat|semut|ulat|belatung|"
        r"serangga|kuku|larva|jentik)\b",
        r"\bberjamur\b|\bjamuran\b",
    ),
    "allergy": (
        r"allerg\w*|alergi|epi ?pen|anaphyla\w*",
        r"\bhives\b|\bbentol\w*|\bbiduran\b|\bgatal\w*|\bitch(y|ing|iness)?\b|"
        r"(?<!road )\brash(es)?\b|\bruam\b|\biritasi\b|"
        r"\birritat(ed|ion)\b",
        r"\b(skin|kulit|muka|wajah|face|bibir|lips?|scalp)\w*[^.!?]{0,25}\b(red|"
        r"merah|peel\w*|mengelupas|ngelupas|perih|sting\w*|burn\w*|breakout|bruntusan)\b",
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
        r"\b(scraped|grazed|bruised|sprained|twisted|hurt) (my|his|her|their|our)\b|\bbruises\b|"
        r"\bblister\w*|\bconcussion\b|\bnyungsep\b|\bnyusruk\b|\bkeseleo\b|\broad rash\b",
        rf"\b({_BODY})\w*( \w+){{0,3}} (lecet|memar|benjol|robek|sobek|biru biru|lebam)\b|"
        rf"\b(lecet|memar|benjol|lebam)\w* (di )?({_BODY})",
        r"\b(brakes?|rem)\w* (barely|didn'?t|did not|don'?t|wouldn'?t|ga|gak|nggak|tidak) "
        r"(work|stop|grab|pakem|makan|nge-?rem)",
        r"\b(handlebars?|stang|stem|pedal|seat ?post|sadel|saddle|crank)\w*[^.!?]{0,25}\b(came "
        r"(loose|off)|fell off|snapped|lepas|copot|patah|retak|cracked)\b",
        r"\b(wheel|roda)\w* (came off|fell off|lepas|copot)\b[^.!?]{0,10}\b(while|pas|saat|lagi|"
        r"di) (riding|cycling|driving|gowes|jalan|dipake|dipakai|turunan)",
        r"\b(battery|baterai|batre|charger|aki)\w*[^.!?]{0,30}\b(smok\w*|overheat\w*|melt\w*|"
        r"berasap|ngebul|kebakar\w*|terbakar|meleleh|ngembung|swell\w*)",
    ),
    "health": (
        r"\b(infeksi|infection|infected|bernanah|nanah)\b",
        r"\bbed ?bugs?\b|\bkutu (kasur|busuk)\b|\btungau\b|\bbites? all over\b|"
        r"\bdigigit\w* (kutu|serangga|tungau)",
        r"\b(wrong|salah) (dosage|dose|medicine|medication|prescription|obat|dosis|resep)|"
        r"\b(resep|obat|dosis)\w* (salah|keliru)",
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
        r"\btransaksi\w*[^.!?]{0,30}\byang bukan (gw|saya|aku)\b",
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
        r"\b(money|funds|balance)\b[^.!?]{0,12}\b(vanished|disappeared|went missing)",
        rf"\b(gagal|failed|failure)\b[^.!?]{{0,50}}{_DEDUCTED}|{_DEDUCTED}[^.!?]{{0,50}}"
        r"\b(gagal|failed)\b",
        r"\btop ?up\b[^.!?]{0,60}\b(saldo|balance)\w*[^.!?]{0,20}\b(ga|gak|nggak|tidak|belum|"
        r"didn'?t|not|never)\w* (nambah|masuk|bertambah|update\w*|show\w*|arrive\w*|credited)",
        r"\bcancel\w*[^.!?]{0,80}\b(still|then|anyway)\b[^.!?]{0,10}\b(charged|billed|debited)|"
        r"\b(charged|billed|debited)\b[^.!?]{0,30}\bafter (i |we )?(had )?cancel\w*",
        r"\b(batal|cancel|dibatalin|dibatalkan)\w*[^.!?]{0,60}\b(tetep|tetap|masih) (kena )?"
        r"(kepotong|terpotong|dipotong|ditagih|didebit|kena charge)",
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
        r"(alamat|nomor|no hp|nama|hasil lab|rekam medis|hasil tes)[^.!?]{0,30}(orang lain|"
        r"orang asing|pelanggan lain|pasien lain|"
        r"tamu lain)",
        r"\b(another|other) (patient|guest|user|member)s?'s\b",
        r"\b(gave|given|handed|passed|sent|emailed|e-mailed|forwarded|mailed)\b[^.!?]{0,20}"
        r"\b(my|our)\b[^.!?]{0,15}\b(results?|records?|reports?|prescriptions?|passport|ktp|"
        r"id card)\b[^.!?]{0,25}\bto (someone|a stranger|strangers|another|other|random|the wrong)",
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
    r"(can'?t|cannot|couldn'?t|unable to|ga|gak|nggak|tidak|gagal) (bisa )?(checkout|check out|"
    r"bayar|pay)\b|(can'?t|cannot|couldn'?t|unable to) (\w+ )?(checkout|check out)\b",
    r"\bcheckout\w*[^.!?]{0,40}\b(fail\w*|error\w*|broken|gagal|declin\w*|ga bisa|gak bisa|"
    r"can'?t|keluar sendiri|freez\w*|crash\w*|stuck)",
    r"\b(error\w*|ngelag|lag\w*|nge-?freeze|freez\w*|crash\w*|stuck)\b[^.!?]{0,15}\b(pas |saat |"
    r"at |during |on )?(the )?checkout",
    r"\b(transfer|withdraw\w*|penarikan|tarik saldo|pencairan|payout)\w*[^.!?]{0,40}\b(pending|"
    r"stuck|nyangkut|belum masuk|hasn'?t arrived|never arrived)",
    r"\b(booking|reservation|reservasi)\w*[^.!?]{0,30}\b(given away|cancell?ed|lost|not found|"
    r"ga ada|gak ada|tidak ada|hilang|dibatalin|dibatalkan)",
    r"\b(rambut|kecoa|semut|hair|cockroach\w*|bed ?bugs?)\b[^.!?]{0,25}\b(di|in|on)\b (the |our |"
    r"my )?(bantal|handuk|kasur|sprei|seprai|kamar|pillow\w*|towel\w*|bed|sheets?|room|"
    r"bath ?room|kamar mandi)",
    r"\bsegel\w*( \w+)? (udah |sudah )?(kebuka|terbuka|rusak|sobek)|"
    r"\bseal\w* (was |is )?(already )?(broken|opened|torn)",
    r"no (response|reply|answer)|ga ada (balesan|yang nanggepin)|nobody (has )?answered",
)

_COMPILED_IDIOMS: Final = tuple(re.compile(p) for p in IDIOMS)
_NOT_IN_PRODUCT: Final = re.compile("|".join(f"(?:{p})" for p in NOT_IN_PRODUCT))

#: Food and drink named in a post: illness after them is food poisoning, whatever else
#: the post names ("dokter bilang dari makanan yang kami beli di sini").
_FOOD: Final = re.compile(
    r"\b(food ?poisoning|keracunan makan\w*|makan\w*|food|ate|eat\w*|meals?|breakfast|brunch|"
    r"lunch|dinner|buffet|sarapan|menu|snacks?|dessert|drinks?|drank|ngopi|kopi|coffee|latte|tea|"
    r"teh|susu|milk|juice|jus|cake|kue|roti|bread|toast|croissant|nasi|rice|ayam|chicken|udang|"
    r"seafood|oysters?|sushi|salad|burger|pizza|sandwich|wrap|sambal|sambel|bakso|mie|noodles?|"
    r"soup|sup|kuah|es krim|ice cream|cheesecake|smoothie|boba|yog(h)?urt|nuggets?|martabak|"
    r"katering|catering|resto|restoran|restaurant|warung|cafe|kafe)(nya|mu)?\b"
)
#: A medicine, treatment or non-food product: illness after it is a health problem.
_NOT_FOOD: Final = re.compile(
    r"\b(obat\w*|resep|dokter|doctor|klinik|clinic|dosage|dosis|prescri\w*|medicine|antibioti\w*|"
    r"medication|pills?|tablet|suntik\w*|inject\w*|vaksin\w*|vaccin\w*|treatment|perawatan|"
    r"laser|filler|botox|facial|parfum\w*|perfume|fragrance|scent|cologne|body ?mist|"
    r"deodoran\w*|serum|toner|cream|krim|lotion|moisturi[sz]er|skincare|make ?up|lipstick|"
    r"sunscreen|sabun|soap|shampoo|sampo|diffuser|pembersih|detergen\w*|semprot\w*|spray\w*|"
    r"wangi\w*|aroma\w*)\b"
)


def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern that matches where any of ``patterns`` does (one scan, not one per
    pattern; the rules use no backreferences or inline flags, so joining is exact)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_ANY_CRITICAL: Final = {r: _any_of(ps) for r, ps in CRITICAL.items()}
_ANY_HIGH: Final = _any_of(HIGH)


def fold(text: str) -> str:
    """Lower-case, accents stripped, stretched letters shortened, "muntah2" doubled."""
    text = unicodedata.normalize("NFKD", text.lower())
    if not text.isascii():  # most posts are ASCII: no combining marks to drop
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
    """The first critical reason (in :data:`RULE_REASONS` order) whose phrases match, else
    None."""
    return _critical_in(strip_idioms(fold(text)))


def _critical_in(cleaned: str) -> str | None:
    """The first reason that matches, with a foreign-object word outside any product ("a
    hair on the pillow") ignored, and illness after a non-food product or treatment only
    (a perfume's headache, a wrong prescription) called ``health``, not food poisoning."""
    product = _NOT_IN_PRODUCT.sub(" ", cleaned)
    for reason in RULE_REASONS:
        if _ANY_CRITICAL[reason].search(product):
            if reason == "food_poisoning" and _NOT_FOOD.search(product):
                return "food_poisoning" if _FOOD.search(product) else "health"
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
