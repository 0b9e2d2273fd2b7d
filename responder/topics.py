"""What a complaint is about, and what staff still need to know to fix it.

The topic names the problem in the draft's own words ("sorry about the wait",
"maaf atas kendala pembayarannya"), so the apology owns something specific without
paraphrasing the person. Each topic needs a few details to act on (an order number
for a payment problem, the branch and time for a visit); the draft asks only for
those the person has not given already.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

from responder.details import Details
from responder.text import clean, fold, strip_urls

# fmt: off
#: What a person leaves with a business and may not get back (a laundry, a workshop, an
#: airline): "kemeja kantor aku ilang", "they lost my saddle bag".
_THINGS: Final = (
    r"baju|kemeja|kaos|kaus|celana|jaket|rok|gaun|sepatu|sandal|barang|tas|kunci|helm"
    r"|paket|bagasi|koper|dompet|sprei|seprai|selimut|pakaian|cucian|jilbab|hijab|handuk"
    r"|bags?|saddle\s*bags?|luggage|suitcases?|parcels?|packages?|keys?|items?|paperwork"
    r"|documents?|clothes|shirts?|jackets?|coats?|wallet|helmet|receipt|shoes?"
)
#: Topic → (cue pattern, weight). Matched against folded text; the heaviest topic wins,
#: ties go to the topic listed first (the more serious one).
_TOPIC_CUES: Final[Mapping[str, tuple[tuple[str, float], ...]]] = {
    "health": (
        (r"sakit\s+perut|diare|keracunan|muntah|mual|mules|alergi|gatal|ugd"
         r"|rumah\s+sakit|food\s+poisoning|poison\w*|vomit\w*|diarrh\w*|allerg\w*|stomach"
         r"|swell\w*|swollen|hospital|sick|nause\w*|dizz\w*|rash", 2.0),
        # a headache from what was smelt, worn or taken; "harganya bikin pusing" and "this
        # app gives me a headache" are figures of speech, not a health complaint
        (r"(?:wangi|bau|aroma|parfum|perfume|scent|smell|fragrance|fumes|semprot|spray|obat"
         r"|medicine|pills?|cium|hirup|wearing|wore)\w*[^.!?]{0,40}(?:pusing|headache|migraine)"
         r"|kepala\w*\s+(?:\w+\s+)?pusing|(?:pusing|headache)[^.!?]{0,30}(?:mual|muntah|nause)",
         2.0),
        # hurt, not ill: a bike that threw them, a burn at a salon, a cut
        (r"injur\w*|hurt\s+(?:my|his|her|their)|grazed?|bruis\w*|sprain\w*|concussion"
         r"|(?:cut|broke|split)\s+(?:my|his|her|their)\s+(?:chin|lip|head|arm|leg|hand|knee"
         r"|wrist|finger|face)|(?:\d+|needed|got|had)\s+stitches|\bgp\b"
         r"|(?:to|saw|see|seeing)\s+(?:a|the|my)\s+doctor|a\s*&\s*e|ke\s+dokter|luka|terluka"
         r"|cedera|memar|keseleo|terkilir|jatuh\s+dari"
         r"|(?:lutut|kaki|tangan|kepala|dahi|bibir|siku|jari|muka|wajah)\w*\s+(?:\w+\s+)?"
         r"(?:robek|sobek|berdarah|bengkak|lecet)", 2.0),
    ),
    # something in the food (a hair, plastic): sorry for what they found, no "we hope
    # you're feeling better" unless they also say they were ill (then health wins)
    "foreign_object": (
        (r"serpihan|kecoa|belatung|rambut\s+di|plastik\s+di|beling|hair\s+in|glass\s+in"
         r"|cockroach|bug\s+in|insect|(?:plastic|metal|wire|stone)\s+in"
         r"|(?:piece|bit|shard|chunk)s?\s+of\s+(?:\w+\s+)?(?:plastic|glass|metal|wire)", 2.0),
    ),
    "payment": (
        (r"double\s+charge\w*|charged\s+(?:(?:me|my|our|the)\s+(?:\w+\s+)?)?twice"
         r"|quoted\s+\S+\s+(?:\w+\s+)?charged|charged\s+(?:me\s+)?(?:more|extra)"
         r"|kepotong|terpotong|ke\s*debit|debited|refund\w*"
         # not "top up saldo", and not a balance of points ("saldo poin", "saldo koin"):
         # that is rewards, no money lost
         r"|(?<!top\sup\s)(?<!topup\s)(?<!isi\s)saldo(?!\w*\s+(?:poin|point|koin|coin"
         r"|member|reward|loyalty|stamp|bintang))|tagihan|overcharg\w*"
         r"|uang\s+(?:saya|aku|gw)\s+hilang", 1.5),
        (r"gopay|ovo|shopeepay|payment|pembayaran|bayar|paid", 0.5),
    ),
    "payment_method": (
        (r"qris|cash|tunai|cashless|e-?wallet|kartu\s+kredit|credit\s+card|debit\s+card"
         r"|eftpos|card\s+(?:machine|reader|terminal)|mesin\s+(?:edc|kartu)", 1.5),
    ),
    "order": (
        (r"salah\s+pesan\w*|pesanan\s+(?:saya\s+|aku\s+|gw\s+)?salah|wrong\s+order"
         r"|missing\s+item|kurang\s+satu|gak\s+lengkap|tidak\s+lengkap|ketuker|ketukar"
         r"|(?:tidak|gak|ga|nggak|gk)\s+sesuai\s+(?:dengan\s+|sama\s+|ama\s+)?(?:pesanan|orderan)"
         r"|not\s+what\s+i\s+ordered", 2.0),
    ),
    "delivery": (
        (r"delivery|dikirim|pengiriman|kurir|driver|ojol|gofood|grabfood|shopeefood"
         r"|delivered|courier", 1.0),
    ),
    "damaged": (
        (r"rusak|bocor|pecah|retak|penyok|broken|leak\w*|crack\w*|tumpah|spilled|dented", 1.0),
        # what a laundry, a tailor or a workshop hands back spoiled
        (r"robek|sobek|luntur|menyusut|kelunturan|berlubang|bolong|kena\s+noda"
         r"|ada\s+noda|jadi\s+(?:kuning|pink|belang)|lecet|baret|torn|ripped|shrunk"
         r"|scratch(?:ed|es)?|stain(?:s|ed)?|faded", 1.0),
    ),
    "app": (
        (r"login|log\s+in|logging|otp|checkout|crash\w*|error|force\s+close|lemot|loading"
         r"|reload\w*|keeps?\s+log\w*|bug|hang|nge-?lag|lag", 1.0),
        (r"\bapps?\b|aplikasi|apk", 0.5),
    ),
    # work handed back not done right (a workshop, a phone repair, a tailor): "gears still
    # skipping", "brakes spongy again", "masih bunyi"; after app, so an app review's
    # "masih ngadat" stays the app
    "repair": (
        (r"still\s+(?:skipping|clicking|creaking|squeaking|rubbing|slipping|leaking|wobbl\w*"
         r"|making\s+(?:the\s+|a\s+)?(?:same\s+)?(?:noise|sound))"
         r"|(?:creak|squeak|rattl)(?:s|ing|y)|spongy|same\s+(?:noise|sound)"
         r"|(?:not|never|wasn'?t|weren'?t)\s+(?:properly\s+)?(?:repaired|tightened|adjusted)"
         r"|masih\s+(?:bunyi|berisik|bermasalah|ngadat|bocor)|servis\w*\s+(?:ulang|lagi)"
         r"|bunyi\s+(?:lagi|aneh)|mogok|(?:broke|breaks|broken)\s+down", 1.0),
    ),
    "rewards": (
        (r"voucher|poin|points?|promo|diskon|cashback|kupon|coupon|member", 1.0),
    ),
    # something left with them and not handed back (a shirt at a laundry, a bag at a
    # workshop); after rewards, so "poin saya hilang" stays a rewards problem
    "lost": (
        (rf"(?:{_THINGS})(?:\s+\w+){{0,3}}?\s+(?:hilang|ilang|raib)"
         rf"|(?:hilang|ilang|kehilangan)(?:\s+\w+)?\s+(?:{_THINGS})"
         rf"|lost\s+(?:my|our|his|her|their|the)\s+(?:\w+\s+)?(?:{_THINGS})"
         r"|(?:went|gone)\s+missing", 1.0),
    ),
    "staff": (
        (r"kasir|barista|pelayan|karyawan|staff?|jutek|judes|cuek\w*|dicuekin|rude|impolite"
         r"|unfriendly|ketus|kasar|sombong|attitude|cashier|waiter", 1.0),
        (r"pelayanan|layanan|service|dilayani|served", 0.5),
    ),
    "wait": (
        (r"antri|antre|antrian|antrean|nunggu|menunggu|lama\s+banget|kelamaan|queue|wait\w*"
         r"|\d+\s*(?:menit|mins?|minutes)|took\s+forever|slow\s+service", 1.0),
        (r"(?:belum|blm|blom)\s+(?:juga\s+)?(?:selesai|kelar|jadi|beres)"
         r"|(?:tidak|gak|ga|nggak|gk)\s+(?:juga\s+)?(?:selesai|kelar|beres)"
         r"|(?:not|still\s+not|wasn'?t|isn'?t|never)\s+(?:been\s+)?(?:ready|done|finished)"
         r"|(?:received|had|got|heard|any|no)\s+(?:any\s+|an\s+)?updates?\s+(?:on|from|about)"
         r"|(?:received|had|got|heard)\s+(?:any|no|an)\s+update"
         r"|tanpa\s+kabar|belum\s+ada\s+kabar", 1.0),
    ),
    "quality": (
        (r"gak\s+enak|ga\s+enak|nggak\s+enak|tidak\s+enak|encer|kemanisan|terlalu\s+manis|pahit"
         r"|ora\s+enak|ra\s+enak|ndak\s+enak|keasinen|kemanisen|anyep"  # Javanese
         r"|(?:cucian|baju|pakaian|kaos|kemeja|jaket|celana|handuk|sprei|selimut)\w*"
         r"(?:\s+\w+){0,4}?\s+(?:bau\s+)?apek|masih\s+basah|still\s+(?:wet|damp)"
         r"|basi|hambar|keasinan|stale|watery|too\s+sweet|bland|burnt|gosong|asem"
         r"|rasa(?:nya)?\s+(?:\w+\s+)?beda|beda\s+rasa(?:nya)?|tastes?\s+different", 1.0),
    ),
    "facility": (
        (r"wifi|wi-fi|\bac\b|toilet|colokan|stop\s*kontak|parkir|parking|socket|kotor|dirty"
         r"|filthy|unclean|grubby|nowhere\s+to\s+(?:sit|park|wait)|jorok"
         r"|berisik|noisy|bau|smell\w*|panas\s+banget", 1.0),
        # "wifinya lemot": the café's internet, not the app ("lemot" alone is the app)
        (r"(?:wifi|wi-fi|internet|sinyal)(?:nya|ny)?\s+(?:\w+\s+)?(?:lemot|lambat|lelet"
         r"|putus\w*|mati|error|slow|down)", 1.0),
    ),
    "availability": (
        (r"(?:gak|ga|nggak|tidak|gk)\s+ada\s+(?:menu\s+)?\w+(?:\s+\w+)?\s+lagi|habis\s+terus"
         r"|sold\s+out|out\s+of\s+stock|no\s+longer\s+(?:sell|serve|have)\w*|discontinued"
         r"|(?:menu|stok)\s+kosong|stok\w*\s+habis"
         r"|(?:been|always|still|run|ran)\s+out\s+of(?!\s+(?:service|order|action|date|time))"
         r"|kehabisan|(?:please|pls|plz)\s+(?:re)?stock|restock", 1.0),
    ),
    "hours": (
        (r"always\s+closed|already\s+closed|(?:sudah|udah|udh|selalu|masih)\s+tutup|jam\s+buka"
         r"|opening\s+hours|open(?:ed|s)?\s+(?:earlier|later|early|late)"
         r"|buka\s+(?:lebih\s+)?(?:pagi|awal|malam|lama|sampai)", 1.0),
    ),
    "price": (
        (r"mahal|kemahalan|harga\s+naik|naik\s+harga|harganya\s+naik|expensive|pricey"
         r"|overpriced|raised\s+(?:the\s+|their\s+|your\s+|its\s+)?prices?|price\s+(?:hike|increase)s?"
         r"|prices?\s+(?:went|gone|have\s+gone|keep\s+going|are\s+going)\s+up", 1.0),
    ),
}
# fmt: on
_METHODS: Final = (
    r"gopay|go-pay|ovo|dana|shopeepay|shopee\s+pay|linkaja|link\s+aja|qris|cash|tunai"
    r"|debit|kartu\s+(?:kredit|debit)|cc|credit\s+card|debit\s+card|card|apple\s+pay"
    r"|google\s+pay|e-?wallet|transfer|paylater|kredivo|akulaku"
)
#: "Ga bisa bayar pake GoPay?", "Can I pay with OVO?", "Do you accept cash?": whether a
#: way to pay is accepted, a request (payment_method), not a payment that went wrong.
METHOD_QUESTION: Final = re.compile(
    r"(?<!\w)(?:(?:bisa|bs|ga\s+bisa|gak\s+bisa|nggak\s+bisa|ngga\s+bisa|gk\s+bisa"
    r"|tidak\s+bisa|tdk\s+bisa|belum\s+bisa|blm\s+bisa)\s+(?:bayar|membayar)"
    r"|(?:can|can'?t|cannot|could)\s+(?:i|we|you)\s+pay|is\s+it\s+possible\s+to\s+pay"
    r"|(?:do|don'?t)\s+you\s+(?:accept|take)|(?:terima|nerima|menerima)(?:\s+pembayaran)?)"
    rf"(?:\s+(?:pake|pakai|pk|via|dengan|dgn|lewat|with|by|using))?\s+(?:{_METHODS})(?!\w)"
)
#: Asked, not stated: "…pake GoPay?", "…pake GoPay ya", "can I pay with…", "do you accept…"
#: ("I can't pay with GoPay" says it failed).
_ASKED_AFTER: Final = re.compile(
    r"\?|(?<!\w)(?:ya|yah|nggak|ngga|enggak|gak|ga|gk|tidak|kah)(?!\w)"
)
_ASKS_ITSELF: Final = re.compile(r"(?:can|could|do|is)\s")
#: What says a payment did go wrong (or was tried): a payment problem, however it is asked.
_PAYMENT_FAILED: Final = re.compile(
    r"(?<!\w)(?:gagal|failed|fail\w*|error|eror|declined|ditolak|kepotong|terpotong"
    r"|ke\s*debit|debited|charged|double|pending|refund\w*|hilang|nyangkut|stuck|terus|mulu"
    r"|dari\s+tadi|udah\s+dicoba|sudah\s+dicoba|tried|keeps?|kept)(?!\w)"
)
_COMPILED: Final = {
    topic: tuple(
        (re.compile(rf"(?<!\w)(?:{pattern})(?:nya|ny)?(?!\w)"), weight) for pattern, weight in cues
    )
    for topic, cues in _TOPIC_CUES.items()
}
TOPICS: Final = tuple(_TOPIC_CUES)
#: Topics that are feedback to pass on, not an incident to investigate: the draft
#: neither confirms details nor asks for any.
FEEDBACK_TOPICS: Final = frozenset({"price", "payment_method", "availability", "hours"})
#: Feedback on a decision the business made (its prices, its opening hours): thanked for
#: and passed on, never apologised for ("we're really sorry about our prices").
THANKED_TOPICS: Final = frozenset({"price", "hours"})
#: Problems with money (a double charge, a refund, a cashback that never came): the only
#: topics where an amount identifies what went wrong, so the only ones whose drafts
#: confirm an amount back. Elsewhere an amount is what something cost ("padahal harganya
#: 150rb", "I paid $40 for this"): said to weigh the complaint, no detail of the order.
MONEY_TOPICS: Final = frozenset({"payment", "rewards"})
MIN_WEIGHT: Final = 1.0  # a passing mention of "app" (0.5) alone names no topic

#: What staff need to act on each topic. Keys of the asks the templates can phrase:
#: order (order number), when, branch, proof_payment (screenshot of the charge),
#: proof_error (screenshot of the error: asked only when they describe an error or a
#: crash, never for points that did not arrive), photo, device (phone and app version).
_NEEDS: Final[Mapping[str | None, tuple[str, ...]]] = {
    "health": ("when", "branch"),
    "foreign_object": ("photo", "when", "branch"),
    "payment": ("order", "when", "proof_payment"),
    "order": ("order", "branch", "when"),
    "delivery": ("order", "when"),
    "repair": ("order", "when"),
    "damaged": ("photo", "order"),
    "app": ("proof_error", "device"),
    "rewards": ("order", "proof_error"),  # the purchase whose points or voucher went missing
    "lost": ("order", "when"),  # the receipt or booking it was left under
    "staff": ("branch", "when"),
    "wait": ("branch", "when"),
    "quality": ("branch", "when"),
    "facility": ("branch", "when"),
    "price": (),
    "payment_method": (),
    "availability": (),
    "hours": (),
    None: ("what",),
}


#: What a rewards complaint is about, so the draft names only that: "the problem with
#: your voucher", not "your points and vouchers" to someone who never mentioned points.
_REWARD_KINDS: Final = (
    ("points", re.compile(r"(?<!\w)(?:poin|points?|koin|coins?|stamps?|loyalty)(?:nya|ny)?(?!\w)")),
    ("voucher", re.compile(r"(?<!\w)(?:voucher|vocer|kupon|coupons?)(?:nya|ny)?(?!\w)")),
    ("promo", re.compile(r"(?<!\w)(?:promo|diskon|discounts?|cashback)(?:nya|ny)?(?!\w)")),
)


def rewards_named(texts: Iterable[str]) -> tuple[str, ...]:
    """Which rewards ``texts`` name: "points", "voucher", "promo", in that order."""
    folded = " ".join(fold(clean(strip_urls(t))) for t in texts)
    return tuple(kind for kind, pattern in _REWARD_KINDS if pattern.search(folded))


def method_question(text: str) -> bool:
    """True when ``text`` asks whether a way to pay is accepted ("ga bisa bayar pake
    GoPay?") and says nothing went wrong with a payment."""
    folded = fold(clean(strip_urls(text)))
    if _PAYMENT_FAILED.search(folded):
        return False
    for sentence in re.findall(r"[^.!?\n]+\??", folded):
        found = METHOD_QUESTION.search(sentence)
        if found is not None and (
            _ASKS_ITSELF.match(found.group(0)) or _ASKED_AFTER.search(sentence, found.end())
        ):
            return True
    return False


def detect_topic(texts: Iterable[str]) -> str | None:
    """The topic of a complaint, from the sentences that carry it; None when unclear."""
    folded = " ".join(fold(clean(strip_urls(t))) for t in texts)
    asked = method_question(folded)
    best, best_weight = None, MIN_WEIGHT - 1e-9
    for topic, cues in _COMPILED.items():
        weight = sum(w * len(pattern.findall(folded)) for pattern, w in cues)
        weight += 3.0 if asked and topic == "payment_method" else 0.0
        if weight > best_weight:
            best, best_weight = topic, weight
    return best


def cue_after(folded: str, topic: str, start: int = 0) -> int | None:
    """Where the first cue of ``topic`` starts in ``folded`` text at or after ``start``."""
    found = [m.start() for pattern, _ in _COMPILED[topic] if (m := pattern.search(folded, start))]
    return min(found, default=None)


def names_topic(text: str, topic: str) -> bool:
    """True when ``text`` names ``topic`` ("saya sakit perut" names health; "Bisa bayar
    pake GoPay?" names payment_method)."""
    folded = fold(clean(strip_urls(text)))
    if topic == "payment_method" and method_question(folded):
        return True
    return cue_after(folded, topic) is not None


def missing_details(topic: str | None, details: Details) -> tuple[str, ...]:
    """The asks for ``topic`` that ``details`` do not answer yet, in the order to ask them."""
    have = {
        "order": bool(details.order_ids),
        "when": details.said_when,
        "branch": bool(details.branches),
        "proof_payment": details.proof,
        "proof_error": details.proof or not details.error,
        "photo": details.proof,
        "device": details.device,
        "what": False,
    }
    needs = _NEEDS.get(topic, ())
    if topic == "rewards" and details.error:  # a refused voucher: its screen says which
        needs = tuple(need for need in needs if need != "order")
    return tuple(need for need in needs if not have[need])
