"""Drafts for businesses that sell no food: a bike workshop in Melbourne, a laundry in
Depok. Their complaints (a shirt gone, a dress torn, a chain that snapped and threw the
rider) must be named as what they are, in words that fit a business that serves no meals.

Posts written for this audit (2026-12-05); none is from the shared datasets.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from common.records import Label
from responder.details import extract_details
from responder.draft_input import DraftInput, DraftPost
from responder.drafts import Draft, DraftWriter
from responder.register import Register
from responder.settings import ResponderSettings
from responder.topics import detect_topic
from responder.voice import affected


def _flat(texts: Sequence[str]) -> list[dict[str, float]]:
    return [{"complaint": 0.5, "praise": 0.01, "idea": 0.01} for _ in texts]


def _draft(
    lang: str,
    text: str,
    *,
    name: str = "Sarah Kowalski",
    register: Register | None = None,
    label: Label = "complaint",
) -> Draft:
    item = DraftInput(
        label=label,
        posts=(DraftPost(text, (label,)),),
        lang=lang,
        brand="wangi",
        name=name,
        brand_terms=("Laundry Wangi", "Spokes Bike Repair"),
        register=register,
    )
    return DraftWriter(ResponderSettings(), _flat).write_one(item)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        # the ACCC (folded to "ac") is no air conditioner: a double charge is a payment
        (
            "Spokes Bike Repair charged my card twice for the same service ($220 x2). If "
            "this isn't sorted by Friday I'm going to my bank and the ACCC.",
            "payment",
        ),
        ("Quoted $90, charged $160 at pickup with no phone call to approve it.", "payment"),
        ("Chain snapped and I came off the bike. Grazed arm, had to go to the GP.", "health"),
        ("It came loose as he rode down the driveway and he cut his chin.", "health"),
        ("The workshop is filthy and there's nowhere to sit while you wait.", "facility"),
        ("pls stock 700x28 tubes, been out of them for 3 weeks now", "availability"),
        ("my ebike came back with a scratched frame", "damaged"),
        ("dry clean gaun pesta saya malah robek di bagian resleting", "damaged"),
        ("Baju koko saya luntur dan menyusut setelah di-laundry", "damaged"),
        ("my white sneakers yg di cuci sepatu malah jadi kuning", "damaged"),
        ("ngembaliin cucian gue masih basah & bau apek", "quality"),
        ("kok cucian gw udh 5 hari blm kelar, katanya reguler 3 hari", "wait"),
        ("I was told it would be ready by Thursday and I have not received any update.", "wait"),
        ("min kok kemeja kantor aku ilang 1 ya??", "lost"),
        ("had my bike serviced and they lost my saddle bag with my keys in it", "lost"),
        ("Sudah dua minggu saya menunggu kabar soal baju yang hilang.", "lost"),
        ("poin saya hilang setelah transaksi", "rewards"),  # not a lost item
        ("uang saya hilang, kepotong dua kali", "payment"),
        ("aplikasinya error mulu, loading doang ga kelar2", "app"),
        ("Picked it up and the gears are still skipping on the big cog. Paid $180.", "repair"),
        ("my brakes were bled last week and they're already spongy again", "repair"),
        ("udah servis 350rb di bengkel tp motornya masih bunyi aneh", "repair"),
        ("HP saya habis ganti LCD, layarnya masih bermasalah", "repair"),
        ("Motor saya diservis tanggal 1 Desember, keesokan harinya mogok di jalan.", "repair"),
        ("the app keeps crashing when clicking checkout", "app"),
    ],
)
def test_complaints_of_other_trades_name_their_topic(text: str, topic: str) -> None:
    assert detect_topic([text]) == topic


#: Words of those trades that say something else elsewhere (found by running the shared
#: annotated complaints through both versions of the cues).
@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("udah ganti kartu 3x, sinyal tetep ilang di dalem rumah", None),  # no lost item
        ("iklan yg gak ilang maunya di buka terus", None),
        ("Update baru bug, pas di coba lagi masih sama, aplikasi keluar terus", "app"),
        ("ticket machine been out of service for over a week now", None),
        ("No update has been done recently though", None),
        ("saku kemeja sobek, tidak dijahit, ada bolong", "damaged"),  # sewing, no stitches
        ("kamar bau apek, tidak sediakan perlengkapan mandi", "facility"),
        ("gue jatuh dan lutut robek", "health"),
    ],
)
def test_words_of_other_trades_are_not_read_into_other_complaints(
    text: str, topic: str | None
) -> None:
    assert detect_topic([text]) == topic


@pytest.mark.parametrize(
    ("lang", "register", "text", "wrong"),
    [
        (
            "id",
            "formal",
            "Parfum laundry di Laundry Wangi terlalu menyengat, saya sampai pusing dan mual.",
            "menikmati pesanan",
        ),
        ("id", "casual", "parfum laundry wangi bikin gue pusing dan mual", "makan pesanan"),
        ("en", "casual", "Chain snapped, I came off the bike and had to go to the GP.", "order"),
    ],
)
def test_a_health_complaint_assumes_no_meal(
    lang: str, register: Register, text: str, wrong: str
) -> None:
    draft = _draft(lang, text, register=register)

    assert wrong not in draft.subject + draft.body, draft.body
    assert "better" in draft.body or "merasa lebih baik" in draft.body, draft.body


def test_an_injured_child_named_a_sentence_earlier_is_the_one_wished_well() -> None:
    text = (
        "My son's bike was returned with the front wheel not properly tightened. It came "
        "loose as he rode down the driveway and he cut his chin."
    )
    assert affected(text) is not None
    draft = _draft("en", text, name="Elaine Foster")

    assert "We hope your son is feeling better." in draft.body, draft.body
    assert "We hope you're feeling better" not in draft.body
    assert affected("My friend recommended it. I got sick after.") is None


def test_a_lost_item_is_apologised_for_and_asks_for_the_receipt() -> None:
    draft = _draft("id", "min kok kemeja kantor aku ilang 1 ya?? kemaren nitip 5", name="Salsa")

    assert "barang Kakak yang hilang" in draft.subject, draft.subject
    assert "nomor pesanannya" in draft.body, draft.body
    assert "cerita lebih lengkap" not in draft.body


@pytest.mark.parametrize("register", ["formal", "casual"])
def test_no_menu_for_a_business_without_one(register: Register) -> None:
    unavailable = _draft("id", "stok deterjen tanpa pewangi kosong, kehabisan", register=register)
    idea = _draft("id", "semoga ada layanan antar jemput ya", label="idea", register=register)

    for draft in (unavailable, idea):
        assert "menu" not in draft.subject + draft.body, draft.body


def test_an_order_number_of_four_digits_or_a_receipt_is_noted() -> None:
    assert extract_details(["ada noda tinta. order no. 7731"]).order_ids == ("7731",)
    assert extract_details(["nota no 2291 belum kelar"]).order_ids == ("2291",)
    assert extract_details(["order saya 2 kali salah"]).order_ids == ()


def test_a_date_at_the_end_of_a_sentence_is_noted_without_its_full_stop() -> None:
    details = extract_details(["Dropped it for a full service on 3 March. Still skipping."])

    assert details.dates == ("3 March",)
    assert extract_details(["Booked on 3 Mar. 2026"]).dates == ("3 Mar. 2026",)


def test_two_things_to_tell_and_one_to_send_are_one_clear_sentence() -> None:
    draft = _draft("en", "Quoted $90, charged $160 at pickup. Not on.", register="casual")

    assert "your order number and when it happened, and send us" in draft.body, draft.body


@pytest.mark.parametrize(
    ("name", "greeting"),
    [("Fikri Hidayat", "Halo Bapak Fikri,"), ("Meilani Tan", "Halo Ibu Meilani,")],
)
def test_common_gendered_names_get_bapak_or_ibu(name: str, greeting: str) -> None:
    draft = _draft("id", "Baju saya robek setelah dicuci. Mohon ditindaklanjuti.", name=name)

    assert draft.body.startswith(greeting), draft.body


@pytest.mark.parametrize(
    ("lang", "register", "text", "named"),
    [
        ("en", "casual", "Full service on 3 March and the gears are still skipping.", "repair"),
        ("id", "casual", "abis servis kemarin motor gue masih bunyi aneh bgt", "hasil servis"),
        ("id", "formal", "Setelah diservis, motor saya masih mogok. Mohon dicek.", "hasil servis"),
    ],
)
def test_work_handed_back_not_right_is_named_not_asked_about(
    lang: str, register: Register, text: str, named: str
) -> None:
    draft = _draft(lang, text, register=register)

    assert named in draft.subject, draft.subject
    assert "what happened" not in draft.body and "cerita lebih lengkap" not in draft.body
    assert "penjelasan lebih lengkap" not in draft.body, draft.body


@pytest.mark.parametrize(
    ("lang", "text", "ill"),
    [
        ("id", "harganya bikin pusing, mahal banget sekarang", False),
        ("id", "fitur barunya bikin pusing, menunya ribet", False),
        ("en", "this app gives me a headache, the menus are a maze", False),
        ("en", "this perfume gave me a headache, had to lie down after wearing it", True),
        ("id", "body mist yang baru baunya nyengat banget, kepala gw langsung pusing", True),
        ("en", "the new scent smells amazing but it made me nauseous after an hour", True),
    ],
)
def test_a_headache_is_wished_better_only_when_it_is_one(lang: str, text: str, ill: bool) -> None:
    draft = _draft(lang, text)

    better = "better" in draft.body or "merasa lebih baik" in draft.body
    assert better == ill, draft.body
    assert (detect_topic([text]) == "health") == ill
