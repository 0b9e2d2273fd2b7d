"""The register a person wrote in: formal or casual, Indonesian, English and code-mixed."""

from __future__ import annotations

import pytest

from responder.register import detect_register

#: Real-looking posts and the register a reply should take. Casual Indonesian (gw/aku,
#: kak/min/gan, bgt, dong, sih, wkwk, emoji) gets "Kak … kamu"; formal (saya with
#: mohon, Bapak/Ibu, terima kasih atas, dengan hormat) gets "Bapak/Ibu".
TABLE = [
    # casual Indonesian, including posts that also say "saya" or "sudah"
    ("kak, es kopinya enak bgt sih, auto langganan 😍", "casual"),
    ("min, pesenan gw telat mulu dah", "casual"),
    ("Kak, ini gimana ya saya sudah bayar tapi status masih pending", "casual"),
    ("min saya udah pesen dari tadi kok belum dateng sih 😭", "casual"),
    ("gan, app nya error terus pas login, tolong dicek", "casual"),
    ("wkwk baristanya lucu, besok balik lagi ke sini", "casual"),
    ("aku suka matcha latte nya, thank you kak!", "casual"),
    ("kok voucher aku gak bisa dipake sih min? padahal baru dapet kemarin 😤", "casual"),
    ("udah nunggu 30 menit belum dipanggil juga, capek deh", "casual"),
    ("min saya mau tanya, pesanan saya kok belum sampai ya", "casual"),
    ("Kak, saya mau komplain, pesanan saya tidak sesuai", "casual"),
    ("Kasirnya jutek banget tadi, sayang banget", "casual"),
    ("Poin aku ketahan semua 😡", "casual"),
    # casual code-mixed and English
    ("app nya lemot bgt, tolong fix dong", "casual"),
    ("honestly the vibes di sini enak banget, gue betah nugas seharian", "casual"),
    ("sis, ordernya udah aku transfer ya, tolong diproses asap", "casual"),
    ("omg the app is sooo slow lol", "casual"),
    ("pls add dark mode, tbh it's kinda needed", "casual"),
    # formal Indonesian
    ("Selamat siang, saya ingin menanyakan status pesanan saya. Terima kasih.", "formal"),
    ("Mohon maaf, apakah Bapak/Ibu dapat membantu? Terima kasih.", "formal"),
    ("Saya sangat kecewa dengan pelayanan di Kopi Senja Tebet kemarin.", "formal"),
    ("Terima kasih atas pelayanannya yang ramah, saya pasti akan kembali.", "formal"),
    ("Dengan hormat, saya ingin menyampaikan keluhan terkait pesanan yang tidak sesuai.", "formal"),
    ("Yth. Kopi Senja, mohon pengembalian dana saya sebesar Rp58.000 segera diproses.", "formal"),
    ("Saya ingin komplain, pesanan saya tidak sesuai dengan yang dipesan.", "formal"),
    ("Saya pesan es kopi susu tapi yang datang americano. Mohon diperbaiki.", "formal"),
    ("Setelah minum es kopi susu, saya dan adik langsung sakit perut.", "formal"),
    # formal code-mixed and English
    ("Saya sudah submit complaint lewat email tapi belum ada response. Mohon dicek.", "formal"),
    ("Dear Kopi Senja team, I am writing to inform you that my order was incorrect.", "formal"),
    ("I would like to request a refund. Kind regards, Tom", "formal"),
]


@pytest.mark.parametrize(("text", "register"), TABLE)
def test_register_table(text: str, register: str) -> None:
    assert detect_register([text]) == register


def test_the_table_covers_both_registers_and_code_mixing() -> None:
    assert sum(r == "casual" for _, r in TABLE) >= 10
    assert sum(r == "formal" for _, r in TABLE) >= 10


@pytest.mark.parametrize(
    "text",
    [
        "Ordered through the app, got the wrong order.",
        # one weak cue ("untuk") is not enough to answer a student with "Bapak/Ibu"
        "Rasa kopi di #kopisenja enak, tapi harganya kemahalan untuk mahasiswa.",
    ],
)
def test_too_little_evidence_keeps_the_default(text: str) -> None:
    assert detect_register([text]) == "casual"
    assert detect_register([text], default="formal") == "formal"


def test_all_posts_of_a_person_count() -> None:
    formal_alone = "saldo GoPay saya terpotong untuk satu pesanan"
    casual_too = "Udah 2 hari, masih belum masuk. Kecewa banget 😤"

    assert detect_register([formal_alone]) == "formal"
    assert detect_register([casual_too, formal_alone]) == "casual"
