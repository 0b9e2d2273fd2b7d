"""The register a person wrote in: formal or casual, Indonesian and English."""

from __future__ import annotations

import pytest

from responder.register import detect_register


@pytest.mark.parametrize(
    "text",
    [
        "Saya sangat kecewa dengan pelayanan di Kopi Senja Tebet kemarin.",
        "Mohon maaf, apakah Bapak/Ibu dapat membantu? Terima kasih.",
        "Setelah minum es kopi susu, saya dan adik langsung sakit perut.",
        "Dear Kopi Senja team, I am writing to inform you that my order was incorrect.",
        "I would like to request a refund. Kind regards, Tom",
    ],
)
def test_formal(text: str) -> None:
    assert detect_register([text]) == "formal"


@pytest.mark.parametrize(
    "text",
    [
        "app nya lemot bgt, tolong fix dong",
        "gw udah nunggu 45 menit kak",
        "Poin aku ketahan semua 😡",
        "Kasirnya jutek banget tadi, sayang banget",
        "omg the app is sooo slow lol",
        "pls add dark mode, tbh it's kinda needed",
    ],
)
def test_casual(text: str) -> None:
    assert detect_register([text]) == "casual"


def test_no_cues_keep_the_default() -> None:
    text = "Ordered through the app, got the wrong order."

    assert detect_register([text]) == "casual"
    assert detect_register([text], default="formal") == "formal"


def test_all_posts_of_a_person_count() -> None:
    formal_alone = "saldo GoPay saya terpotong untuk satu pesanan"
    casual_too = "Udah 2 hari, masih belum masuk. Kecewa banget 😤"

    assert detect_register([formal_alone]) == "formal"
    assert detect_register([casual_too, formal_alone]) == "casual"
