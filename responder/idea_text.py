"""Comparable features of an idea's text, across English and Indonesian.

An idea is reduced to its content words: folded, Indonesian "-nya" dropped,
common Indonesian words mapped to one English form ("gelap" → "dark", "cabang"
→ "branch"), and request filler removed ("tolong tambahin … dong", "please add").
Each content word becomes its character 3–5-grams, so spelling variants and
inflections still overlap. Similarity is the Jaccard index of those sets:
deterministic, offline, and cheap.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import cache
from typing import Final

from responder.text import clean, fold, strip_urls

_TOKEN_RE: Final = re.compile(r"[^\W_]+")
_HANDLE_RE: Final = re.compile(r"(?<!\w)@\w+")
NGRAM_SIZES: Final = (3, 4, 5)

#: Indonesian (and informal English) words → one canonical English form.
# fmt: off
_CORE: Final = {
    # features and apps
    "gelap": "dark", "tema": "mode", "theme": "mode", "fitur": "feature", "features": "feature",
    "aplikasi": "app", "apk": "app", "apps": "app", "application": "app",
    "notifikasi": "notification", "notif": "notification", "notifications": "notification",
    "bahasa": "language", "pilihan": "option", "opsi": "option", "options": "option",
    "luring": "offline", "daring": "online", "pencarian": "search",
    "riwayat": "history", "simpan": "save", "favorit": "favorite", "favourite": "favorite",
    # money and payment
    "bayar": "pay", "pembayaran": "pay", "payment": "pay", "payments": "pay", "tunai": "cash",
    "harga": "price", "prices": "price", "murah": "cheap", "cheaper": "cheap",
    "diskon": "discount", "discounts": "discount", "potongan": "discount",
    "poin": "points", "point": "points", "hadiah": "reward", "rewards": "reward",
    "cicilan": "installment", "dompet": "wallet", "gratis": "free", "ongkir": "shipping",
    "langganan": "subscription", "keanggotaan": "membership", "member": "membership",
    # stores and delivery
    "cabang": "branch", "gerai": "branch", "outlet": "branch", "toko": "store",
    "branches": "branch", "stores": "store", "buka": "open", "opening": "open",
    "pengiriman": "delivery", "kirim": "delivery", "antar": "delivery", "delivered": "delivery",
    "pesan": "order", "pesanan": "order", "orders": "order", "lacak": "track",
    "tracking": "track", "jam": "hours", "hour": "hours", "malam": "night", "malem": "night",
    "pagi": "morning", "parkir": "parking", "colokan": "socket", "stopkontak": "socket",
    "kursi": "seat", "seats": "seat", "meja": "table", "tables": "table",
    # food and drink
    "kopi": "coffee", "susu": "milk", "gula": "sweet", "manis": "sweet", "es": "iced",
    "ice": "iced", "panas": "hot", "minuman": "drink", "drinks": "drink", "makanan": "food",
    "ukuran": "size", "sizes": "size", "besar": "large", "big": "large", "kecil": "small",
    "sedotan": "straw", "straws": "straw", "kertas": "paper", "gelas": "cup", "cups": "cup",
    "rasa": "flavor", "varian": "variant", "variants": "variant", "flavour": "flavor",
    "flavors": "flavor", "sayur": "vegetable", "nabati": "plant", "oat": "oat",
    # quantities and wishes
    "lebih": "more", "banyak": "more", "perbanyak": "more", "kurang": "less",
    "tanpa": "without", "kurangi": "less", "reduce": "less",
    "plastik": "plastic", "bisa": "can",
    # time, sweetness, bikes (added for the ideas board's grouping set, tune part)
    "earlier": "morning", "early": "morning", "subuh": "morning",
    "sugar": "sweet", "manisnya": "sweet", "kemanisan": "sweet",
    "jemput": "pickup", "sepeda": "bike", "bikes": "bike", "bengkel": "workshop",
    "servis": "service", "tutup": "close", "closing": "close", "minggu": "sunday",
    "gambar": "picture", "foto": "picture", "photos": "picture", "pictures": "picture",
    "tulisan": "font", "huruf": "font", "text": "font", "gede": "large", "gedein": "large",
    "jumbo": "large", "bigger": "large", "larger": "large", "cabangnya": "branch",
}

#: A broad everyday vocabulary of small businesses' customers (cafés, bakeries, bike shops,
#: salons, clinics, hotels, online shops), Indonesian and informal spellings → one English
#: form. Written as a general lexicon, not from the held-aside ideas; entries above win.
BROAD: Final = {
    # people and places
    "anak": "kids", "anakku": "kids", "children": "kids", "child": "kids", "kid": "kids",
    "cowok": "men", "pria": "men", "laki": "men", "male": "men", "guys": "men", "man": "men",
    "cewek": "women", "wanita": "women", "perempuan": "women", "female": "women",
    "woman": "women", "ibu": "women", "muslimah": "women", "tamu": "guest", "guests": "guest",
    "pelanggan": "customer", "customers": "customer", "pelajar": "student",
    "mahasiswa": "student", "students": "student", "turis": "tourist", "tourists": "tourist",
    "bule": "tourist", "rumah": "home", "house": "home", "kamar": "room", "ruang": "room",
    "ruangan": "room", "rooms": "room", "tempat": "place", "area": "place", "zone": "place",
    "pojok": "corner", "luar": "outdoor", "outside": "outdoor", "teras": "terrace",
    "dalam": "inside", "dalem": "inside", "lantai": "floor", "lobi": "lobby",
    "bandara": "airport", "kantor": "office", "sekolah": "school", "kampus": "campus",
    "toilet": "restroom", "wc": "restroom", "mandi": "restroom", "mushola": "prayer",
    "musholla": "prayer", "musala": "prayer", "sholat": "prayer", "salat": "prayer",
    "pray": "prayer", "dokter": "doctor", "dok": "doctor", "doctors": "doctor",
    "klinik": "clinic", "pasien": "patient", "patients": "patient",
    # goods
    "roti": "bread", "loaf": "bread", "loaves": "bread", "kue": "cake", "cakes": "cake",
    "tart": "cake", "pastries": "pastry", "minum": "drink", "minuman": "drink",
    "air": "water", "mineral": "water", "makan": "food", "sarapan": "breakfast",
    "teh": "tea", "coklat": "chocolate", "cokelat": "chocolate", "biji": "beans",
    "bubuk": "ground", "baju": "clothes", "kaos": "shirt", "shirts": "shirt",
    "celana": "pants", "sepatu": "shoes", "barang": "item", "items": "item",
    "produk": "product", "products": "product", "botol": "bottle", "bottles": "bottle",
    "kemasan": "packaging", "bungkus": "wrap", "wrapping": "wrap", "kado": "gift",
    "hadiah": "gift", "gifts": "gift", "presents": "gift", "kartu": "card", "cards": "card",
    "ban": "tyre", "tire": "tyre", "tires": "tyre", "rantai": "chain", "sadel": "saddle",
    "rambut": "hair", "kuku": "nail", "nails": "nail", "kutek": "nail",
    "obat": "medicine", "resep": "prescription",
    # actions and services
    "jual": "sell", "jualan": "sell", "menjual": "sell", "selling": "sell", "sells": "sell",
    "beli": "buy", "membeli": "buy", "buying": "buy", "sewa": "rent", "sewain": "rent",
    "rental": "rent", "hire": "rent", "renting": "rent", "pinjam": "borrow",
    "cuci": "wash", "nyuci": "wash", "washing": "wash", "laundry": "wash",
    "bersih": "clean", "bersihin": "clean", "dibersihin": "clean", "kotor": "dirty",
    "potong": "cut", "cukur": "cut", "haircut": "cut", "haircuts": "cut",
    "servis": "service", "perbaikan": "repair", "benerin": "repair", "repairs": "repair",
    "fixing": "repair", "fix": "repair", "rawat": "maintenance",
    "perawatan": "maintenance", "kelas": "class", "classes": "class", "kursus": "class",
    "pelatihan": "class", "belajar": "learn", "ajarin": "teach", "learning": "learn",
    "tukar": "exchange", "ditukar": "exchange", "swap": "exchange", "retur": "return",
    "returns": "return", "balikin": "return", "dikembaliin": "return",
    "antri": "queue", "antrian": "queue", "antre": "queue", "antrean": "queue",
    "queueing": "queue", "line": "queue", "daftar": "register", "registration": "register",
    "booking": "book", "reservasi": "book", "reservation": "book", "pesan": "order",
    "pesen": "order", "ordering": "order", "konsultasi": "consult", "konsul": "consult",
    "consultation": "consult", "consultations": "consult", "consults": "consult",
    "ingetin": "remind", "diingetin": "remind", "pengingat": "remind",
    "reminder": "remind", "reminders": "remind", "kabarin": "notification",
    "notify": "notification", "dikabarin": "notification",
    "cicil": "installment", "cicilan": "installment", "installments": "installment",
    "kredit": "installment", "sediain": "provide", "adain": "provide", "terima": "accept",
    # qualities and amounts
    "gratis": "free", "murah": "cheap", "cheaper": "cheap", "mahal": "expensive",
    "promo": "discount", "potongan": "discount", "diskon": "discount", "sale": "discount",
    "deals": "discount", "deal": "discount", "sisa": "leftover", "leftovers": "leftover",
    "panjang": "long", "lama": "long", "longer": "long", "pendek": "short",
    "kencang": "loud", "kenceng": "loud", "kekencengan": "loud", "berisik": "loud",
    "noisy": "loud", "tenang": "quiet", "sepi": "quiet", "silent": "quiet",
    "pedas": "spicy", "pedes": "spicy", "spice": "spicy", "hot": "hot",
    "dingin": "cold", "sejuk": "cold", "gerah": "hot", "panas": "hot",
    "bersihkan": "clean", "baru": "new", "lokal": "local", "sehat": "healthy",
    "setengah": "half", "separuh": "half", "mini": "small", "smaller": "small",
    "jelas": "clear", "detail": "clear", "cepat": "fast", "cepet": "fast",
    "faster": "fast", "lambat": "slow", "lelet": "slow",
    # time
    "malam": "night", "malem": "night", "evening": "night", "evenings": "night",
    "nights": "night", "sore": "afternoon", "siang": "noon", "mornings": "morning",
    "weekends": "weekend", "sabtu": "saturday", "jumat": "friday", "bulan": "month",
    "bulanan": "monthly", "months": "month", "tahun": "year", "years": "year",
    "mingguan": "weekly", "harian": "daily", "hari": "day", "days": "day",
    "tiap": "every", "setiap": "every", "rutin": "regular",
}
# fmt: on

#: Every folding: the core entries win over the broad ones.
CANONICAL: Final = {**BROAD, **_CORE}

#: Filler in both languages, including the request itself ("please add", "tolong
#: tambahin"): two ideas are alike because of *what* they ask for, not how.
_STOPWORD_TEXT: Final = """
    a about after again all almost already also always am an and any anymore anyone anything
    are around as at back be because been before being both but by can cannot could did do
    does doing done down each else even ever every everyone everything few for from get gets
    getting give go going got had has have having he her here him his how however i if in into
    is it its just keep kind know last let like lot lots made make many may me might more most
    much must my need needs never no not now of off often on once one only or other others our
    out over own people please pls plz quite rather really same see seem should since so some
    someone something soon still such sure than thank thanks that the their them then there
    these they thing things think this those though through time to today too under until up
    us very want wanted was way we well were what when where which while who why will wish with
    would yes yet you your s t ll re ve d m don doesn didn isn wasn aren won hope love nice good
    great cool idea ideas suggestion suggest suggestions maybe kinda bit add adding added app
    option support accept provide enable allow offer bring use using instead also
    ada adalah agak agar aja akan aku amat anda andai antara apa apakah atau bagaimana bahkan
    bahwa banget bgt bngt begitu belum benar berapa biar bikin bilang buat bukan cuma coba dah
    dalam dan dari dengan dgn deh dong donk dulu emang enggak gak ga gimana gitu gua gue gw
    hanya harus hal hari ini itu jadi jd jangan juga kak kakak kalau kalo kami kamu kan kapan
    karena kayak kayaknya ke kenapa kita klo kok lagi lg lah lain lalu lo lu mah makin mana
    masih mau memang mereka min admin mohon mungkin nanti nggak ngga nih nya oleh orang pada
    padahal paling pas pasti per pernah pokoknya pun punya saat saja sama sm sampai sangat saya
    sebaik sebenarnya sedang sekali sekarang selalu selama semoga semua sering serius setiap
    sih soalnya suka sudah supaya tapi tau tetap tetep tiap tolong tuh udah untuk usul utk
    walau ya yaa yah yuk ayo yang yg harap minta gan sis bro kasih kasi mudah mudahan jika
    tambah tambahin tambahkan ditambah ditambahin ditambahkan adain adakan diadain diadakan
    dibuat dibikin sediakan disediakan pake pakai pakek ingin pengen pingin pengin kah kalian
    mampir langsung ribet di butuh ngopi dekat cari tahun depan pesen
    plis pliss please pleasee om mending request gimana sekalian dikit doang ajak boleh
    could would lovely amazing perfect helpful consider start let provide accept bikinin
    tolongin mohon coba sayang enak seru nya si oke okay ok pls day
