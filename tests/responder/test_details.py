"""Details a person already gave, what a complaint is about, and what is still missing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from responder.details import DetailLists, _shouted, extract_details, products_in
from responder.topics import detect_topic, missing_details

KOPI = DetailLists(brand_terms=("Kopi Senja", "kopisenja", "#kopisenja"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("saldo kepotong dua kali (order KS-88213), Rp58.000 x2", ("KS-88213",)),
        ("Pesanan #12345 belum datang", ("#12345",)),
        ("invoice INV/2026/XI/00042 salah", ("INV/2026/XI/00042",)),
        ("order id: A1B2C345 never arrived", ("A1B2C345",)),
        ("nomor pesanan 88213990 ya", ("88213990",)),
        ("Kopi Senja, nomor order saya 99812, bayar pake QRIS", ("99812",)),
        ("my order number is 77120, still nothing", ("77120",)),
        ("pesanannya 556677 belum datang", ("556677",)),
        # not order ids: a hashtag, a score, a count, a model name, a short number
        ("#kopisenja 5/5 mantap, pesanan ke-3 minggu ini, COVID-19 aman, order 2 kopi", ()),
    ],
)
def test_order_ids(text: str, expected: tuple[str, ...]) -> None:
    assert extract_details([text]).order_ids == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rp58.000 x2", ("Rp58.000",)),
        ("bayar Rp 45.000 tadi", ("Rp 45.000",)),
        ("Rp. 1.250.000,00 hilang", ("Rp. 1.250.000,00",)),
        ("sekarang kopi susu 38rb, dulu 35 ribu", ("38rb", "35 ribu")),
        ("IDR 45000 and $12.50, plus 3 USD", ("IDR 45000", "$12.50", "3 USD")),
        # not amounts: a distance, a count, points, a time
        ("Just finished a 10k run, 50 cup, poin 1.200, jam 10.30", ()),
    ],
)
def test_amounts(text: str, expected: tuple[str, ...]) -> None:
    assert extract_details([text]).amounts == expected


@pytest.mark.parametrize(
    ("text", "dates", "times", "said_when"),
    [
        ("ke sana tanggal 20 Nov jam 3 sore", ("20 Nov",), ("jam 3 sore",), True),
        ("on 2026-11-20 at 2pm and 14:30", ("2026-11-20",), ("2pm", "14:30"), True),
        ("pas hari Sabtu, terus Minggu juga", ("hari Sabtu", "Minggu"), (), True),
        ("refund belum masuk dari kemarin", (), (), True),
        ("got food poisoning yesterday", (), (), True),
        # a duration is not a time; a rating is not a date; "seminggu" is not Sunday
        ("telat 1 jam 20 menit, 5/5, seminggu ini", (), (), False),
    ],
)
def test_dates_and_times(
    text: str, dates: tuple[str, ...], times: tuple[str, ...], said_when: bool
) -> None:
    details = extract_details([text])

    assert (details.dates, details.times, details.said_when) == (dates, times, said_when)


def test_branches_from_brand_names_streets_and_branch_words() -> None:
    texts = [
        "Kopi Senja Kemang mati wifinya, KOPI SENJA Senopati juga",
        "kopisenja Tebet ok, tapi Kopi Senja app error",
        "cabang Bintaro dan yang di Jl. Kemang Raya No. 5",
    ]

    assert extract_details(texts, KOPI).branches == (
        "Kemang",
        "Senopati",
        "Tebet",
        "Bintaro",
        "Jl. Kemang Raya No. 5",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Kopi Senja Amazing coffee and such friendly staff",
        "Kopi Senja Thanks for the free refill!",
        "Kopi Senja Honestly the best latte in town",
        "Kopi Senja Why is the queue so long",
        "Kopi Senja Makasih ya kak",
    ],
)
def test_a_sentence_starting_right_after_the_brand_is_no_branch(text: str) -> None:
    # Before: "details you already gave us (Amazing branch)".
    assert extract_details([text], KOPI).branches == ()


def test_a_configured_branch_list_is_the_only_source_and_keeps_its_spelling() -> None:
    lists = DetailLists(branches=("Kemang", "Tebet Raya"), brand_terms=("Kopi Senja",))

    details = extract_details(["kopi senja kemang and tebet raya, not Kopi Senja Bintaro"], lists)

    assert details.branches == ("Kemang", "Tebet Raya")


def test_products_longest_match_with_indonesian_suffix() -> None:
    lists = DetailLists(products=("kopi susu", "kopi susu gula aren", "croissant"))

    details = extract_details(
        ["Kopi susu gula aren enak, croissant nya juga, kopi susunya pas"], lists
    )

    assert details.products == ("kopi susu gula aren", "croissant", "kopi susu")
    assert products_in("Honestly kopi susunya enak banget", lists) == ("kopi susu",)
    assert extract_details(["kopi susu"]).products == ()  # no list, no products


def test_details_merge_over_posts_without_duplicates() -> None:
    details = extract_details(["order KS-88213, Rp58.000", "KS-88213 masih belum, rp58.000"])

    assert details.order_ids == ("KS-88213",)
    assert details.amounts == ("Rp58.000",)
    assert details.any


def test_device_and_proof_are_noticed() -> None:
    details = extract_details(["error terus di iPhone, ini screenshot nya"])

    assert details.device and details.proof


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("saldo GoPay saya kepotong dua kali, tolong refund", "payment"),
        ("setelah minum es kopi langsung sakit perut dan diare", "health"),
        ("my daughter's lips swelled up after the muffin", "health"),
        ("ada serpihan plastik di nasi gw", "foreign_object"),
        ("found a long hair in my sausage roll", "foreign_object"),
        ("found glass in my pie and was sick all night", "health"),
        ("got the wrong order and the cashier was rude", "order"),
        ("Pesanan delivery telat 1 jam dan es nya cair", "delivery"),
        ("tumbler tutupnya udah rusak", "damaged"),
        ("your card machine has been broken for 3 days", "payment_method"),
        ("the eftpos is broken again", "payment_method"),
        ("app nya lemot bgt pas mau checkout", "app"),
        ("Voucher ulang tahun di app gak bisa dipake, katanya expired", "rewards"),
        ("Kasirnya jutek banget tadi", "staff"),
        ("the queue was crazy, waited 30 mins", "wait"),
        ("Kopi susunya hari ini gak enak, kemanisan dan encer", "quality"),
        ("wifi di Kemang mati terus", "facility"),
        ("Harga naik terus, kemahalan", "price"),
        ("belum bisa bayar pakai QRIS, ribet harus cash", "payment_method"),
        ("kenapa gak ada menu croissant almond lagi?", "availability"),
        ("I pass by at 6:30 and it's always closed", "hours"),
        ("not cool at all", None),
        ("the Kopi Senja app", None),  # a passing mention of the app names no problem
        ("Tapi wifinya lemot bgt", "facility"),  # the café's wifi, not the app
        ("Minuman yang saya terima tidak sesuai dengan pesanan.", "order"),
        ("lol Kopi Senja raised prices AGAIN", "price"),
        ("the prices went up too much lately", "price"),
        ("kok rasanya beda ya sekarang? Dulu lebih strong", "quality"),
    ],
)
def test_complaint_topics(text: str, topic: str | None) -> None:
    assert detect_topic([text]) == topic


def test_only_missing_details_are_asked() -> None:
    budi = extract_details(
        ["saldo kepotong (order KS-88213), Rp58.000 x2. CS belum bales dari kemarin."]
    )

    assert missing_details("payment", budi) == ("proof_payment",)
    assert missing_details("payment", extract_details(["kepotong dua kali"])) == (
        "order",
        "when",
        "proof_payment",
    )
    assert missing_details("wait", extract_details(["Kopi Senja Kemang tadi"], KOPI)) == ()
    assert missing_details("price", extract_details(["mahal"])) == ()
    assert missing_details(None, extract_details(["bad"])) == ("what",)


def test_a_shouted_branch_is_title_cased_but_an_acronym_is_kept() -> None:
    shouted = extract_details(["KOPI SENJA KEMANG AC NYA MATI!!! PANAS BGT GA KUAT!!!"], KOPI)
    acronym = extract_details(["Kopi Senja PIK is gorgeous"], KOPI)

    assert shouted.branches == ("Kemang",)
    assert acronym.branches == ("PIK",)


@given(st.text(alphabet="aZkS É1!Ⅷⅷ", max_size=30))
def test_shouted_counts_the_same_on_the_ascii_path(text: str) -> None:
    """ASCII text is counted in C (an ASCII capital is always a letter); the result is
    the per-letter count's ("Ⅷ" is upper case but no letter: only non-ASCII text
    takes the per-letter path)."""
    letters = [ch for ch in text if ch.isalpha()]
    expected = len(letters) >= 8 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)
    assert _shouted(text) == expected