"""
STOPWORDS: Final = frozenset(_STOPWORD_TEXT.split())


@cache
def lexicon_id() -> str:
    """A short fingerprint of the folding lexicon, filler words and n-gram sizes: vectors
    made with another lexicon are another space (their centroids are recomputed)."""
    basis = repr((sorted(CANONICAL.items()), sorted(STOPWORDS), NGRAM_SIZES))
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()[:6]


def ignore_set(terms: Iterable[str]) -> frozenset[str]:
    """Canonical words to leave out of comparisons, e.g. brand names and handles.

    A brand is in most ideas about it, so its words would make unrelated ideas
    look alike. "Kopi Senja" ignores "kopi" (as "coffee"), "senja" and "kopisenja".
    """
    ignored: set[str] = set()
    for term in terms:
        ignored.update(content_tokens(term))
        ignored.update(_TOKEN_RE.findall(fold(term.replace(" ", ""))))
    return frozenset(ignored)


def content_tokens(text: str, ignore: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Canonical content words of ``text``, in order, without filler or ``ignore`` words."""
    plain = _HANDLE_RE.sub(" ", strip_urls(clean(text)))
    tokens = []
    for raw in _TOKEN_RE.findall(fold(plain)):
        token = raw[:-3] if len(raw) > 5 and raw.endswith("nya") else raw
        token = CANONICAL.get(token, token)
        if _is_content(token) and token not in ignore and raw not in ignore:
            tokens.append(token)
    return tuple(tokens)


def _is_content(token: str) -> bool:
    """Not filler, not a lone letter, not a bare number (times and prices vary freely)."""
    return token not in STOPWORDS and len(token) > 1 and not token.isdigit()


def features(text: str, ignore: frozenset[str] = frozenset()) -> frozenset[str]:
    """Character 3–5-grams of each content word, padded with word boundaries.

    A text with no content words (all filler or emoji) is represented by its
    folded self, so identical texts still compare equal.
    """
    tokens = content_tokens(text, ignore)
    if not tokens:
        folded = fold(clean(text))
        return frozenset({f"raw:{folded}"}) if folded else frozenset()
    grams: set[str] = set()
    for token in tokens:
        padded = f"<{token}>"
        grams.update(_ngrams(padded))
    return frozenset(grams)


def _ngrams(padded: str) -> Iterable[str]:
    if len(padded) <= NGRAM_SIZES[0]:
        return (padded,)
    return (padded[i : i + n] for n in NGRAM_SIZES for i in range(len(padded) - n + 1))


def jaccard(left: frozenset[str], right: frozenset[str]) -> float:
    """|A ∩ B| / |A ∪ B|, and 0.0 when both are empty."""
    if not left or not right:
        return 0.0
    shared = len(left & right)
    return shared / (len(left) + len(right) - shared)


def similarity(left: str, right: str, ignore: frozenset[str] = frozenset()) -> float:
    """How alike two idea texts are, from 0.0 (nothing shared) to 1.0."""
    return jaccard(features(left, ignore), features(right, ignore))


def idea_key(text: str, ignore: frozenset[str] = frozenset()) -> str:
    """A stable key for a group founded by ``text``: same content words → same key."""
    tokens = content_tokens(text, ignore)
    basis = " ".join(sorted(set(tokens))) if tokens else fold(clean(text))
    return "idea-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:12]
